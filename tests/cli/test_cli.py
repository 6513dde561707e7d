"""The ``tarjama`` command run in-process, with the fake backend."""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import get_args, get_type_hints

import pytest

from tarjama import cli, errors
from tarjama.cli import main
from tarjama.config import EngineSettings, ModelSettings

from ..conftest import SEED

FAKE = ["--backend", "fake", "--model", "fake-model", "-q"]


def _article_dir(tmp_path: Path) -> Path:
    source = tmp_path / "in"
    (source / "sub").mkdir(parents=True)
    (source / "seed.txt").write_bytes(SEED.read_bytes())
    (source / "sub" / "short.md").write_text("عنوان\n\nقال الوزير. وأضاف «نعم».\n", encoding="utf-8")
    return source


def test_translate_folder_writes_outputs_and_manifest(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["translate", str(_article_dir(tmp_path)), "-o", str(out), *FAKE]) == 0
    assert (out / "seed.en.txt").exists()
    assert (out / "sub" / "short.en.md").read_text(encoding="utf-8") == "EnwAn\n\nqAl Alwzyr. w>DAf “nEm”.\n"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for key in ("tarjama", "model", "backend", "device", "dtype", "segmenter", "settings", "files", "totals"):
        assert key in manifest, key
    assert manifest["model"] == "fake-model"
    assert manifest["settings"]["decoding"]["beams"] == 4
    assert [f["status"] for f in manifest["files"]] == ["done", "done"]
    assert manifest["totals"]["done"] == 2
    assert manifest["totals"]["sentences"] == sum(f["sentences"] for f in manifest["files"])
    assert manifest["totals"]["sentences_per_second"] > 0


def test_alignment_spans_read_back_from_the_original(tmp_path: Path) -> None:
    out = tmp_path / "out"
    main(["translate", str(SEED), "-o", str(out), *FAKE])
    original = SEED.read_text(encoding="utf-8")
    english = (out / "000_4c695357e9463a4d.en.txt").read_text(encoding="utf-8")
    records = [json.loads(line) for line in (out / "000_4c695357e9463a4d.align.jsonl").open(encoding="utf-8")]
    assert len(records) == 17
    for record in records:
        start, end = record["source_span"]
        assert original[start:end] == record["source"]
        start, end = record["target_span"]
        assert english[start:end] == record["translation"]
        for quote in record["quotes"]:
            source = record["source"][slice(*quote["source_span"])]
            target = record["translation"][slice(*quote["target_span"])]
            assert target.startswith("“") == source.startswith(("“", "”", "«", '"'))
        for name in record["names"]:
            assert record["translation"][slice(*name["target_span"])] == name["rendering"]
            written = record["source"][slice(*name["source_span"])]
            assert name["source"] in (written, "ا" + written)  # "للكاظمي": ل + الكاظمي
    assert sum(len(r["quotes"]) for r in records) == 6
    assert {"Baghdad", "Quds Force", "Reuters"} <= {n["english"] for r in records for n in r["names"]}
    assert english.count("\n") == original.count("\n")


def test_unreadable_file_is_reported_and_the_others_translated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _article_dir(tmp_path)
    (source / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    out = tmp_path / "out"
    assert main(["translate", str(source), "-o", str(out), *FAKE]) == 1
    err = capsys.readouterr().err
    assert f"failed: {source / 'broken.txt'}: is binary, not text (it contains NUL bytes)" in err
    assert (out / "seed.en.txt").exists() and (out / "sub" / "short.en.md").exists()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {f["status"] for f in manifest["files"]} == {"done", "failed"}


def test_missing_model_fails_fast_with_the_way_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    started = time.perf_counter()
    code = main(["translate", str(SEED), "-o", str(tmp_path / "out"), "-q"])
    assert time.perf_counter() - started < 30
    err = capsys.readouterr().err
    assert code == 2
    assert "Helsinki-NLP/opus-mt-ar-en' is not available offline" in err
    assert "tarjama download Helsinki-NLP/opus-mt-ar-en -o DIR" in err and "--model DIR" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_missing_model_fails_fast_without_offline_mode(tmp_path: Path) -> None:
    """No HF_HUB_OFFLINE and a hub that refuses connections: the hub client alone would
    retry for most of a minute."""
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env["HF_ENDPOINT"] = "http://127.0.0.1:9"  # the discard port: nothing listens
    env["HF_HOME"] = str(tmp_path / "hf-home")  # an empty cache
    command = [sys.executable, "-m", "tarjama.cli", "translate", str(SEED), "-o", str(tmp_path / "out"), "-q"]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert time.perf_counter() - started < 30
    assert done.returncode == 2
    assert "is not available offline and could not be downloaded" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_model_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["translate", str(SEED), "-o", str(tmp_path), "--model", str(tmp_path / "nothing")]) == 2
    assert "cannot load a model from the folder" in capsys.readouterr().err


