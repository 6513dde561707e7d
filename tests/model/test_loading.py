"""No work, no model: a backend loads its weights when it first translates, so a rerun
with nothing left to do, or whose sentences the cache holds, never loads them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tarjama import Translator
from tarjama.backends.transformers import TransformersBackend

from ..conftest import ROOT, SEED


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The model loads of the transformers backend, counted."""
    counted: list[str] = []
    load = TransformersBackend._load_model

    def counting(self: TransformersBackend) -> object:
        counted.append(self.model_name)
        return load(self)

    monkeypatch.setattr(TransformersBackend, "_load_model", counting)
    return counted


def test_making_a_backend_loads_no_weights_and_describes_the_same(tiny_model: Path, loads: list[str]) -> None:
    backend = TransformersBackend(str(tiny_model), device="cpu", threads=1)
    before = backend.describe()
    assert loads == []
    (english,) = backend.translate_batch(["قال الوزير."])
    assert english.text.startswith("qAl") and loads == [str(tiny_model)]
    assert backend.describe() == before  # the cache scope and fingerprint do not depend on loading
    safer = backend.with_options(beams=4)
    safer.translate_batch(["نعم."])
    assert len(loads) == 1  # a copy with other decoding settings shares the loaded model


def test_finished_rerun_and_cached_sentences_load_no_model(tiny_model: Path, tmp_path: Path, loads: list[str]) -> None:
    settings = {"model_name": str(tiny_model), "model_device": "cpu", "model_threads": 1, "decoding_beams": 1}
    cache = {"cache_dir": str(tmp_path / "cache")}
    first = Translator(**settings, **cache).translate_folder([SEED], tmp_path / "out")
    assert first.manifest["totals"]["done"] == 1 and len(loads) == 1

    rerun = Translator(**settings, **cache).translate_folder([SEED], tmp_path / "out")
    assert rerun.manifest["totals"]["resumed"] == 1
    assert len(loads) == 1, "a finished rerun loaded the model"

    # a fresh output folder: every sentence is in the cache
    cached = Translator(**settings, **cache).translate_folder([SEED], tmp_path / "again")
    assert cached.manifest["totals"]["done"] == 1 and len(loads) == 1, "the cache answered, yet the model loaded"
    first_text = (tmp_path / "out" / first.manifest["files"][0]["output"]).read_text(encoding="utf-8")
    assert (tmp_path / "again" / cached.manifest["files"][0]["output"]).read_text(encoding="utf-8") == first_text


def test_fingerprint_of_a_finished_rerun_imports_no_torch(tiny_model: Path, tmp_path: Path) -> None:
    """What a finished rerun does before it finds nothing to do: build the translator,
    take its fingerprint and describe it for the manifest."""
    code = (
        "import json, sys\n"
        "from tarjama import Translator\n"
        f"t = Translator(model_name={str(tiny_model)!r}, model_device='auto', cache_dir={str(tmp_path)!r})\n"
        "t.fingerprint(); json.dumps(t.describe())\n"
        "import os; assert os.environ['OMP_WAIT_POLICY'] == 'PASSIVE'  # set before any OpenMP runtime loads\n"
        "print(json.dumps(sorted(m for m in ('torch', 'transformers', 'ctranslate2') if m in sys.modules)))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, timeout=120, env=env
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_a_run_the_cache_answers_imports_no_torch(tiny_model: Path, tmp_path: Path) -> None:
    """Every sentence in the cache: the tokenizer is loaded (to cut and count the
    sentences) but neither the weights nor torch, as the tokenizer's class is read from
    its ``tokenizer_config.json`` instead of through ``AutoTokenizer``'s model config."""
    settings = {"model_name": str(tiny_model), "model_device": "cpu", "decoding_beams": 1}
    settings["cache_dir"] = str(tmp_path / "cache")
    Translator(**settings).translate_folder([SEED], tmp_path / "out")
    code = (
        "import json, sys\n"
        "from tarjama import Translator\n"
        f"report = Translator(**{settings!r}).translate_folder([{str(SEED)!r}], {str(tmp_path / 'again')!r})\n"
        "assert report.manifest['totals']['done'] == 1, report.manifest['totals']\n"
        "print(json.dumps(sorted(m for m in ('torch', 'transformers') if m in sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, timeout=120
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == ["transformers"]
    outputs = [sorted(p.read_text("utf-8") for p in (tmp_path / out).glob("*.en.txt")) for out in ("out", "again")]
    assert outputs[0] and outputs[0] == outputs[1]
