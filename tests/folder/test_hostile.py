"""Hostile inputs in folder runs, second round (issue 13).

Each hostile case runs next to a good file (``run`` of test_robustness): the test
asserts the message, the exit code and that the good file was translated.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tarjama.cli import main

from ..oracle import transliterate
from .test_robustness import ARABIC, FAKE, GOOD, _command, _outputs, _subprocess_env, run, single_run

# --- discovery: output folder = input folder, unreadable, FIFOs (items 3, 4, 5) ------


def test_output_folder_equal_to_the_input_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "sub" / "other.txt").write_text(ARABIC, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for _ in range(2):  # the second run finds its own outputs and does not take them for inputs
        assert main(["translate", ".", "-o", ".", *FAKE]) == 0
    err = capsys.readouterr().err
    assert "links outside" not in err
    assert "2 of 2 files translated (2 done by an earlier run)" in err
    assert (tmp_path / "good.en.txt").read_text(encoding="utf-8") == transliterate(GOOD)
    assert (tmp_path / "sub" / "other.en.txt").read_text(encoding="utf-8") == transliterate(ARABIC)


def test_output_folder_a_parent_of_the_input_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "good.txt").write_text(GOOD, encoding="utf-8")
    assert main(["translate", str(tmp_path / "in"), "-o", str(tmp_path), *FAKE]) == 0
    assert "links outside" not in capsys.readouterr().err
    assert (tmp_path / "good.en.txt").read_text(encoding="utf-8") == transliterate(GOOD)


def _unreadable(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``path`` unreadable: by its mode, or (as root, whom modes do not stop) by
    making the calls that open it fail as they would."""
    if os.geteuid() != 0:
        path.chmod(0)
        return
    denied = PermissionError(13, "Permission denied", str(path))
    if path.is_dir():
        scandir = os.scandir

        def failing_scandir(target):  # os.walk lists folders with os.scandir
            if Path(target) == path:
                raise denied
            return scandir(target)

        monkeypatch.setattr(os, "scandir", failing_scandir)
    else:
        read_bytes = Path.read_bytes

        def failing_read(self: Path) -> bytes:
            if self == path:
                raise denied
            return read_bytes(self)

        monkeypatch.setattr(Path, "read_bytes", failing_read)


def test_unreadable_subfolder_is_listed_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "in" / "locked"
    locked.mkdir(parents=True)
    (locked / "secret.txt").write_text(ARABIC, encoding="utf-8")
    _unreadable(locked, monkeypatch)
    code, out = run(tmp_path, "ok.txt", ARABIC.encode("utf-8"))
    assert code == 1
    assert f"failed: {locked}: cannot be read: Permission denied" in capsys.readouterr().err
    assert (out / "ok.en.txt").exists()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {(f["name"], f["status"]) for f in manifest["files"]} >= {("locked", "failed"), ("good.txt", "done")}