def test_stdin_to_stdout(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("سطر أول.\n\nسطر ثان\n".encode())))
    assert main(["translate", "-", *FAKE]) == 0
    assert capsys.readouterr().out == "sTr >wl.\n\nsTr vAn\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["translate", "in.txt"], "translate needs -o OUTDIR"),
        (["translate", "nowhere", "-o", "out", *FAKE], "nowhere: no such file or folder"),
        (["translate", "-", "x.txt", "-o", "out"], "cannot be mixed"),
        (["translate", "-", "--backend", "nope"], "unknown backend 'nope'"),
    ],
)
def test_usage_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_unknown_config_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[batching]\nbatch_size = 3\n", encoding="utf-8")
    assert main(["translate", str(SEED), "-o", str(tmp_path), "--config", str(config), *FAKE]) == 2
    assert "unknown key 'batch_size' in [batching]" in capsys.readouterr().err


def test_segment_prints_sentences(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["segment", str(SEED)]) == 0
    paragraphs = capsys.readouterr().out.strip().split("\n\n")
    assert len(paragraphs) == 15
    assert paragraphs[5].splitlines()[1] == "ولم تعلن اى جماعة مسئوليتها عن الهجوم ."


def test_the_program_leaves_its_objects_out_of_the_collectors_last_rounds(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As the ``tarjama`` program (no ``argv``), ``main`` freezes what is alive when it
    returns, even on an early exit, so the interpreter's shutdown does not go over it
    again; called with arguments, from a Python program, it leaves the collector alone."""
    gc.unfreeze()
    try:
        assert main(["segment", str(SEED)]) == 0
        assert gc.get_freeze_count() == 0
        monkeypatch.setattr(sys, "argv", ["tarjama", "segment", str(SEED)])
        assert main() == 0
        assert gc.get_freeze_count() > 0
        gc.unfreeze()
        monkeypatch.setattr(sys, "argv", ["tarjama", "--version"])
        with pytest.raises(SystemExit):
            main()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert "tarjama" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.ConfigError("bad setting"), 2),
        (errors.InputError("a.txt", "no such file"), 2),
        (errors.EvaluationError("b.en.txt", "3 lines, the reference has 4"), 2),
        (errors.ModelLoadError("no model"), 2),
        (errors.MissingExtraError("ray", "ray"), 2),
        (errors.OutputError("out", "is a file, not a folder"), 2),
        (errors.WriteError("out/a.en.txt", "cannot be written (No space left on device)"), 2),
        (errors.CacheError("database is locked"), 2),
        (errors.WorkerError("a worker died"), 3),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_each_error_class_has_its_exit_code(
    error: errors.TarjamaError, code: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing(args: object) -> int:
        raise error

    monkeypatch.setattr(cli, "_segment", failing)
    assert main(["segment", "-"]) == code == type(error).exit_code
    assert capsys.readouterr().err == f"tarjama: error: {error}\n"


def test_file_errors_share_one_base() -> None:
    for error in (errors.InputError("a.txt", "empty"), errors.EvaluationError("a.en.txt", "empty")):
        assert isinstance(error, errors.FileError)
        assert str(error) == f"{error.path}: empty" and error.problem == "empty"


def test_repair_level_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.txt").write_text("قال «انتهى الأمر كله في تلك الليلة» ثم غادر.\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["translate", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"), "--repair", "fix", *FAKE])
    assert exit_info.value.code == 2 and "invalid choice: 'fix'" in capsys.readouterr().err
    assert main(["translate", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"), "--repair", "off", *FAKE]) == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["quality"]["repair"] == "off"


def test_choices_and_help_come_from_the_settings() -> None:
    parser = cli.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    translate = {action.dest: action for action in commands["translate"]._actions}
    assert tuple(translate["model_dtype"].choices) == get_args(get_type_hints(ModelSettings)["dtype"])
    assert tuple(translate["model_compute_type"].choices) == get_args(get_type_hints(ModelSettings)["compute_type"])
    assert tuple(translate["engine_name"].choices) == get_args(get_type_hints(EngineSettings)["name"])
    for name, command in commands.items():
        page = command.format_help()
        assert command.description, f"tarjama {name} has no description"
        assert not re.search(r"\b(MODEL|DECODING|BATCHING|CACHE|QUALITY|ENGINE)_[A-Z_]+", page), page
    assert "*.jsonl" in commands["translate"].format_help()
