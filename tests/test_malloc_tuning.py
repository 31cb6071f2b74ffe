"""A run fixes glibc's malloc thresholds, except where the user chose otherwise.

``tune_malloc`` runs in a fresh interpreter each time (it acts once per process). Evidence that
the thresholds took effect, read from ``/proc/self/maps``: a 4 MiB block, which glibc maps on
its own by default (its threshold starts at 128 KiB), lies in the heap after the tuning. With
``LIDENDRITE_MALLOC_TUNING=0`` or a threshold of the user's in the environment malloc is left
as it is.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

PROBE = """
import ctypes
from lidendrite.malloc_tuning import tune_malloc
tuned = tune_malloc()
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
block = libc.malloc(4 * 2**20)
in_heap = False
for line in open("/proc/self/maps"):
    start, end = (int(a, 16) for a in line.split()[0].split("-"))
    in_heap |= line.rstrip().endswith("[heap]") and start <= block < end
libc.free(block)
print(tuned, in_heap)
"""


def _probe(**env: str) -> tuple[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    environment.pop("LIDENDRITE_MALLOC_TUNING", None)
    environment.update(env)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, check=True
    )
    tuned, in_heap = out.stdout.split()
    return tuned, in_heap


@pytest.mark.serial
@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")
def test_a_run_serves_large_blocks_from_the_heap():
    assert _probe() == ("True", "True")
    # without the tuning glibc maps a 4 MiB block of its own (its threshold starts at 128 KiB)
    assert _probe(LIDENDRITE_MALLOC_TUNING="0") == ("False", "False")
    # the user's own threshold is left alone
    assert _probe(MALLOC_MMAP_THRESHOLD_="131072")[0] == "False"
