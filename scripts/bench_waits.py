#!/usr/bin/env python
"""How OpenMP threads should wait: the transformers backend under each wait setting,
side by side, on an idle machine and beside one CPU-bound process per core.

Each setting is a worker process of its own (libgomp reads its environment once, when
torch loads it) that holds the model and translates the same units on request; the
settings take turns, in an order rotated from one repetition to the next, and each
repetition's time is divided by tarjama's default's. Settings:

* ``tarjama``: what tarjama sets when the user set nothing
  (``tarjama.threads.OPENMP_ENVIRONMENT``: ``OMP_WAIT_POLICY=PASSIVE``, sleep at once);
* ``spin``: a short spin before the sleep (``PASSIVE`` and ``GOMP_SPINCOUNT=10000``,
  which libgomp lets override any policy's spin);
* ``libgomp``: libgomp's own waits (a spin of 300,000 turns, then sleep).

The work is ``scripts/bench.py``'s: ANT units, the full-size random-weight model, 32
tokens forced per unit, through ``tarjama.batch.translate_pooled`` with the default
batching.

    python scripts/bench_waits.py [--dtype int8] [--beams 4] [--sentences 64] [--repeats 3] \
        [--json scripts/results/waits.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench  # noqa: E402  (scripts/bench.py: the model, the units, the forced length)
from tarjama.threads import OPENMP_ENVIRONMENT  # noqa: E402

SETTINGS: dict[str, dict[str, str]] = {
    "tarjama": dict(OPENMP_ENVIRONMENT),
    "spin": {"OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": "10000"},
    "libgomp": {},
}
WORKER = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
import bench
from tarjama.backends.transformers import TransformersBackend
from tarjama.batch import translate_pooled

model, dtype = Path(sys.argv[2]), sys.argv[3]
beams, count, tokens = (int(value) for value in sys.argv[4:7])
units, _ = bench.bench_sentences(model, count)
backend = TransformersBackend(str(model), device="cpu", dtype=dtype, beams=beams)
bench.never_end(backend.model)
generate = backend.model.generate
backend.model.generate = lambda **kwargs: generate(**{**kwargs, "max_new_tokens": tokens})
translate_pooled(units[:4], backend, 4096, 64)  # loading is not translating
print("ready", flush=True)
for line in sys.stdin:
    started = time.perf_counter()
    translate_pooled(units, backend, 4096, 64)
    print(time.perf_counter() - started, flush=True)
"""


def start(setting: str, args: argparse.Namespace) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS")}
    env.update(SETTINGS[setting])
    command = [
        sys.executable, "-c", WORKER, str(HERE), str(args.model), args.dtype, str(args.beams),
        str(args.sentences), str(args.target_tokens),
    ]  # fmt: skip
    process = subprocess.Popen(
        command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    if not process.stdout.readline().startswith("ready"):
        raise SystemExit(f"the {setting} worker did not start")
    return process


def measure(workers: dict[str, subprocess.Popen[str]], repeats: int) -> dict[str, list[float]]:
    names = list(workers)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for repeat in range(repeats):
        for name in names[repeat % len(names) :] + names[: repeat % len(names)]:
            worker = workers[name]
            assert worker.stdin is not None and worker.stdout is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
            seconds[name].append(float(worker.stdout.readline()))
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dtype", default="int8", choices=["int8", "float32"])
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--sentences", type=int, default=64)
    parser.add_argument("--target-tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", type=Path, help="full-size model folder (default: scripts/bench.py's)")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from tarjama.cache import default_cache_dir

    args.model = bench.ensure_model(args.model or default_cache_dir() / "bench" / "opus-mt-ar-en-size").resolve()
    workers = {name: start(name, args) for name in SETTINGS}
    report: dict[str, Any] = {
        "command": " ".join(["python", "scripts/bench_waits.py", *sys.argv[1:]]),
        "settings": SETTINGS,
        "environment": bench.environment(),
    }
    try:
        for phase in ("idle", "busy"):
            hogs = bench.busy_processes(bench._cores()) if phase == "busy" else []
            try:
                seconds = measure(workers, args.repeats)
            finally:
                for hog in hogs:
                    hog.kill()
            base = seconds["tarjama"]
            report[phase] = {
                name: {
                    "seconds": [round(t, 3) for t in times],
                    "median_seconds": round(statistics.median(times), 3),
                    # > 1: this setting took longer than tarjama's
                    "over_tarjama": round(statistics.median([t / b for t, b in zip(times, base, strict=True)]), 3),
                }
                for name, times in seconds.items()
            }
            for name, result in report[phase].items():
                print(f"{phase} {name}: {result['median_seconds']} s, {result['over_tarjama']}x tarjama's time")
    finally:
        for worker in workers.values():
            worker.kill()
    report["load_average_after"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"JSON: {args.json}")


if __name__ == "__main__":
    main()
