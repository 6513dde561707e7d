from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tarjama.batch import plan_batches, translate_pooled

from .conftest import FakeBackend, transliterate


@given(
    st.lists(st.integers(min_value=1, max_value=300), max_size=200),
    st.integers(min_value=1, max_value=2000),
    st.integers(min_value=1, max_value=64),
)
def test_batches_hold_every_item_once_within_budget(lengths: list[int], budget: int, cap: int) -> None:
    batches = plan_batches(lengths, budget, cap)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) <= cap
        longest = max(lengths[i] for i in batch)
        assert len(batch) == 1 or len(batch) * longest <= budget
        assert [lengths[i] for i in batch] == sorted((lengths[i] for i in batch), reverse=True)


def test_results_in_input_order_and_duplicates_translated_once(fake_backend: FakeBackend) -> None:
    texts = ["قال", "الوزير إن الاجتماع انتهى", "قال", "في 10 أكتوبر", "قال"]
    done: list[int] = []
    results = translate_pooled(texts, fake_backend, batch_tokens=6, max_sentences=2, on_batch=done.append)
    assert [h.text for h in results] == [transliterate(t) for t in texts]
    sent = [s for batch in fake_backend.batches for s in batch]
    assert sorted(sent) == sorted(set(texts))
    assert sum(done) == len(texts)
    assert all(len(batch) <= 2 for batch in fake_backend.batches)
