"""Deterministic stand-ins for a model, importable in another process as well
(``--backend fakes:FakeBackend`` with ``tests/`` on ``PYTHONPATH``)."""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

from tarjama.backends import Backend, Hypothesis

try:
    from .oracle import transliterate
except ImportError:  # imported as a top-level module (tests/ on PYTHONPATH, in another process)
    from oracle import transliterate  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent


def load_script(name: str):
    """A script of scripts/ imported as a module (they are not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeBackend(Backend):
    """Buckwalter transliteration (the tiny model's task), batch by batch. With
    ``TARJAMA_FAKE_DELAY`` seconds set, it waits that long per sentence."""

    name = "fake"

    def __init__(self, **settings: object) -> None:
        self.settings = settings
        self.batches: list[list[str]] = []
        self.delay = float(os.environ.get("TARJAMA_FAKE_DELAY", "0"))

    def translate_batch(self, sentences: list[str]) -> list[Hypothesis]:
        self.batches.append(list(sentences))
        time.sleep(self.delay * len(sentences))
        return [Hypothesis(transliterate(s)) for s in sentences]

    def describe(self) -> dict[str, object]:
        return {"backend": self.name, "model": self.settings.get("model"), "device": "cpu", "dtype": "none"}


# the word that makes ScoredFake unsure: "obscure"
UNSURE = "غامض"


def word_score(text: str) -> float:
    """ScoredFake's score of a text: -0.1 per word, 3 less with the word ``UNSURE``."""
    return -0.1 * len(text.split()) - (3.0 if UNSURE in text else 0.0)


class ScoredFake(FakeBackend):
    """The fake backend with a score per sentence (``word_score``)."""

    name = "scored-fake"

    def translate_batch(self, sentences: list[str]) -> list[Hypothesis]:
        return [
            Hypothesis(h.text, h.truncated, word_score(s))
            for h, s in zip(super().translate_batch(sentences), sentences, strict=True)
        ]
