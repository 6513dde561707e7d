#!/usr/bin/env python
"""Whole-process times of the ``tarjama`` command, start-up and model loading included.

* ``tarjama --help``;
* the seed article (``seeds/``) with the project's tiny model, the default settings
  (beam 4), a fresh output folder and translation cache each time; and the same with
  ``--backend ct2`` (when CTranslate2 is installed): its first run, which converts the
  model into the cache, once, then runs that find the converted model there;
* a folder of ANT news articles (``../shared/data/ant-news-sample/txt``, 300 by default)
  with the tiny model: translated once, then the same command again (every file done:
  nothing to translate, so no model is loaded), and once more into a fresh output folder
  with the translation cache on (every sentence in the cache: no weights loaded).

Each command runs ``--repeats`` times (the first ANT run once); the median is reported.
No download: the tiny model is ``tests/fixtures/tiny-translit``. The commands run this
checkout's ``src``, whatever is installed.

With ``--baseline DIR`` (another tarjama source tree, e.g. an older commit unpacked with
``git archive``), the seed is also run with ``DIR/src``, interleaved with this checkout's
runs (the order alternates), and the JSON gets the ratios of the medians: before and
after, side by side on the same machine and load. ``--seed-only`` leaves out the ANT
folder.

Usage::

    python scripts/bench_startup.py --json scripts/results/startup.json
    git archive 47ff160 src | tar -x -C /tmp/before
    python scripts/bench_startup.py --seed-only --baseline /tmp/before --repeats 5
"""

from __future__ import annotations

import argparse
import importlib.util
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
    return summary(label, [make() for _ in range(runs)])


def interleaved(makers: dict[str, Any], runs: int) -> dict[str, dict[str, Any]]:
    """Each of ``makers`` run ``runs`` times, taking turns (the order reversed every
    other round, so that neither always runs first), summarised by label."""
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in makers}
    for round_ in range(runs):
        for label in list(makers)[:: -1 if round_ % 2 else 1]:
            times[label].append(makers[label]())
    return {label: summary(label, measured) for label, measured in times.items()}


def summary(label: str, measured: list[tuple[float, float]]) -> dict[str, Any]:
    walls, cpus = zip(*measured, strict=True)
    runs = len(measured)
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
    parser.add_argument("--baseline", type=Path, help="another tarjama source tree to run the seed with, side by side")
    parser.add_argument("--seed-only", action="store_true", help="only --help and the seed (no ANT folder)")
    args = parser.parse_args()
    if not args.seed_only and not ANT.is_dir():
        raise SystemExit(f"{ANT} is absent: this benchmark needs the shared data folder beside the checkout")
    if args.baseline and not (args.baseline / "src" / "tarjama").is_dir():
        raise SystemExit(f"{args.baseline} has no src/tarjama: --baseline takes a tarjama source tree")
    tarjama = [sys.executable, "-m", "tarjama.cli"]
    work = Path(tempfile.mkdtemp(prefix="tarjama-startup-"))
    # the user's thread default (no OMP_NUM_THREADS), no download, a private cache, this checkout's code
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    env.update(HF_HUB_OFFLINE="1", XDG_CACHE_HOME=str(work / "cache"), PYTHONPATH=str(ROOT / "src"))
    load_before = os.getloadavg()
    articles = sentences = threads = None
    try:
        results: dict[str, Any] = {}
        results["help"] = repeated("tarjama --help", args.repeats, lambda: timed([*tarjama, "--help"], env))

        counter = iter(range(1000))

        seed_command = [*tarjama, "translate", str(ROOT / "seeds"), "-o", str(work / "seed-out"), "--model",
                        str(TINY), "--force", "-q"]  # fmt: skip

        def seed(source: Path) -> tuple[float, float]:
            fresh = {**env, "XDG_CACHE_HOME": str(work / f"seed-cache-{next(counter)}"), "PYTHONPATH": str(source)}
            return timed(seed_command, fresh)

        label = "seed, tiny model, beam 4"
        if args.baseline:
            both = interleaved(
                {label: lambda: seed(ROOT / "src"), f"{label} (baseline)": lambda: seed(args.baseline / "src")},
                args.repeats,
            )
            results["seed"], results["seed_baseline"] = both.values()
            results["seed_baseline"]["source"] = str(args.baseline)
            results["seed_ratios"] = {
                key: round(results["seed"][key] / results["seed_baseline"][key], 3)
                for key in ("median_seconds", "median_cpu_seconds")
            }
        else:
            results["seed"] = repeated(label, args.repeats, lambda: seed(ROOT / "src"))
        if importlib.util.find_spec("ctranslate2"):
            ct2 = {**env, "XDG_CACHE_HOME": str(work / "ct2-cache")}  # the converted model stays; --no-cache
            command = [*seed_command, "--backend", "ct2", "--no-cache"]
            ct2_label = f"{label}, --backend ct2"
            results["seed_ct2_converting"] = repeated(f"{ct2_label}, converting", 1, lambda: timed(command, ct2))
            results["seed_ct2"] = repeated(ct2_label, args.repeats, lambda: timed(command, ct2))
        if not args.seed_only:
            articles, sentences, threads = ant_folder(work, tarjama, env, args, results, counter)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = {
        "command": " ".join(["python", "scripts/bench_startup.py", *sys.argv[1:]]),
        "commit": commit(ROOT),
        "articles": articles,
        "sentences": sentences,
        "threads": threads,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        **results,
    }
    print(json.dumps(report, indent=1))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")


def commit(root: Path) -> str | None:
    """The checkout's commit, with ``+changes`` when its files differ from it."""
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()  # fmt: skip
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "src"], capture_output=True,
                               text=True, check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+changes" if dirty else "")


def ant_folder(
    work: Path, tarjama: list[str], env: dict[str, str], args: Any, results: dict[str, Any], counter: Any
) -> tuple[int, int, Any]:
    """The ANT folder's runs (first, finished rerun, cached rerun) into ``results``;
    returns the articles, sentences and threads of the first run."""
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
    return articles, manifest["totals"]["sentences"], manifest.get("threads")


if __name__ == "__main__":
    main()
