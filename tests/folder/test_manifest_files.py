"""A folder run keeps its files' entries on disk, not in memory (issue 15: memory as
work grows): the manifest it writes is the same, whole and valid whenever it is read,
and the temporary file that holds the entries is gone when the run ends."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tarjama import Progress, Translator
from tarjama.outputs import JOURNAL


def _translator() -> Translator:
    return Translator(model_backend="fake", cache_enabled=False, batching_window_sentences=1)


def _write(folder: Path, names: list[str], text: str = "قال الوزير.") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(f"{text} {name}\n", encoding="utf-8")


def _temporaries(out: Path) -> list[Path]:
    return list(out.glob(".tarjama-*.tmp"))


def _manifest(out: Path) -> dict[str, Any]:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_a_rerun_keeps_the_order_and_the_entries_of_earlier_runs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _write(tmp_path / "first", ["a.txt", "b.txt", "c.txt"])
    _translator().translate_folder([tmp_path / "first"], out)
    earlier = _manifest(out)
    # another folder: b.txt changed, c.txt as it was, d.txt new; a.txt is not an input
    _write(tmp_path / "second", ["b.txt", "d.txt"], text="وأضاف أن الوفد سيعود.")
    (tmp_path / "second" / "c.txt").write_bytes((tmp_path / "first" / "c.txt").read_bytes())
    report = _translator().translate_folder([tmp_path / "second"], out)

    manifest = _manifest(out)
    assert [e["name"] for e in manifest["files"]] == ["a.txt", "b.txt", "c.txt", "d.txt"]
    assert manifest["files"][0] == earlier["files"][0]  # not an input this time: kept as it was
    assert manifest["files"][2] == {**earlier["files"][2], "resumed": True}
    assert manifest["files"][1]["sha256"] != earlier["files"][1]["sha256"]
    totals = manifest["totals"]
    assert (totals["files"], totals["done"], totals["resumed"], totals["failed"]) == (3, 3, 1, 0)
    assert totals["sentences"] == sum(e["sentences"] for e in manifest["files"][1:])
    assert report.totals == totals and report.manifest == manifest
    assert not _temporaries(out) and not (out / JOURNAL).exists()


def test_the_manifest_is_valid_and_whole_while_the_run_works(tmp_path: Path) -> None:
    names = [f"{n:02d}.txt" for n in range(12)]
    _write(tmp_path / "in", names)
    out = tmp_path / "out"
    seen: list[dict[str, Any]] = []

    def look(progress: Progress) -> None:
        if (out / "manifest.json").exists():
            manifest = _manifest(out)  # never half written
            done = [e for e in manifest["files"] if e["status"] == "done"]
            assert manifest["totals"]["done"] == len(done)
            assert len(_temporaries(out)) == 1  # the entries, on disk
            seen.append(manifest)

    _translator().translate_folder([tmp_path / "in"], out, on_progress=look)
    assert seen and len(seen[0]["files"]) >= 1  # the first file finished is recorded at once
    assert [e["name"] for e in _manifest(out)["files"]] == names
    assert not _temporaries(out)


def test_a_run_that_stops_midway_keeps_what_it_finished(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tarjama.folder.CHECKPOINT_SECONDS", 1000.0)  # no checkpoint but the first and the last
    _write(tmp_path / "in", [f"{n:02d}.txt" for n in range(10)])
    out = tmp_path / "out"

    def stop(progress: Progress) -> None:
        if progress.files_done == 6:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _translator().translate_folder([tmp_path / "in"], out, on_progress=stop)
    manifest = _manifest(out)
    finished = [e["name"] for e in manifest["files"] if e["status"] == "done"]
    assert len(finished) >= 6 and manifest["totals"]["done"] == len(finished)
    assert all((out / e["output"]).is_file() for e in manifest["files"])
    assert not _temporaries(out)
    again = _translator().translate_folder([tmp_path / "in"], out)
    assert again.totals["resumed"] == len(finished) and again.totals["done"] == 10


def test_an_entries_file_a_killed_run_left_is_removed(tmp_path: Path) -> None:
    _write(tmp_path / "in", ["a.txt"])
    out = tmp_path / "out"
    out.mkdir()
    (out / ".tarjama-k1lled00.tmp").write_text('{\n      "name": "a.txt"', encoding="utf-8")
    _translator().translate_folder([tmp_path / "in"], out)
    assert not _temporaries(out) and _manifest(out)["totals"]["done"] == 1


@pytest.mark.parametrize("fifo_first", [True, False])
def test_two_inputs_of_one_name_count_once(tmp_path: Path, fifo_first: bool) -> None:
    """A FIFO is not an input (it fails), so it does not collide with a file of its name
    in another folder: the entry recorded later takes the earlier's place (the reading
    thread records failures ahead of the files being translated), and the totals follow."""
    _write(tmp_path / "files", ["x.txt"])
    (tmp_path / "fifos").mkdir()
    os.mkfifo(tmp_path / "fifos" / "x.txt")
    folders = [tmp_path / "fifos", tmp_path / "files"]
    out = tmp_path / "out"
    report = _translator().translate_folder(folders if fifo_first else folders[::-1], out)

    manifest = _manifest(out)
    assert [e["name"] for e in manifest["files"]] == ["x.txt"]
    assert len(report.failures) == 1 and manifest["totals"]["failed"] == 1
    done = manifest["files"][0]["status"] == "done"
    assert manifest["totals"]["done"] == done
    assert manifest["totals"]["sentences"] == (manifest["files"][0]["sentences"] if done else 0)
    # an output written whose entry the failure took the place of: the journal still says whose it is
    assert (out / JOURNAL).exists() == (not done)
    assert not _temporaries(out)
