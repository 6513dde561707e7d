"""Choosing the engine without Ray at work: the local engine never imports Ray, a missing
Ray names its extra, and the Ray options are refused without the Ray engine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tarjama import Translator
from tarjama.cli import main
from tarjama.config import Settings
from tarjama.errors import ConfigError, MissingExtraError

from ..conftest import ROOT, transliterate


def test_the_local_engine_never_imports_ray(tmp_path: Path) -> None:
    code = (
        "import sys, tarjama.translator, tarjama.folder, tarjama.cli, tarjama.engines\n"
        "from tarjama import Translator\n"
        "from fakes import FakeBackend\n"
        "Translator(backend=FakeBackend(), cache_enabled=False).translate_folder([sys.argv[1]], sys.argv[2])\n"
        "assert 'ray' not in sys.modules, 'ray was imported'\n"
    )
    (tmp_path / "a.txt").write_text("قال الوزير.", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests")}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "a.txt"), str(tmp_path / "out")], env=env, check=True)
    assert (tmp_path / "out" / "a.en.txt").read_text(encoding="utf-8") == transliterate("قال الوزير.")


def test_missing_ray_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    from tarjama.engines.ray import RayEngine

    with pytest.raises(MissingExtraError, match=r"ray is not installed: pip install 'tarjama\[ray\]'"):
        RayEngine(Settings(), build=Translator)
    (tmp_path / "a.txt").write_text("قال الوزير.", encoding="utf-8")
    argv = ["translate", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"), "--backend", "fake", "--engine", "ray"]
    assert main([*argv, "--no-cache", "-q"]) == 2
    assert "tarjama: error: ray is not installed: pip install 'tarjama[ray]'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--workers", "2"], "--workers is an option of --engine ray"),
        (["--gpus-per-worker", "0.5", "--engine", "local"], "--gpus-per-worker is an option of --engine ray"),
        (["--ray-address", "auto"], "--ray-address is an option of --engine ray"),
    ],
)
def test_ray_options_without_the_ray_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    (tmp_path / "a.txt").write_text("قال الوزير.", encoding="utf-8")
    argv = ["translate", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"), "--backend", "fake", "-q", *flags]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_unknown_engine_in_the_api(fake_backend: Any, tmp_path: Path) -> None:
    translator = Translator(backend=fake_backend, cache_enabled=False)
    with pytest.raises(ConfigError, match="unknown engine 'spark'; choose one of local, ray"):
        translator.translate_folder([ROOT / "seeds"], tmp_path / "out", engine="spark")