def test_unreadable_file_is_listed_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "in" / "locked.txt"
    locked.parent.mkdir()
    locked.write_text(ARABIC, encoding="utf-8")
    _unreadable(locked, monkeypatch)
    code, out = run(tmp_path, "ok.txt", ARABIC.encode("utf-8"))
    assert code == 1
    assert f"failed: {locked}: cannot be read: Permission denied" in capsys.readouterr().err
    assert not (out / "locked.en.txt").exists()


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fail a test that blocks for 20 s instead of letting it hang the suite."""

    def stop(*_: object) -> None:
        raise TimeoutError("blocked for 20 s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_fifo_is_skipped_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str], no_hang: None) -> None:
    (tmp_path / "in").mkdir()
    fifo = tmp_path / "in" / "x.txt"
    os.mkfifo(fifo)
    code, out = run(tmp_path, "ok.txt", ARABIC.encode("utf-8"))
    assert code == 1
    assert f"failed: {fifo}: skipped: not a regular file (a FIFO)" in capsys.readouterr().err
    assert (out / "ok.en.txt").exists()


def test_same_file_twice_is_translated_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    argv = ["translate", str(tmp_path / "a.txt"), str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"), *FAKE]
    assert main(argv) == 0
    assert "would write the same outputs" not in capsys.readouterr().err
    assert (tmp_path / "out" / "a.en.txt").read_text(encoding="utf-8") == transliterate(GOOD)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [f["name"] for f in manifest["files"]] == ["a.txt"]


# --- long names (item 12) ------------------------------------------------------------


def test_long_file_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fits = "ق" * 117 + ".txt"  # 234-byte stem: its outputs fit in 255 bytes, a temporary name with it would not
    too_long = "ق" * 125 + ".txt"  # 250-byte stem: name.align.jsonl is 262 bytes
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / fits).write_text(ARABIC, encoding="utf-8")
    code, out = run(tmp_path, too_long, ARABIC.encode("utf-8"))
    assert code == 1
    err = capsys.readouterr().err
    assert f"failed: {tmp_path / 'in' / too_long}: its output name " in err
    assert "is too long for the file system (262 bytes, at most 255)" in err
    assert (out / fits.replace(".txt", ".en.txt")).read_text(encoding="utf-8") == transliterate(ARABIC)


# --- copied unchanged (item 8) ---------------------------------------------------------


def test_copied_unchanged_is_byte_for_byte(tmp_path: Path) -> None:
    english = "The minister\tarrived  in Baghdad.   He said (قال) the talks\u00a0went well.  \r\n\r\n\tIndented.\t\n"
    code, out = run(tmp_path, "english.txt", english.encode("utf-8"))
    assert code == 0
    assert (out / "english.en.txt").read_bytes() == english.encode("utf-8")
    records = [json.loads(line) for line in (out / "english.align.jsonl").open(encoding="utf-8")]
    text = english
    for record in records:
        assert text[slice(*record["target_span"])] == record["translation"] == record["source"]


# --- JSON Lines (item 10) --------------------------------------------------------------


def test_jsonl_split_on_newlines_only(tmp_path: Path) -> None:
    records = [{"text": "قال\u2028الوزير.", "note": "a\u2029b\x85c"}, {"text": "نعم."}]
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
    code, out = run(tmp_path, "feed.jsonl", data)
    assert code == 0
    lines = (out / "feed.en.jsonl").read_text(encoding="utf-8").split("\n")
    assert [json.loads(line)["note"] for line in lines[:-1] if "note" in line] == ["a\u2029b\x85c"]
    assert len(lines) == 3


def test_jsonl_fields_copied_through_as_they_were(tmp_path: Path) -> None:
    line = '{"id":1.0, "big": 1e400, "dup": 1, "dup": 2, "esc": "\\u00e9\\ud800", "text": "نعم.",  "n": [1 ,2]}'
    code, out = run(tmp_path, "feed.jsonl", (line + "\r\n" + '{"text": "\\ud83d لا."}\n').encode("utf-8"))
    assert code == 0
    first, second = (out / "feed.en.jsonl").read_text(encoding="utf-8").split("\n")[:2]
    assert first == line.replace('"نعم."', json.dumps(transliterate("نعم."), ensure_ascii=False))
    assert json.loads(second) == {"text": "\ud83d " + transliterate("لا.")}
    for aligned in (out / "feed.align.jsonl").read_text(encoding="utf-8").split("\n")[:-1]:
        json.loads(aligned)  # valid JSON, lone surrogates escaped


def test_jsonl_text_field_twice_fails_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(tmp_path, "feed.jsonl", '{"text": "نعم.", "text": "لا."}\n'.encode())
    assert code == 1
    assert "feed.jsonl: line 1 has the field 'text' twice" in capsys.readouterr().err
    assert not (out / "feed.align.jsonl").exists() and not (out / "feed.en.jsonl").exists()


def test_review_page_reads_alignments_with_line_separators(tmp_path: Path) -> None:
    from tarjama.report import collect

    code, out = run(tmp_path, "sep.txt", "قال\u2028الوزير نعم.\n".encode())
    assert code == 0
    articles = {a.name: a for a in collect(out).articles}
    assert articles["sep.txt"].status != "unreadable"


# --- temporary files and the output folder's lock (item 1) ----------------------------


def test_only_temporary_files_tarjama_made_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    mine = [out / ".notes.tmp", out / "sub" / ".draft.tmp", out / ".a.en.txt.k3qr366d.tmp", out / "x.tmp"]
    for path in mine:
        path.write_text("the user's", encoding="utf-8")
    stale = out / "sub" / ".tarjama-k3qr366d.tmp"  # left by a killed run
    stale.write_text("half", encoding="utf-8")
    code, _ = run(tmp_path, "ok.txt", ARABIC.encode("utf-8"))
    assert code == 0
    assert all(path.read_text(encoding="utf-8") == "the user's" for path in mine)
    assert not stale.exists()


@pytest.mark.slow  # over 10 s: the full suite runs it, the fast loop does not
def test_two_runs_on_one_output_folder(tmp_path: Path) -> None:
    """Two runs started 0-3 s apart on 60 articles: the second waits for the first,
    neither loses work, and the outputs are byte for byte those of a single run. The
    first takes about 7 s (20 ms a sentence), so the second always finds it working."""
    folder, config, expected = single_run(tmp_path, 60)
    articles = [name for name in expected if name.endswith(".en.txt")]

    for trial, delay in enumerate([0.0, 3.0]):  # the ends of 0-3 s apart
        out = tmp_path / f"out{trial}"
        first = subprocess.Popen(_command(folder, out, config), env=_subprocess_env(0.02), stderr=subprocess.PIPE)
        time.sleep(delay)
        second = subprocess.Popen(_command(folder, out, config), env=_subprocess_env(0.02), stderr=subprocess.PIPE)
        errors = [process.communicate(timeout=300)[1].decode() for process in (first, second)]
        assert [first.returncode, second.returncode] == [0, 0], errors
        (waited,) = [err for err in errors if "waiting for another tarjama run" in err]  # whichever came second
        assert f"{len(articles)} of {len(articles)} files translated ({len(articles)} done by an earlier run)" in waited
        outputs = _outputs(out)
        manifest = json.loads(outputs.pop("manifest.json"))
        assert outputs == expected
        assert manifest["totals"]["done"] == len(articles)


# --- resume: outputs checked, entries merged, files tarjama did not write kept (6b, 7, 15)


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_outputs_changed_by_hand_are_reported_and_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(tmp_path, "other.txt", ARABIC.encode("utf-8"))
    assert code == 0
    (entry,) = [e for e in _manifest(out)["files"] if e["name"] == "good.txt"]
    english = (out / "good.en.txt").read_bytes()
    assert entry["written"]["good.en.txt"] == {"sha256": hashlib.sha256(english).hexdigest(), "size": len(english)}
    (out / "good.en.txt").write_text("My own better translation.\n", encoding="utf-8")
    (out / "other.align.jsonl").write_bytes(b"")
    capsys.readouterr()
    code = main(["translate", str(tmp_path / "in"), "-o", str(out), *FAKE])
    assert code == 1
    err = capsys.readouterr().err
    assert f"failed: {tmp_path / 'in' / 'good.txt'}: {out / 'good.en.txt'} was changed after tarjama wrote it" in err
    assert f"failed: {tmp_path / 'in' / 'other.txt'}: {out / 'other.align.jsonl'} was changed after tarjama" in err
    assert "pass --force to translate it again and overwrite it" in err
    assert (out / "good.en.txt").read_text(encoding="utf-8") == "My own better translation.\n"
    assert main(["translate", str(tmp_path / "in"), "-o", str(out), *FAKE, "--force"]) == 0
    assert (out / "good.en.txt").read_bytes() == english
    assert (out / "other.align.jsonl").stat().st_size > 0


def test_manifest_entries_merged_across_runs(tmp_path: Path) -> None:
    from tarjama.report import collect

    for folder, name in (("in1", "one.txt"), ("in2", "two.txt")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_text(ARABIC, encoding="utf-8")
        assert main(["translate", str(tmp_path / folder), "-o", str(tmp_path / "out"), *FAKE]) == 0
    manifest = _manifest(tmp_path / "out")
    assert [(e["name"], e["status"]) for e in manifest["files"]] == [("one.txt", "done"), ("two.txt", "done")]
    assert [a.name for a in collect(tmp_path / "out").articles] == ["one.txt", "two.txt"]


def test_a_file_tarjama_did_not_write_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("x.txt").write_text(ARABIC, encoding="utf-8")
    Path("good.txt").write_text(GOOD, encoding="utf-8")
    Path("x.en.txt").write_text("the user's own\n", encoding="utf-8")
    assert main(["translate", "x.txt", "good.txt", "-o", ".", *FAKE]) == 1
    err = capsys.readouterr().err
    assert "failed: x.txt: x.en.txt exists and was not written by tarjama; move it away or pass --force" in err
    assert Path("x.en.txt").read_text(encoding="utf-8") == "the user's own\n"
    assert not Path("x.align.jsonl").exists()
    assert Path("good.en.txt").read_text(encoding="utf-8") == transliterate(GOOD)
    assert main(["translate", "x.txt", "-o", ".", *FAKE, "--force"]) == 0
    assert Path("x.en.txt").read_text(encoding="utf-8") == transliterate(ARABIC)


# --- one-line errors for an output folder that cannot be used (item 13) -------------------


def _one_error(capsys: pytest.CaptureFixture[str], text: str) -> None:
    err = capsys.readouterr().err
    assert err.startswith(f"tarjama: error: {text}") and err.count("\n") == 1, err


def test_output_folder_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "out").write_text("a file", encoding="utf-8")
    assert main(["translate", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"), *FAKE]) == 2
    _one_error(capsys, f"{tmp_path / 'out'}: is a file, not a folder")


def test_output_folder_that_is_not_writable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir(mode=0o555)
    out.chmod(0o555)
    if os.geteuid() == 0:  # modes do not stop root: files cannot be made there, as for anyone else
        os_open = os.open

        def denied(path, flags, *args, **kwargs):
            if Path(path).parent == out and flags & os.O_CREAT:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return os_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", denied)
    assert main(["translate", str(tmp_path / "a.txt"), "-o", str(out), *FAKE]) == 2
    _one_error(capsys, f"{out}: is not writable (Permission denied); choose another output folder")


def test_full_disk_stops_and_keeps_the_manifest_of_what_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tarjama.folder

    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (folder / name).write_text(ARABIC, encoding="utf-8")
    atomic_write = tarjama.folder.atomic_write

    def full_at_b(path: Path, text: str) -> None:
        if path.name.startswith("b."):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        atomic_write(path, text)

    monkeypatch.setattr(tarjama.folder, "atomic_write", full_at_b)
    out = tmp_path / "out"
    assert main(["translate", str(folder), "-o", str(out), *FAKE]) == 2
    _one_error(capsys, f"{out / 'b.align.jsonl'}: cannot be written (No space left on device)")
    assert [(e["name"], e["status"]) for e in _manifest(out)["files"]] == [("a.txt", "done")]
    assert not (out / "b.en.txt").exists() and not (out / "b.align.jsonl").exists()
    monkeypatch.setattr(tarjama.folder, "atomic_write", atomic_write)
    assert main(["translate", str(folder), "-o", str(out), *FAKE]) == 0
    assert "3 of 3 files translated (1 done by an earlier run)" in capsys.readouterr().err


def test_manifest_that_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "out" / "manifest.json").mkdir(parents=True)
    assert main(["translate", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"), *FAKE]) == 2
    _one_error(capsys, f"{tmp_path / 'out' / 'manifest.json'}: is not a file; move it away")


def test_manifest_entries_with_keys_missing_or_null(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "out"
    out.mkdir()
    entries = [{"name": None}, {"status": "done"}, "junk", {"name": "good.txt", "status": "done", "output": None}]
    (out / "manifest.json").write_text(json.dumps({"files": entries}), encoding="utf-8")
    code, out = run(tmp_path, "ok.txt", ARABIC.encode("utf-8"))
    assert code == 0
    assert f"{out / 'manifest.json'}: file entry 1 is not a tarjama entry (no name); left out" in caplog.text
    assert f"{out / 'manifest.json'}: file entry 3 is not a tarjama entry (not an object); left out" in caplog.text
    assert f"{out / 'manifest.json'}: file entry 4 is not a tarjama entry (no output); left out" in caplog.text
    assert [(e["name"], e["status"]) for e in _manifest(out)["files"]] == [("good.txt", "done"), ("ok.txt", "done")]


def test_report_of_a_manifest_whose_files_is_not_a_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "manifest.json").write_text('{"files": {"a.txt": "done"}}', encoding="utf-8")
    assert main(["report", str(tmp_path)]) == 2
    _one_error(capsys, f"{tmp_path / 'manifest.json'}: its files is not a list: not a tarjama manifest")


def test_links_out_of_the_tree_are_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "secret.txt").write_text(ARABIC, encoding="utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "link.txt").symlink_to(tmp_path / "elsewhere" / "secret.txt")
    (tmp_path / "in" / "folder").symlink_to(tmp_path / "elsewhere")
    code, out = run(tmp_path, "ok.txt", ARABIC.encode("utf-8"))
    assert code == 1
    err = capsys.readouterr().err
    for name in ("link.txt", "folder"):
        assert f"failed: {tmp_path / 'in' / name}: skipped: it links outside {tmp_path / 'in'} (not followed)" in err
    assert not (out / "link.en.txt").exists() and not (out / "folder").exists()
