"""Pooling, de-duplication and token-budget batching of sentences.

Sentences from many articles are pooled; identical ones are translated once, and with a
translation cache, ones translated before are not translated again. The remaining texts
are sorted by token length, longest first (so an out-of-memory error shows up on the
first batch, not after an hour), and cut into batches whose padded size (sentences x
longest) stays within the token budget and whose sentence count stays within the cap.
A batch that runs out of memory is halved and retried, and the budget shrinks for the
rest of the call. Results come back in input order.

Articles are pooled window by window (``article_windows``), the same way whichever
engine translates them, so the batches, and the outputs, do not depend on the engine.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar, cast

from .backends.base import Backend, Hypothesis
from .document import Article

if TYPE_CHECKING:
    from .cache import TranslationCache

logger = logging.getLogger(__name__)

T = TypeVar("T")


def plan_batches(
    lengths: Sequence[int],
    batch_tokens: int,
    max_sentences: int,
    max_padding: float | None = None,
    min_bucket: int = 1,
) -> list[list[int]]:
    """Indices of ``lengths`` grouped into batches, longest first.

    Every batch has at most ``max_sentences`` items and ``len(batch) * longest <=
    batch_tokens``, except that an item longer than the budget gets a batch alone. With
    ``max_padding``, a batch that holds ``min_bucket`` items or more also closes before
    its padding (``len(batch) * longest - sum``) would pass that share of its tokens:
    length buckets, so that short sentences do not wait on long ones, but none so small
    that it costs more than the padding it saves.

    Example:
        >>> plan_batches([3, 10, 4, 9], batch_tokens=20, max_sentences=8)
        [[1, 3], [2, 0]]
        >>> plan_batches([3, 10, 4, 9], batch_tokens=40, max_sentences=8, max_padding=0.2)
        [[1, 3], [2, 0]]
        >>> plan_batches([3, 10, 4, 9], batch_tokens=40, max_sentences=8, max_padding=0.2, min_bucket=3)
        [[1, 3, 2], [0]]
    """
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    tokens = 0
    for index in order:
        longest = lengths[current[0]] if current else lengths[index]
        size, total = len(current) + 1, tokens + lengths[index]
        padded = max_padding is not None and len(current) >= min_bucket and size * longest - total > max_padding * total
        if current and (size > max_sentences or size * longest > batch_tokens or padded):
            batches.append(current)
            current, tokens = [], 0
        current.append(index)
        tokens += lengths[index]
    if current:
        batches.append(current)
    return batches


def is_out_of_memory(error: BaseException) -> bool:
    """Whether ``error`` says a device or the host ran out of memory (PyTorch's
    ``torch.cuda.OutOfMemoryError``, CUDA or allocator errors from PyTorch and
    CTranslate2, Python's ``MemoryError``), without importing torch."""
    if isinstance(error, MemoryError) or any(c.__name__ == "OutOfMemoryError" for c in type(error).__mro__):
        return True
    message = str(error).lower()
    return isinstance(error, RuntimeError) and ("out of memory" in message or "can't allocate memory" in message)


def translate_pooled(
    texts: Sequence[str],
    backend: Backend,
    batch_tokens: int,
    max_sentences: int,
    on_batch: Callable[[int], None] | None = None,
    cache: TranslationCache | None = None,
) -> list[Hypothesis]:
    """Translate ``texts`` in token-budget batches; one hypothesis per text, in order.

    ``on_batch`` is called with the number of input texts each finished batch covers
    (duplicates included), for progress reporting; texts found in ``cache`` count as
    one batch at the start. New translations are added to ``cache`` batch by batch.

    Raises:
        RuntimeError: the backend returned the wrong number of translations, or ran
            out of memory on a single sentence.
    """
    copies: dict[str, int] = {}
    for text in texts:
        copies[text] = copies.get(text, 0) + 1
    results = cache.get(copies) if cache is not None else {}
    if results and on_batch is not None:
        on_batch(sum(copies[s] for s in results))
    unique = [text for text in copies if text not in results]
    lengths = {text: backend.count_tokens(text) for text in unique}
    budget = batch_tokens
    bucket = backend.min_bucket_sentences

    def halve(sources: list[str]) -> None:
        """After ``sources`` ran out of memory: halve the budget for the rest of the call."""
        nonlocal budget
        budget = len(sources) * lengths[sources[0]] // 2
        logger.warning("out of memory on %d sentences; retrying in halves of at most %d tokens", len(sources), budget)

    def run(sources: list[str]) -> None:
        """Translate ``sources`` alone, cut to the budget, halving it on running out of memory."""
        if len(sources) > 1 and len(sources) * lengths[sources[0]] > budget:
            # an earlier batch ran out of memory: cut this one to the budget that fits
            for part in plan_batches([lengths[s] for s in sources], budget, max_sentences, backend.max_padding, bucket):
                run([sources[i] for i in part])
            return
        try:
            hypotheses = backend.translate_batch(sources)
        except Exception as error:
            if len(sources) == 1 or not is_out_of_memory(error):
                raise
            halve(sources)
            run(sources)
            return
        keep(sources, hypotheses)

    def keep(sources: list[str], hypotheses: list[Hypothesis]) -> None:
        if len(hypotheses) != len(sources):
            raise RuntimeError(
                f"backend {backend.name!r} returned {len(hypotheses)} translations for {len(sources)} sentences"
            )
        new = list(zip(sources, hypotheses, strict=True))
        results.update(new)
        if cache is not None:
            cache.put(new)
        if on_batch is not None:
            on_batch(sum(copies[s] for s in sources))

    sizes = [lengths[text] for text in unique]
    plan = plan_batches(sizes, batch_tokens, max_sentences, backend.max_padding, bucket)
    batches = [[unique[i] for i in batch] for batch in plan]
    done = 0
    try:
        for hypotheses in backend.translate_batches(batches):
            keep(batches[done], hypotheses)
            done += 1
    except Exception as error:
        if done == len(batches) or len(batches[done]) == 1 or not is_out_of_memory(error):
            raise
        # the rest batch by batch, the one that ran out of memory in halves
        halve(batches[done])
        for sources in batches[done:]:
            run(sources)
    return [results[text] for text in texts]


def prefetch(items: Iterable[T], ahead: int) -> Iterator[T]:
    """Iterate over ``items`` in order, producing up to ``ahead`` of them in a background
    thread while the caller works on earlier ones.

    Reading and segmenting the next files then overlaps with translation (PyTorch and
    CTranslate2 release the GIL while they compute). An exception raised by ``items``
    is raised here at the point it happened; closing this iterator early stops the
    background thread.

    Example:
        >>> list(prefetch(iter(range(5)), ahead=2))
        [0, 1, 2, 3, 4]
    """
    done = object()
    slots: queue.Queue[tuple[bool, object]] = queue.Queue(maxsize=max(1, ahead))
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        slots.put((True, item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            outcome: tuple[bool, object] = (True, done)
        except BaseException as error:  # handed to the consumer, raised there
            outcome = (False, error)
        while not stop.is_set():
            try:
                slots.put(outcome, timeout=0.1)
                return
            except queue.Full:
                continue

    worker = threading.Thread(target=produce, name="tarjama-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            ok, item = slots.get()
            if not ok:
                raise cast(BaseException, item)
            if item is done:
                return
            yield cast(T, item)
    finally:
        stop.set()


def article_windows(articles: Iterable[Article], window_sentences: int) -> Iterator[list[Article]]:
    """Articles grouped into the windows whose sentences are pooled and translated
    together: a window closes once it holds ``window_sentences`` sentences (counted in
    model units). Every engine windows the same way, so batches, and outputs, are the
    same whichever engine runs.

    Example:
        >>> from tarjama.segment import Segmenter
        >>> articles = [Segmenter().segment(t) for t in ["نعم. لا.", "نعم.", "لا."]]
        >>> [len(w) for w in article_windows(articles, 2)]
        [1, 2]
    """
    window: list[Article] = []
    size = 0
    for article in articles:
        window.append(article)
        size += sum(len(s.units) for s in article.sentences)
        if size >= window_sentences:
            yield window
            window, size = [], 0
    if window:
        yield window
