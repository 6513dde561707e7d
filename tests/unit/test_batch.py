from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tarjama import InputError, Translator
from tarjama.backends import Hypothesis
from tarjama.batch import plan_batches, prefetch, translate_pooled
from tarjama.cache import TranslationCache

from ..conftest import FakeBackend, transliterate


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


@given(
    st.lists(st.integers(min_value=1, max_value=300), max_size=200),
    st.sampled_from([0.0, 0.1, 0.2, 0.5]),
)
def test_length_buckets_keep_padding_within_its_share(lengths: list[int], share: float) -> None:
    batches = plan_batches(lengths, 100_000, 64, max_padding=share)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    for batch in batches:
        sizes = [lengths[i] for i in batch]
        assert len(batch) * max(sizes) - sum(sizes) <= share * sum(sizes)
        assert sizes == sorted(sizes, reverse=True)


@given(
    st.lists(st.integers(min_value=1, max_value=300), max_size=200),
    st.integers(min_value=1, max_value=4000),
    st.integers(min_value=1, max_value=64),
    st.integers(min_value=1, max_value=32),
)
def test_no_length_bucket_smaller_than_its_minimum(lengths: list[int], budget: int, cap: int, least: int) -> None:
    """A batch closes for padding only once it holds ``min_bucket`` items: a smaller
    batch is the last, or the next item would have broken the budget or the cap."""
    batches = plan_batches(lengths, budget, cap, max_padding=0.2, min_bucket=least)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    for batch in batches[:-1]:
        longest = max(lengths[i] for i in batch)
        assert len(batch) >= least or len(batch) == cap or (len(batch) + 1) * longest > budget
        assert len(batch) <= cap and (len(batch) == 1 or len(batch) * longest <= budget)


def test_transformers_buckets_hold_64_hypotheses_before_padding_closes_them(fake_backend: FakeBackend) -> None:
    """Issue 15: 32 ANT units at beam 4 made buckets of 7, 12, 5, 3, 1, 3, 1 sentences;
    a small batch costs nearly what a full one does each decoding step."""
    assert fake_backend.with_options(beams=4).min_bucket_sentences == 16
    assert fake_backend.with_options(beams=1).min_bucket_sentences == 64
    lengths = [100 - 3 * i for i in range(30)]  # padding passes 20% at the 13th
    assert [len(b) for b in plan_batches(lengths, 100_000, 64, max_padding=0.2)] == [12, 8, 5, 3, 2]
    assert [len(b) for b in plan_batches(lengths, 100_000, 64, max_padding=0.2, min_bucket=16)] == [16, 14]


def test_results_in_input_order_and_duplicates_translated_once(fake_backend: FakeBackend) -> None:
    texts = ["قال", "الوزير إن الاجتماع انتهى", "قال", "في 10 أكتوبر", "قال"]
    done: list[int] = []
    results = translate_pooled(texts, fake_backend, batch_tokens=6, max_sentences=2, on_batch=done.append)
    assert [h.text for h in results] == [transliterate(t) for t in texts]
    sent = [s for batch in fake_backend.batches for s in batch]
    assert sorted(sent) == sorted(set(texts))
    assert sum(done) == len(texts)
    assert all(len(batch) <= 2 for batch in fake_backend.batches)


class OutOfMemoryError(RuntimeError):
    """Stands in for ``torch.cuda.OutOfMemoryError`` (recognised by its name)."""


class SmallMemoryFake(FakeBackend):
    """Runs out of memory on batches of more than ``room`` padded tokens."""

    def __init__(self, room: int, error: type[Exception] = OutOfMemoryError) -> None:
        super().__init__(model="fake")
        self.room = room
        self.error = error
        self.failures = 0

    def translate_batch(self, sentences: list[str]) -> list[Hypothesis]:
        if len(sentences) * max(self.count_tokens(s) for s in sentences) > self.room:
            self.failures += 1
            raise self.error("CUDA out of memory. Tried to allocate 2.00 GiB")
        return super().translate_batch(sentences)


def test_out_of_memory_halves_the_batch_and_retries() -> None:
    texts = [f"جملة رقم {i} من الخبر" for i in range(40)]  # 6 tokens each
    backend = SmallMemoryFake(room=6 * 5)
    done: list[int] = []
    results = translate_pooled(texts, backend, batch_tokens=6 * 16, max_sentences=16, on_batch=done.append)
    assert [h.text for h in results] == [transliterate(t) for t in texts]
    assert sorted(s for batch in backend.batches for s in batch) == sorted(texts)
    assert all(len(batch) <= 5 for batch in backend.batches)
    assert sum(done) == 40
    # 16 -> 8 -> 4 on the first batch; the smaller budget then holds for the others
    assert backend.failures == 2


