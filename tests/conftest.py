"""Shared fixtures: no test downloads anything.

The tests are grouped by layer, one folder each:

* ``unit/``: one module at a time (segmentation, batching, cache, config, evaluation...);
* ``folder/``: folder runs (resume, bad inputs, JSON Lines, Markdown), through the API and the CLI;
* ``cli/``: the ``tarjama`` command in-process: arguments, messages, exit codes;
* ``model/``: the real MarianMT and CTranslate2 code on the tiny model (marked ``model``);
* ``browser/``: the review page in Chromium (marked ``browser``);
* ``ray/``: the Ray engine on a local Ray instance (marked ``ray``).

A plain ``pytest`` is the fast loop: it leaves out the ``model``, ``browser``, ``ray`` and
``slow`` tests (``addopts`` in pyproject.toml). ``pytest -m ""`` runs everything, as CI does.

* ``fake`` backend: transliterates Arabic letters to Latin ones (the task the tiny model
  was trained on), registered like the real backends.
* ``tiny_model``: the project's trained tiny MarianMT model (tests/fixtures/tiny-translit,
  made by scripts/make_tiny_model.py).
* ``tiny_denoiser``: a second tiny MarianMT model that restores real Arabic sentences from
  noise (tests/fixtures/tiny-denoise, ``make_tiny_model.py --denoise``), whose score is a
  confidence signal.
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

from .fakes import FakeBackend, ScoredFake, load_script
from .oracle import transliterate

__all__ = ["load_script", "transliterate"]

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
TINY_MODEL = ROOT / "tests" / "fixtures" / "tiny-translit"
TINY_DENOISER = ROOT / "tests" / "fixtures" / "tiny-denoise"
SEED = ROOT / "seeds" / "000_4c695357e9463a4d.txt"


check_outputs = load_script("check_outputs")
# the folders whose tests are marked with the folder's name, and left out of a plain pytest
MARKED_LAYERS = ("model", "browser", "ray")

register_backend("fake", FakeBackend)
register_backend("scored-fake", ScoredFake)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    tests = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(tests):
            layer = item.path.relative_to(tests).parts[0]
            if layer in MARKED_LAYERS:
                item.add_marker(getattr(pytest.mark, layer))


@pytest.fixture
def fake_backend() -> FakeBackend:
    return FakeBackend(model="fake")


@pytest.fixture(scope="session")
def tiny_model() -> Path:
    if not (TINY_MODEL / "model.safetensors").exists():
        pytest.skip(f"no tiny model at {TINY_MODEL}; make it with scripts/make_tiny_model.py")
    return TINY_MODEL


@pytest.fixture(scope="session")
def tiny_denoiser() -> Path:
    if not (TINY_DENOISER / "model.safetensors").exists():
        pytest.skip(f"no tiny denoiser at {TINY_DENOISER}; make it with scripts/make_tiny_model.py --denoise")
    return TINY_DENOISER


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data, or a skip saying why the test cannot run."""
    path = SHARED.joinpath("data", *parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared data folder is not beside this checkout")
    return path
