"""Pooling, de-duplication and token-budget batching of sentences.

Sentences from many articles are pooled; identical ones are translated once. The unique
texts are sorted by token length, longest first (so an out-of-memory error shows up on
the first batch, not after an hour), and cut into batches whose padded size
(sentences x longest) stays within the token budget and whose sentence count stays
within the cap. Results come back in input order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .backends.base import Backend, Hypothesis


def plan_batches(lengths: Sequence[int], batch_tokens: int, max_sentences: int) -> list[list[int]]:
    """Indices of ``lengths`` grouped into batches, longest first.

    Every batch has at most ``max_sentences`` items and ``len(batch) * longest <=
    batch_tokens``, except that an item longer than the budget gets a batch alone.

    Example:
        >>> plan_batches([3, 10, 4, 9], batch_tokens=20, max_sentences=8)
        [[1, 3], [2, 0]]
    """
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        longest = lengths[current[0]] if current else lengths[index]
        if current and (len(current) >= max_sentences or (len(current) + 1) * longest > batch_tokens):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


def translate_pooled(
    texts: Sequence[str],
    backend: Backend,
    batch_tokens: int,
    max_sentences: int,
    on_batch: Callable[[int], None] | None = None,
) -> list[Hypothesis]:
    """Translate ``texts`` in token-budget batches; one hypothesis per text, in order.

    ``on_batch`` is called with the number of input texts each finished batch covers
    (duplicates included), for progress reporting.
    """
    unique = list(dict.fromkeys(texts))
    copies: dict[str, int] = {}
    for text in texts:
        copies[text] = copies.get(text, 0) + 1
    lengths = [backend.count_tokens(text) for text in unique]
    results: dict[str, Hypothesis] = {}
    for batch in plan_batches(lengths, batch_tokens, max_sentences):
        sources = [unique[i] for i in batch]
        hypotheses = backend.translate_batch(sources)
        if len(hypotheses) != len(sources):
            raise RuntimeError(
                f"backend {backend.name!r} returned {len(hypotheses)} translations for {len(sources)} sentences"
            )
        results.update(zip(sources, hypotheses, strict=True))
        if on_batch is not None:
            on_batch(sum(copies[s] for s in sources))
    return [results[text] for text in texts]
