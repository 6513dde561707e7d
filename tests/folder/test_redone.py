"""Translating into a folder that holds another run's outputs: the files made with other
settings are named, with what changed, before any of them is translated again."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tarjama import Translator
from tarjama.backends import Hypothesis
from tarjama.cli import main

from ..fakes import FakeBackend

FAKE = ["--backend", "fake", "--model", "fake-model", "--no-cache"]


def _inputs(tmp_path: Path, count: int = 2) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(count):
        (folder / f"{n}.txt").write_text(f"عنوان {n}\n\nقال الوزير إن الاجتماع انتهى.\n", encoding="utf-8")
    return folder


def _translate(folder: Path, out: Path, *options: str) -> str:
    """``tarjama translate`` in a new process (its own logging, as a user sees it): stderr."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "src"), str(root / "tests")])}
    command = [sys.executable, "-m", "tarjama.cli", "translate", str(folder), "-o", str(out), "-q", "--no-cache"]
    command += ["--backend", "fakes:FakeBackend", "--model", "fake-model", *options]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_other_settings_name_the_files_redone_and_why(tmp_path: Path) -> None:
    folder, out = _inputs(tmp_path), tmp_path / "out"
    assert "translated again" not in _translate(folder, out, "--beams", "4")
    err = _translate(folder, out, "--beams", "1")
    assert "2 files an earlier run finished in" in err
    assert "will be translated again (decoding.beams: 4 -> 1): 0.txt, 1.txt" in err
    assert err.index("translated again") < err.index("2 of 2 files translated")
    # the same settings again: nothing is redone, nothing is said
    assert "translated again" not in _translate(folder, out, "--beams", "1")


def test_said_before_the_first_sentence_is_translated(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder, out = _inputs(tmp_path, count=7), tmp_path / "out"
    Translator(backend=FakeBackend(model="fake-model"), cache_enabled=False).translate_folder([folder], out)

    class Watching(FakeBackend):
        said_first: bool | None = None

        def translate_batch(self, sentences: list[str]) -> list[Hypothesis]:
            if Watching.said_first is None:
                Watching.said_first = "translated again" in caplog.text
            return super().translate_batch(sentences)

    translator = Translator(
        backend=Watching(model="fake-model"), cache_enabled=False, quality_length_ratio_high=5.0, quality_names=False
    )
    with caplog.at_level(logging.WARNING, logger="tarjama"):
        translator.translate_folder([folder], out)
    assert Watching.said_first is True
    assert "7 files" in caplog.text and "and 2 more" in caplog.text
    assert "quality.length_ratio_high: 3.0 -> 5.0" in caplog.text and "quality.names: True -> False" in caplog.text


def test_a_changed_input_is_redone_without_a_settings_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, out = _inputs(tmp_path), tmp_path / "out"
    assert main(["translate", str(folder), "-o", str(out), *FAKE, "-q"]) == 0
    (folder / "0.txt").write_text("عنوان آخر\n\nوأضاف أن الوفد سيعود غدا.\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["translate", str(folder), "-o", str(out), *FAKE, "-q"]) == 0
    assert "translated again" not in capsys.readouterr().err
    assert "w>DAf" in (out / "0.en.txt").read_text(encoding="utf-8")
