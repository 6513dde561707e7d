"""Shared fixtures: no test downloads anything.

* ``fake`` backend: transliterates Arabic letters to Latin ones (the task the tiny model
  was trained on), registered like the real backends.
* ``tiny_model``: the project's trained tiny MarianMT model (tests/fixtures/tiny-translit,
  made by scripts/make_tiny_model.py).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# the translation cache and converted models of a test run stay out of the user's cache
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="tarjama-tests-")

import pytest

from tarjama.backends import register_backend

from .fakes import FakeBackend, load_script

__all__ = ["load_script"]

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
TINY_MODEL = ROOT / "tests" / "fixtures" / "tiny-translit"
SEED = ROOT / "seeds" / "000_4c695357e9463a4d.txt"


make_tiny_model = load_script("make_tiny_model")
check_outputs = load_script("check_outputs")
transliterate = make_tiny_model.transliterate

register_backend("fake", FakeBackend)


@pytest.fixture
def fake_backend() -> FakeBackend:
    return FakeBackend(name="fake")


@pytest.fixture(scope="session")
def tiny_model() -> Path:
    if not (TINY_MODEL / "model.safetensors").exists():
        pytest.skip(f"no tiny model at {TINY_MODEL}; make it with scripts/make_tiny_model.py")
    return TINY_MODEL


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data, or a skip saying why the test cannot run."""
    path = SHARED.joinpath("data", *parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared data folder is not beside this checkout")
    return path
