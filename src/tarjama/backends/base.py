"""What a translation backend is: one method that translates a batch of sentences.

Everything else (batching, ordering, de-duplication, progress) is shared code in
``tarjama.batch`` and ``tarjama.translator``.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import gc
import importlib.metadata
import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import ConfigError


@dataclass(frozen=True)
class Hypothesis:
    """A translation of one sentence.

    Attributes:
        text: the translation.
        truncated: the output hit the length cap before the model ended it.
        score: the model's confidence in ``text``: the mean log-probability of its
            output tokens, the end token included (the sum divided by the length, as
            beam search ranks hypotheses). 0 is certain; lower is less sure. ``None``
            when no model made the text (copied text, a backend that gives no scores),
            and in place of a score that is not a finite number (a backend's numerical
            failure): NaN compares false with every threshold, and neither NaN nor
            infinity is JSON.
    """

    text: str
    truncated: bool = False
    score: float | None = None

    def __post_init__(self) -> None:
        if self.score is not None and not math.isfinite(self.score):
            object.__setattr__(self, "score", None)


def output_cap(longest: int, ratio: float, extra: int, limit: int | None) -> int:
    """The most output tokens for a batch whose longest input has ``longest`` tokens:
    ``ratio * longest + extra``, never past the model's position ``limit`` (a guard
    against runaway output, the same for every backend)."""
    cap = int(ratio * longest + extra)
    return min(cap, limit) if limit is not None else cap


def installed_version(package: str) -> str | None:
    """An installed package's version, read without importing it (``describe()`` records
    library versions without loading the libraries)."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a backend imports its engine and
    loads a model; it runs again after (unless it was off before).

    Importing torch and transformers makes hundreds of thousands of long-lived objects
    (modules, functions, classes, sympy's tables), and the collector runs every 700 new
    objects and goes over all the older ones each time a full collection comes due, to
    find next to nothing to free. On the seed article with the tiny model, collections
    took 0.79 s of CPU (967 of them, 6 full), 0.44 s with the loading paused.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class Decoding:
    """How a backend decodes, declared once for every backend: the settings that
    ``with_options`` changes and ``describe()`` records.

    Attributes:
        beams: beam size (1: greedy).
        no_repeat_ngram_size: no n-gram of this size twice in an output (0: no rule).
        max_length_ratio, max_length_extra: the output-length cap (``output_cap``).
    """

    beams: int = 1
    no_repeat_ngram_size: int = 0
    max_length_ratio: float = 2.0
    max_length_extra: int = 16


class Backend(ABC):
    """A loaded model that translates batches of sentences."""

    name: ClassVar[str]
    decoding: Decoding = Decoding()
    # the most padding a batch may have, as a share of its tokens (``tarjama.batch.plan_batches``):
    # a padded batch computes the padding, and its short sentences wait for its long ones
    # (on 151 ANT units, the token budget alone left 44% padding; EasyNMT's char-sorted batches
    # of 16, 31%); None for an engine that sorts and splits each batch itself
    max_padding: ClassVar[float | None] = 0.2
    # ... but a batch closes for padding only once it holds this many hypotheses (sentences x
    # beams): each decoding step of a small batch costs nearly what a bigger one does (the weights
    # are read once a step whatever the rows), so a small bucket costs more than the padding it
    # saves (transformers, beam 4, full-size model: 1 sentence a batch ran 0.4x the tokens/s of 16,
    # and 4 sentences 0.65x; 64 ANT units made buckets of 7, 12, 5, 3, 1, 3, 1)
    min_bucket_hypotheses: ClassVar[int] = 64

    @property
    def min_bucket_sentences(self) -> int:
        """The fewest sentences a batch holds before padding may close it."""
        return -(-self.min_bucket_hypotheses // max(1, self.decoding.beams))

    @abstractmethod
    def translate_batch(self, sentences: list[str]) -> list[Hypothesis]:
        """Translate ``sentences``; one hypothesis each, in order."""

    def translate_batches(self, batches: Iterable[list[str]]) -> Iterator[list[Hypothesis]]:
        """Translate each of ``batches``, yielding its hypotheses, batch by batch in
        order. One batch after another here; an engine with workers of its own
        overrides it to keep them all busy from one batch to the next."""
        for batch in batches:
            yield self.translate_batch(batch)

    def count_tokens(self, text: str) -> int:
        """Length of ``text`` in the model's input tokens (used for batching and
        for cutting over-long sentences). Whitespace words unless overridden."""
        return len(text.split()) + 1

    @property
    def max_input_tokens(self) -> int | None:
        """The longest input the model takes, if it has a limit."""
        return None

    def with_options(self, **changes: Any) -> Backend:
        """The same loaded model with other decoding settings (``Decoding``'s, such as
        ``beams`` or ``no_repeat_ngram_size``), for a second, safer pass: a shallow copy
        that shares the model.

        Raises:
            ConfigError: a name is not a decoding setting.
        """
        known = [f.name for f in dataclasses.fields(Decoding)]
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise ConfigError(f"unknown decoding setting {', '.join(unknown)}; known: {', '.join(known)}")
        view = copy.copy(self)
        view.decoding = dataclasses.replace(self.decoding, **changes)
        return view

    def describe(self) -> dict[str, Any]:
        """How this backend translates, for the manifest: model, revision, device, ..."""
        return {"backend": self.name}
