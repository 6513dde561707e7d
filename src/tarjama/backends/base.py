"""What a translation backend is: one method that translates a batch of sentences.

Everything else (batching, ordering, de-duplication, progress) is shared code in
``tarjama.batch`` and ``tarjama.translator``.
"""

from __future__ import annotations

import copy
import importlib.metadata
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Hypothesis:
    """A translation of one sentence.

    Attributes:
        text: the translation.
        truncated: the output hit the length cap before the model ended it.
        score: the model's confidence in ``text``: the mean log-probability of its
            output tokens, the end token included (the sum divided by the length, as
            beam search ranks hypotheses). 0 is certain; lower is less sure. ``None``
            when no model made the text (copied text, a backend that gives no scores).
    """

    text: str
    truncated: bool = False
    score: float | None = None


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


class Backend(ABC):
    """A loaded model that translates batches of sentences."""

    name: ClassVar[str]

    @abstractmethod
    def translate_batch(self, sentences: list[str]) -> list[Hypothesis]:
        """Translate ``sentences``; one hypothesis each, in order."""

    def count_tokens(self, text: str) -> int:
        """Length of ``text`` in the model's input tokens (used for batching and
        for cutting over-long sentences). Whitespace words unless overridden."""
        return len(text.split()) + 1

    @property
    def max_input_tokens(self) -> int | None:
        """The longest input the model takes, if it has a limit."""
        return None

    def with_options(self, **decoding: Any) -> Backend:
        """The same loaded model with other decoding settings (``beams``,
        ``no_repeat_ngram_size``), for a second, safer pass: a shallow copy (sharing the
        model) with each setting the backend has replaced; the others are ignored."""
        view = copy.copy(self)
        for name, value in decoding.items():
            if hasattr(view, name):
                setattr(view, name, value)
        return view

    def describe(self) -> dict[str, Any]:
        """How this backend translates, for the manifest: model, revision, device, ..."""
        return {"backend": self.name}
