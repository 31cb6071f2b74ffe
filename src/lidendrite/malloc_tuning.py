"""glibc's malloc set up for repeated sparse factorisations (once per process, by a run).

MUMPS allocates its factors and work arrays afresh at every numeric factorisation and frees
them after. glibc serves blocks above its mmap threshold with fresh pages that the kernel maps
and zero-fills on first touch (a page fault per 4 KiB) and unmaps again on free; its threshold
adapts to the sizes freed, so whether a factorisation pays this depends on what the process
allocated before. On the seed mesh one fresh LU took 5.7–6.3 ms that way against 4.7–4.9 ms
from reused heap memory, and the whole seed-002 run about 10 % longer (``benchmarks/README.md``).
A run therefore fixes the mmap threshold at :data:`MMAP_THRESHOLD_BYTES` (and the trim threshold
at twice that, as glibc's own adaptation does), so that such blocks are reused.

Only with glibc (Linux). Left as it is where the user chose: ``MALLOC_MMAP_THRESHOLD_``,
``MALLOC_TRIM_THRESHOLD_`` or a ``glibc.malloc`` tunable in the environment, or
``LIDENDRITE_MALLOC_TUNING=0``. The cost: up to the trim threshold of freed memory stays with
the process instead of going back to the system.
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["MMAP_THRESHOLD_BYTES", "TRIM_THRESHOLD_BYTES", "tune_malloc"]

#: Blocks up to this size come from the heap (glibc's largest adaptive threshold on 64 bits).
MMAP_THRESHOLD_BYTES = 32 * 2**20
#: Free memory at the top of the heap kept for reuse before it is returned to the system.
TRIM_THRESHOLD_BYTES = 2 * MMAP_THRESHOLD_BYTES

_M_TRIM_THRESHOLD = -1  # glibc's <malloc.h>
_M_MMAP_THRESHOLD = -3
_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
_tuned = False


def tune_malloc() -> bool:
    """Fix glibc's mmap and trim thresholds (once per process); True where they are set.

    False, and nothing changed, off glibc or where the user chose (see the module docstring).
    """
    global _tuned
    if _tuned:
        return True
    if not sys.platform.startswith("linux") or os.environ.get("LIDENDRITE_MALLOC_TUNING") == "0":
        return False
    if any(key in os.environ for key in _USER_SETTINGS):
        return False
    if "glibc.malloc." in os.environ.get("GLIBC_TUNABLES", ""):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's C library
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    _tuned = (
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
        and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1
    )
    return _tuned
