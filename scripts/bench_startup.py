#!/usr/bin/env python
"""Whole-process times of the ``tarjama`` command, start-up and model loading included.

* ``tarjama --help``;
* the seed article (``seeds/``) with the project's tiny model, the default settings
  (beam 4), a fresh output folder and translation cache each time;
* a folder of ANT news articles (``../shared/data/ant-news-sample/txt``, 300 by default)
  with the tiny model: translated once, then the same command again (every file done:
  nothing to translate, so no model is loaded), and once more into a fresh output folder
  with the translation cache on (every sentence in the cache: no weights loaded).

Each command runs ``--repeats`` times (the first ANT run once); the median is reported.
No download: the tiny model is ``tests/fixtures/tiny-translit``.

Usage::

    python scripts/bench_startup.py --json scripts/results/startup.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny-translit"
ANT = ROOT.parent / "shared" / "data" / "ant-news-sample" / "txt"


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds, and CPU seconds (user + system) of the process: on a busy machine the
    wall time is mostly waiting for a core, the CPU time is the work."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def repeated(label: str, runs: int, make: Any) -> dict[str, Any]:
    walls, cpus = zip(*(make() for _ in range(runs)), strict=True)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(f"  {label}: {wall:.2f} s, CPU {cpu:.2f} s (medians of {runs})", file=sys.stderr, flush=True)
    return {
        "median_seconds": round(wall, 3),
        "median_cpu_seconds": round(cpu, 3),
        "seconds": [round(s, 3) for s in walls],
        "cpu_seconds": [round(s, 3) for s in cpus],
        "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300, help="ANT articles in the folder")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    if not ANT.is_dir():
        raise SystemExit(f"{ANT} is absent: this benchmark needs the shared data folder beside the checkout")
    tarjama = [sys.executable, "-m", "tarjama.cli"]
    work = Path(tempfile.mkdtemp(prefix="tarjama-startup-"))
    # the user's thread default (no OMP_NUM_THREADS), no download, a private cache
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    env.update(HF_HUB_OFFLINE="1", XDG_CACHE_HOME=str(work / "cache"))
    load_before = os.getloadavg()
    try:
        results: dict[str, Any] = {}
        results["help"] = repeated("tarjama --help", args.repeats, lambda: timed([*tarjama, "--help"], env))

        counter = iter(range(1000))

        def seed() -> tuple[float, float]:
            fresh = {**env, "XDG_CACHE_HOME": str(work / f"seed-cache-{next(counter)}")}
            return timed([*tarjama, "translate", str(ROOT / "seeds"), "-o", str(work / "seed-out"), "--model",
                          str(TINY), "--force", "-q"], fresh)  # fmt: skip

        results["seed"] = repeated("seed, tiny model, beam 4", args.repeats, seed)

        folder = work / "ant"
        folder.mkdir()
        for path in sorted(ANT.rglob("*.txt"))[: args.articles]:
            shutil.copy2(path, folder / f"{path.parent.name}-{path.name}")
        articles = len(list(folder.iterdir()))
        translate = [*tarjama, "translate", str(folder), "--model", str(TINY), "--beams", "1", "-q", "-o"]
        results["ant_first_run"] = repeated(
            f"{articles} ANT articles", 1, lambda: timed([*translate, str(work / "out")], env)
        )
        results["ant_finished_rerun"] = repeated(
            "the same again (finished)", args.repeats, lambda: timed([*translate, str(work / "out")], env)
        )
        results["ant_cached_rerun"] = repeated(
            "into a fresh folder (cached)",
            args.repeats,
            lambda: timed([*translate, str(work / f"out-{next(counter)}")], env),
        )
        manifest = json.loads((work / "out" / "manifest.json").read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = {
        "command": " ".join(["python", "scripts/bench_startup.py", *sys.argv[1:]]),
        "articles": articles,
        "sentences": manifest["totals"]["sentences"],
        "threads": manifest.get("threads"),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        **results,
    }
    print(json.dumps(report, indent=1))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
