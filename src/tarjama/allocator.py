"""How the C allocator (glibc's ``malloc``) holds the large blocks of decoding.

At every step of ``generate``, PyTorch allocates and frees several tensors of the
vocabulary's size for every hypothesis: the logits, their float32 copy, the
log-probabilities, the beams' sums. At beam 4, 64 sentences make 256 rows of 62,802
scores (opus-mt-ar-en), 64 MB a tensor. glibc serves a block above its mmap threshold
(which adapts, but never past 32 MiB) with a new mapping, whose pages the kernel
faults in and zeroes on first touch, and unmaps it when it is freed. So every step paid
for fresh pages of every such tensor, and batches whose tensors passed 32 MiB ran
slower per sentence than smaller ones.

Raising the mmap threshold to 256 MiB serves those blocks from the heap, and raising
the trim threshold to 512 MiB keeps what they free there for the next step.
Measured side by side on the full-size model, 64 sentences at beam 4 (2 cores): 130 ms a
sentence before, 85 after, with int8 weights; 170 and 129 with float32. Batches of 32
gained 6-11%.

The price: up to 512 MiB of freed memory stays in the process, so its resident size
stays near its peak until it exits. The settings are process-wide, and are made only
when a model is loaded for the CPU, on glibc, and when the user has not set glibc's
own (``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``, malloc ``GLIBC_TUNABLES``):
those win.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys

MMAP_THRESHOLD = 256 << 20
TRIM_THRESHOLD = 512 << 20
# mallopt's parameters (malloc.h)
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")


@functools.cache
def keep_large_blocks() -> bool:
    """Have glibc serve blocks of up to ``MMAP_THRESHOLD`` from the heap and keep up to
    ``TRIM_THRESHOLD`` of freed memory (see the module's text); once a process. Returns
    whether the settings were made: not on another C library or system, nor when the
    user set glibc's malloc settings."""
    if not sys.platform.startswith("linux") or any(name in os.environ for name in USER_SETTINGS):
        return False
    if "glibc.malloc." in os.environ.get("GLIBC_TUNABLES", ""):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018  (glibc's own; musl has a mallopt that does nothing)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
