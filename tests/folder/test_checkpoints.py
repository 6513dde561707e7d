"""A folder run rewrites its manifest as it works, but never spends more than a small
share of its time on it: a manifest of many files is slow to write, and rewriting it
every few seconds would make a run's time grow with the square of its files."""

from __future__ import annotations

import time
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path

import pytest

from tarjama import Translator, folder


def test_slow_manifest_writes_are_spaced_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for number in range(40):
        (tmp_path / f"{number:02d}.txt").write_text("قال الوزير.", encoding="utf-8")
    writes: list[float] = []
    write = folder.write_manifest

    def slow(out: Path, manifest: dict[str, object], files: Iterable[str]) -> None:
        time.sleep(0.05)  # as a manifest of thousands of files takes
        writes.append(time.perf_counter())
        write(out, manifest, files)

    monkeypatch.setattr(folder, "write_manifest", slow)
    monkeypatch.setattr(folder, "CHECKPOINT_SECONDS", 0.0)  # without the share rule: a write after every file
    translator = Translator(model_backend="fake", cache_enabled=False, batching_window_sentences=1)
    report = translator.translate_folder([tmp_path], tmp_path / "out")
    assert report.manifest["totals"]["done"] == 40
    gaps = [b - a for a, b in pairwise(writes)][:-1]  # the last one is the final write
    assert all(gap >= 0.05 / folder.CHECKPOINT_SHARE * 0.9 for gap in gaps), gaps
    assert len(writes) < 40
