"""How many CPU threads translation uses, and how the thread pools are set up.

The default is the number of cores this process may use, not the machine's: its CPU
affinity (``taskset``, a scheduler's CPU set), lowered by a cgroup CPU quota (a container
given 2 of 64 cores), or ``OMP_NUM_THREADS`` when it is set (Ray sets it for each
worker).

What makes a busy machine slow is not the thread count but how threads wait. Every
parallel step of a fork-join pool waits for its slowest thread, and libgomp's waiting
threads spin by default: when other work holds a core, the spinning thread takes CPU
time from the one it waits for. On a 2-core machine with one CPU-bound process per core
beside it, a 16-sentence generate took 85 s with torch's two threads as they come
(81 s with ``OMP_WAIT_POLICY=ACTIVE``), 12 s with ``OMP_WAIT_POLICY=PASSIVE``, and
17-24 s with one thread (see the README's Performance section). So OpenMP threads sleep
when they wait (``PASSIVE``), which keeps all the cores worth using, torch gets
``threads`` intra-op threads and one inter-op thread (generation has no independent
operators to overlap), and CTranslate2 shares them out as workers, which do not wait on
each other at all.

A short spin before the sleep (``GOMP_SPINCOUNT=10000``) was measured too
(``scripts/bench_waits.py``, the int8 backend at beam 4): 5-18% faster than ``PASSIVE``
on an idle machine, but 2-31% slower beside one CPU-bound process per core, so the
default stays ``PASSIVE``; on a machine of your own, set ``GOMP_SPINCOUNT`` yourself.
"""

from __future__ import annotations

import contextlib
import math
import os
from pathlib import Path

# libgomp's environment, read once when the OpenMP runtime starts (torch and CTranslate2 each
# load one); a value the user set wins
OPENMP_ENVIRONMENT = {"OMP_WAIT_POLICY": "PASSIVE"}
PROC_CGROUP = Path("/proc/self/cgroup")


def available_cores() -> int:
    """The cores this process may run on: its CPU affinity, lowered by a cgroup CPU
    quota when one is set; at least 1."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    quota = cgroup_cpu_quota()
    if quota is not None:
        cores = min(cores, max(1, math.ceil(quota)))
    return max(1, cores)


def default_threads() -> int:
    """The threads a backend uses unless told: ``OMP_NUM_THREADS`` when it is set to a
    positive number, else ``available_cores()``."""
    value = os.environ.get("OMP_NUM_THREADS", "")
    if value.isdigit() and int(value) > 0:
        return int(value)
    return available_cores()


def cgroup_cpu_quota(root: str | os.PathLike[str] = "/sys/fs/cgroup") -> float | None:
    """Cores' worth of CPU time the process's cgroup may use (``cpu.max`` in cgroup v2,
    ``cpu.cfs_quota_us / cpu.cfs_period_us`` in v1), or ``None`` without a quota."""
    base = Path(root)
    try:
        groups = PROC_CGROUP.read_text(encoding="utf-8").splitlines()
    except OSError:
        groups = []
    for line in groups:
        _, controllers, path = line.split(":", 2)
        relative = path.lstrip("/")
        if controllers == "":  # v2: one hierarchy
            quota = _read_v2(base / relative / "cpu.max") or _read_v2(base / "cpu.max")
        elif "cpu" in controllers.split(","):
            folder = base / controllers
            quota = _read_v1(folder / relative) or _read_v1(folder)
        else:
            continue
        if quota is not None:
            return quota
    return None


def _read_v2(path: Path) -> float | None:
    try:
        limit, _, period = path.read_text(encoding="utf-8").strip().partition(" ")
    except OSError:
        return None
    if limit == "max" or not limit.isdigit() or not period.isdigit() or int(period) <= 0:
        return None
    return int(limit) / int(period)


def _read_v1(folder: Path) -> float | None:
    try:
        limit = int((folder / "cpu.cfs_quota_us").read_text(encoding="utf-8"))
        period = int((folder / "cpu.cfs_period_us").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return limit / period if limit > 0 and period > 0 else None


def prepare_openmp() -> None:
    """Set the OpenMP environment (``OPENMP_ENVIRONMENT``) before a backend loads its
    runtime; values already set, by the user or the shell, are kept. libgomp reads the
    environment once, when it is loaded (by ``import torch`` or ``import ctranslate2``):
    in a program that imported either before, set ``OMP_WAIT_POLICY`` yourself."""
    for name, value in OPENMP_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def configure_torch(threads: int) -> None:
    """``threads`` intra-op threads and one inter-op thread for torch in this process.

    torch accepts the inter-op count only before its first parallel work; when that has
    happened (a program that used torch before), its pool is left as it is."""
    import torch

    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    if torch.get_num_interop_threads() != 1:
        # "cannot set number of interop threads after parallel work has started"
        with contextlib.suppress(RuntimeError):
            torch.set_num_interop_threads(1)