class QueuingFake(SmallMemoryFake):
    """An engine that takes every batch at once (``translate_batches``) and fails, out of
    memory, on the first one too big for it, after yielding those before it."""

    def translate_batches(self, batches: Iterable[list[str]]) -> Iterator[list[Hypothesis]]:
        queued = list(batches)
        self.queued.append(len(queued))
        for batch in queued:
            yield self.translate_batch(batch)


def test_out_of_memory_in_an_engines_queue_finishes_batch_by_batch() -> None:
    texts = [f"جملة {'طويلة ' * (i % 3)}رقم {i}" for i in range(30)]  # 4 to 6 tokens
    backend = QueuingFake(room=6 * 5)
    backend.queued = []
    done: list[int] = []
    results = translate_pooled(texts, backend, batch_tokens=6 * 8, max_sentences=8, on_batch=done.append)
    assert [h.text for h in results] == [transliterate(t) for t in texts]
    assert backend.queued == [len(plan_batches([backend.count_tokens(t) for t in texts], 6 * 8, 8, 0.2))]
    assert sorted(s for batch in backend.batches for s in batch) == sorted(texts)
    assert sum(done) == 30


def test_runtime_error_naming_out_of_memory_counts_too() -> None:
    backend = SmallMemoryFake(room=12, error=RuntimeError)
    results = translate_pooled(["قال الوزير", "نعم", "لا"], backend, batch_tokens=100, max_sentences=8)
    assert [h.text for h in results] == ["qAl Alwzyr", "nEm", "lA"]


def test_out_of_memory_on_one_sentence_and_other_errors_are_raised() -> None:
    with pytest.raises(OutOfMemoryError):
        translate_pooled(["قال الوزير إن الاجتماع انتهى"], SmallMemoryFake(room=2), batch_tokens=100, max_sentences=8)
    with pytest.raises(ValueError, match="out of memory"):  # not a RuntimeError: a bug, not memory
        translate_pooled(["قال", "نعم"], SmallMemoryFake(room=1, error=ValueError), batch_tokens=100, max_sentences=8)


def test_cached_texts_skip_the_backend(fake_backend: FakeBackend) -> None:
    cache = TranslationCache(":memory:", scope="test")
    cache.put([("قال", Hypothesis("from the cache"))])
    done: list[int] = []
    results = translate_pooled(["قال", "نعم", "قال"], fake_backend, 100, 8, on_batch=done.append, cache=cache)
    assert [h.text for h in results] == ["from the cache", "nEm", "from the cache"]
    assert fake_backend.batches == [["نعم"]]
    assert sum(done) == 3
    assert cache.get(["نعم"]) == {"نعم": Hypothesis("nEm")}


@given(st.lists(st.integers(), max_size=50), st.integers(min_value=1, max_value=8))
def test_prefetch_keeps_order(items: list[int], ahead: int) -> None:
    assert list(prefetch(iter(items), ahead)) == items


def test_prefetch_raises_where_the_source_failed_and_stops_when_closed() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise InputError("b.txt", "not UTF-8")

    seen = []
    with pytest.raises(InputError, match="not UTF-8"):
        for item in prefetch(source(), ahead=4):
            seen.append(item)
    assert seen == [1, 2]
    endless = prefetch(itertools.count(), ahead=2)
    assert next(endless) == 0
    endless.close()
    time.sleep(0.3)
    assert not any(t.name == "tarjama-prefetch" and t.is_alive() for t in threading.enumerate())


def test_articles_from_a_generator_come_back_in_order(tmp_path: Path) -> None:
    texts = [f"الخبر رقم {i}. قال الوزير {i % 3}." for i in range(30)]
    translator = Translator(backend=FakeBackend(model="fake"), cache_enabled=False, batching_window_sentences=7)
    articles = (translator.segmenter.segment(text, f"{i}.txt") for i, text in enumerate(texts))
    results = list(translator.translate_articles(articles))
    assert [r.article.name for r in results] == [f"{i}.txt" for i in range(30)]
    assert [r.text for r in results] == [transliterate(t) for t in texts]
