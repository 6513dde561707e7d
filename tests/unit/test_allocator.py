"""glibc keeps the vocabulary-sized blocks of decoding on its heap (``tarjama.allocator``).

Each check runs in a process of its own: the settings are process-wide and made once.
A 64 MiB block, the size of one tensor of scores at beam 4 with 64 sentences, is served
by a mapping of its own (counted in ``mallinfo2().hblkhd``) unless the settings are made.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not hasattr(ctypes.CDLL(None), "mallinfo2"),
    reason="glibc 2.33 or later (mallinfo2) on Linux",
)

PROBE = """
import ctypes, sys
from tarjama.allocator import keep_large_blocks

class Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Mallinfo2
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
made = keep_large_blocks() if sys.argv[1] == "keep" else None
before = libc.mallinfo2().hblkhd
block = libc.malloc(64 << 20)
mapped = libc.mallinfo2().hblkhd - before
libc.free(block)
print(made, mapped >= 64 << 20)
"""


def probe(mode: str, **environment: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode], env={**env, **environment}, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_large_block_comes_from_the_heap_once_the_settings_are_made() -> None:
    assert probe("leave") == "None True"  # glibc's own way: a mapping of its own
    assert probe("keep") == "True False"


@pytest.mark.parametrize(
    "setting",
    [{"MALLOC_MMAP_THRESHOLD_": "131072"}, {"GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=131072"}],
    ids=["MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES"],
)
def test_the_users_own_malloc_settings_win(setting: dict[str, str]) -> None:
    assert probe("keep", **setting) == "False True"
