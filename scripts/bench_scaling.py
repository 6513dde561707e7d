#!/usr/bin/env python
"""Cost as work grows: a folder of N synthetic articles through ``translate_folder``.

The articles are made here from a fixed seed: paragraphs of sentences of random Arabic
words, each article different (so de-duplication does not shrink the work). The model is
a stand-in that turns Arabic letters into Latin ones at once, so what is measured is
tarjama itself: discovery, reading, normalising, segmenting, pooling and batching,
checking, assembling, writing the outputs and the manifest. The translation cache is
off. Each size runs in a process of its own, which reports its wall time and peak
resident memory.

Usage::

    python scripts/bench_scaling.py                      # 1,000 and 10,000 articles
    python scripts/bench_scaling.py --articles 100 1000 --json scripts/results/scaling.json

Prints a table; writes everything measured as JSON (``--json``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tarjama.backends import Backend, Hypothesis

LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
LATIN = str.maketrans(LETTERS, "AbtvjHxd*rzs$SDTZEgfqklmnhwy")


class LetterBackend(Backend):
    """Arabic letters to Latin ones, no model: the cost of tarjama around a model."""

    name = "letters"

    def translate_batch(self, sentences: list[str]) -> list[Hypothesis]:
        return [Hypothesis(s.translate(LATIN), score=-0.1) for s in sentences]

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "model": "letters"}


def article(rng: random.Random) -> str:
    """3-8 paragraphs of 1-4 sentences of 6-24 words: about 1.5 KB."""
    words = ["".join(rng.choices(LETTERS, k=rng.randint(2, 7))) for _ in range(rng.randint(40, 80))]
    paragraphs = []
    for _ in range(rng.randint(3, 8)):
        sentences = [" ".join(rng.choices(words, k=rng.randint(6, 24))) + "." for _ in range(rng.randint(1, 4))]
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs) + "\n"


def make_folder(folder: Path, count: int, seed: int = 15) -> int:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    size = 0
    for number in range(count):
        text = article(rng)
        (folder / f"{number:05d}.txt").write_text(text, encoding="utf-8")
        size += len(text.encode())
    return size


def run_main(folder: str, out: str) -> None:
    """In the measured process: translate ``folder`` into ``out``; print the measures."""
    from tarjama import Translator

    started = time.perf_counter()
    translator = Translator(backend=LetterBackend(), cache_enabled=False)
    report = translator.translate_folder([folder], out)
    seconds = time.perf_counter() - started
    totals = report.totals
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak, "files": totals["done"], "units": totals["units"]}))


def measure(count: int, work: Path) -> dict[str, Any]:
    folder, out = work / f"in-{count}", work / f"out-{count}"
    size = make_folder(folder, count)
    command = [sys.executable, str(Path(__file__).resolve()), "--run", str(folder), str(out)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    shutil.rmtree(folder)
    shutil.rmtree(out)
    return {
        "articles": count,
        "input_mb": round(size / 2**20, 1),
        "translation_units": result["units"],
        "seconds": round(result["seconds"], 2),
        "ms_per_article": round(1000 * result["seconds"] / count, 3),
        "peak_rss_mb": round(result["peak_rss_mb"], 1),
        "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[1000, 10000], help="folder sizes, smallest first")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--run", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        return run_main(*args.run)
    work = Path(tempfile.mkdtemp(prefix="tarjama-scaling-"))
    try:
        runs = []
        for count in args.articles:
            print(f"{count} articles ...", file=sys.stderr, flush=True)
            runs.append(measure(count, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    first, last = runs[0], runs[-1]
    report = {
        "command": " ".join(["python", "scripts/bench_scaling.py", *sys.argv[1:]]),
        "runs": runs,
        "peak_memory_ratio": round(last["peak_rss_mb"] / first["peak_rss_mb"], 3),
        "time_per_article_ratio": round(last["ms_per_article"] / first["ms_per_article"], 3),
        "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
    }
    print("| articles | input MB | units | seconds | ms/article | peak RSS (MB) | load average |")
    print("|---:|---:|---:|---:|---:|---:|---|")
    for run in runs:
        load = " ".join(f"{x:.1f}" for x in run["load_average"])
        print(
            f"| {run['articles']:,} | {run['input_mb']} | {run['translation_units']:,} | {run['seconds']} "
            f"| {run['ms_per_article']} | {run['peak_rss_mb']} | {load} |"
        )
    print(
        f"\npeak memory {report['peak_memory_ratio']}x and time per article {report['time_per_article_ratio']}x"
        f" from {first['articles']:,} to {last['articles']:,} articles"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
        print(f"JSON: {args.json}")


if __name__ == "__main__":
    main()
