"""The Ray engine (issue 8): the same outputs as the local engine, even when a worker dies.

The Ray tests share one local Ray instance of 2 CPUs (``ray_instance``) and run the
project's tiny model (greedy) over the 32 shortest articles of the ANT sample, with
windows of 16 sentences so that the articles are spread over several windows and both
workers. Batch composition is the same in both engines by construction (the driver cuts
the windows the local engine would, and each worker pools and batches a window as the
local engine does), so byte-identity does not lean on the model being batch-invariant.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tarjama import Translator
from tarjama.cli import main
from tarjama.config import Settings
from tarjama.outputs import RUN_FILES

from ..conftest import TINY_MODEL, shared_data

ARTICLES = 32
WINDOW = "[batching]\nwindow_sentences = 16\n"


@pytest.fixture(scope="module")
def ray_instance() -> Iterator[Any]:
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.WARNING)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shortest articles of the ANT sample, in their category folders."""
    paths = sorted(shared_data("ant-news-sample", "txt").rglob("*.txt"), key=lambda p: (p.stat().st_size, p.name))
    folder = tmp_path_factory.mktemp("ant") / "in"
    for path in paths[:ARTICLES]:
        (folder / path.parent.name).mkdir(parents=True, exist_ok=True)
        (folder / path.parent.name / path.name).write_bytes(path.read_bytes())
    (folder.parent / "window.toml").write_text(WINDOW, encoding="utf-8")
    return folder


def _argv(corpus: Path, out: Path, *flags: str) -> list[str]:
    config = corpus.parent / "window.toml"
    model = ["--model", str(TINY_MODEL), "--beams", "1", "--no-cache", "--config", str(config), "-q"]
    return ["translate", str(corpus), "-o", str(out), *model, *flags]


@pytest.fixture(scope="module")
def reference(corpus: Path, tiny_model: Path) -> dict[str, bytes]:
    """The local engine's outputs, manifest aside. Run in a process of its own with one
    torch thread, as each Ray worker has: two threads on two busy cores are many times
    slower (the outputs are the same either way)."""
    out = corpus.parent / "local"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    subprocess.run([sys.executable, "-m", "tarjama.cli", *_argv(corpus, out)], env=env, check=True, timeout=600)
    return _outputs(out)


def _outputs(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and p.name != "manifest.json" and p.name not in RUN_FILES
    }


@pytest.mark.slow
def test_ray_engine_writes_the_local_engines_outputs(
    ray_instance: Any, corpus: Path, reference: dict[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    out = corpus.parent / "ray"
    assert main(_argv(corpus, out, "--engine", "ray", "--workers", "2")) == 0
    assert len(reference) == 2 * ARTICLES
    assert _outputs(out) == reference
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["engine"] == {"name": "ray", "ray_address": None, "workers": 2, "gpus_per_worker": None}
    assert manifest["totals"]["done"] == ARTICLES
    # what the workers ran: Ray gives each worker one CPU, so torch one thread
    assert manifest["engine"]["workers"] == 2
    assert manifest["engine"]["worker"]["backend"] == "transformers" and manifest["engine"]["worker"]["threads"] == 1
    local = json.loads((corpus.parent / "local" / "manifest.json").read_text(encoding="utf-8"))
    assert "engine" not in local and local["fingerprint"] == manifest["fingerprint"]
    capsys.readouterr()
    # the engine is not part of the fingerprint: the local engine resumes a Ray run
    assert main(_argv(corpus, out, "--engine", "local")) == 0
    assert f"{ARTICLES} of {ARTICLES} files translated ({ARTICLES} done by an earlier run)" in capsys.readouterr().err


def _working_workers() -> list[int]:
    """Process ids of Ray actors translating a window now (Ray titles them by the method)."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            title = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if entry.name.isdigit() and title.startswith(b"ray::TranslationWorker.translate"):
            pids.append(int(entry.name))
    return pids


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the worker's process in /proc")
def test_a_worker_killed_mid_run_is_restarted_and_the_outputs_are_the_same(
    ray_instance: Any, corpus: Path, reference: dict[str, bytes]
) -> None:
    killed: list[int] = []
    done: list[int] = []

    def kill_one_worker(progress: Any) -> None:
        done.append(progress.sentences_done)
        if not killed and progress.sentences_done and progress.files_done < ARTICLES // 2:
            for pid in _working_workers()[:1]:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    settings = Settings.load(corpus.parent / "window.toml")
    translator = Translator(settings, model_name=str(TINY_MODEL), decoding_beams=1, cache_enabled=False)
    out = corpus.parent / "ray-killed"
    report = translator.translate_folder([corpus], out, engine="ray", on_progress=kill_one_worker)
    assert killed, "no worker was translating when the first window came back"
    assert report.ok and report.manifest["totals"]["done"] == ARTICLES
    assert _outputs(out) == reference
    # progress counts every unit once, as the windows come back
    assert done[-1] == report.manifest["totals"]["units"] and done == sorted(done)
