"""One-line messages that name the problem, and the exit codes of misuse (issue 13)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tarjama.cli import main
from tarjama.errors import ModelLoadError

from ..conftest import ROOT

FAKE = ["--backend", "fake", "--model", "fake-model", "--no-cache", "-q"]
GOOD = "قال الوزير إن الاجتماع انتهى.\n"


def test_fifo_given_by_name_is_named_as_such(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "x.txt"
    os.mkfifo(fifo)
    assert main(["translate", str(fifo), "-o", str(tmp_path / "out"), *FAKE]) == 2
    assert f"{fifo}: is not a regular file (a FIFO)" in capsys.readouterr().err


# --- the command line: messages that must not mislead (items 13, 14) ----------------


def test_unknown_encoding_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    code = main(["translate", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"), *FAKE, "--encoding", "bogus"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("tarjama: error: unknown encoding 'bogus'; use a Python codec name") and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_standard_input_with_an_output_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["translate", "-", "-o", str(tmp_path / "out"), *FAKE]) == 2
    assert "-o is not used with - (standard input)" in capsys.readouterr().err


TWO_MARKS = "should be two characters: the opening and the closing mark"


TWO_MARKS = "should be two characters: the opening and the closing mark"


def test_quote_marks_must_be_two_characters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    assert main(["translate", str(tmp_path / "a.txt"), "-o", str(tmp_path / "o"), *FAKE, "--quote-marks", "x"]) == 2
    err = capsys.readouterr().err
    assert err == f"tarjama: error: overrides: [quality] quote_marks = 'x' {TWO_MARKS}\n"


@pytest.mark.parametrize("backend", ["transformers", "ct2"])
def test_mistyped_model_folder_says_it_does_not_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], backend: str
) -> None:
    pytest.importorskip("ctranslate2" if backend == "ct2" else "transformers")
    monkeypatch.chdir(ROOT)
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    argv = ["translate", str(tmp_path / "a.txt"), "-o", str(tmp_path / "o"), "--model", "tests/fixtures/tiny-translt"]
    assert main([*argv, "--backend", backend, "-q", "--no-cache"]) == ModelLoadError.exit_code
    err = capsys.readouterr().err
    assert "cannot load a model from the folder 'tests/fixtures/tiny-translt' (no such folder)" in err
    assert "download" not in err.replace("`tarjama download`", "")


# --- evaluation: CR-only files, --encoding (items 11, 14) --------------------------------


def _evaluated(tmp_path: Path, newline: str, *flags: str) -> dict:
    source = "قال الوزير.\nوأضاف أن الاتفاق سيوقع.\nنعم."
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(source.replace("\n", newline) + newline, encoding="utf-8", newline="")
    (tmp_path / "ref").mkdir()
    reference = "The minister said.\nHe added that the deal will be signed.\nYes.\n"
    (tmp_path / "ref" / "a.txt").write_text(reference.replace("\n", newline), encoding="utf-8", newline="")
    assert main(["translate", str(tmp_path / "in"), "-o", str(tmp_path / "out"), *FAKE]) == 0
    argv = ["evaluate", "--hyp", str(tmp_path / "out"), "--ref", str(tmp_path / "ref"), "--bootstrap", "1"]
    assert main([*argv, "--json", str(tmp_path / "scores.json"), *flags]) == 0
    return json.loads((tmp_path / "scores.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"], ids=["CR", "CRLF", "LF"])
def test_evaluation_reads_lines_of_every_ending(tmp_path: Path, newline: str) -> None:
    pytest.importorskip("sacrebleu")
    scores = _evaluated(tmp_path, newline)
    assert scores["mode"] == "sentence", scores["mode_reason"]
    assert scores["segments"] == 3


def test_evaluate_has_an_encoding_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sacrebleu")
    (tmp_path / "hyp.txt").write_text("The coffee is very hot.\n", encoding="utf-8")
    (tmp_path / "ref.txt").write_bytes("The café is très hot, said the waiter today.\n".encode("latin-1"))
    argv = ["evaluate", "--hyp", str(tmp_path / "hyp.txt"), "--ref", str(tmp_path / "ref.txt"), "--bootstrap", "1"]
    assert main(argv) == 2
    assert "pass --encoding" in capsys.readouterr().err
    assert main([*argv, "--encoding", "latin-1"]) == 0
    assert main([*argv, "--encoding", "bogus"]) == 2
    assert "unknown encoding 'bogus'" in capsys.readouterr().err
