"""``.npz`` archives written in one pass, their deflated members kept while they repeat.

A frame of a run is an ``.npz`` (a zip archive of ``.npy`` members, what ``np.savez`` writes and
``np.load`` reads) whose integer arrays (the mesh topology: triangles, facets, tags) are deflated
and whose floats are stored. Through :mod:`zipfile` each member costs a header written, sought
back to and patched, and the deflation of the topology is repeated at every frame although the
mesh only changes at a remesh: 1.0 ms of a seed-mesh frame's 1.5 ms, 0.4 ms of it deflating the
triangles. :func:`write_npz` encodes every member in memory, writes the archive in one call and,
given a :class:`DeflateCache`, deflates an array again only when it changed: 0.15–0.2 ms, the
frame with its file 0.65 ms (``benchmarks/README.md``). The archive is the one :mod:`zipfile`
writes (no data descriptors, sizes in the headers), and ``np.load`` and ``zipfile`` read it and
check its CRCs; an archive beyond the 4 GiB of a plain zip (ZIP64) is left to :mod:`zipfile`.
"""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["DeflateCache", "write_npz"]

# the records of a zip archive (APPNOTE 4.3.7, 4.3.12, 4.3.16; zipfile's structFileHeader,
# structCentralDir, structEndArchive)
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_VERSION = 20  # 2.0: deflate
_UNIX = 3
_STORED, _DEFLATED = 0, 8
_ZIP32_LIMIT = 0xFFFFFFFF
_LEVEL = 1  # zlib's fastest: the topology compresses 3-5x at it


def _npy(values: np.ndarray) -> bytes:
    """``values`` as the bytes of an ``.npy`` file."""
    out = io.BytesIO()
    np.lib.format.write_array(out, values, allow_pickle=False)
    return out.getvalue()


def _deflate(raw: bytes) -> tuple[int, int, bytes]:
    """(CRC-32, size, raw deflate stream) of ``raw``, as a zip member stores it."""
    compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return zlib.crc32(raw), len(raw), compressor.compress(raw) + compressor.flush()


class DeflateCache:
    """The deflated members of the last archive, by name, to reuse while their array repeats.

    An array is compared with the one kept (dtype, shape and values) before its member is
    reused, so a changed array is always deflated again.
    """

    def __init__(self) -> None:
        self._kept: dict[str, tuple[np.ndarray, tuple[int, int, bytes]]] = {}

    def deflated(self, name: str, values: np.ndarray) -> tuple[int, int, bytes]:
        """(CRC-32, size, deflated bytes) of the ``.npy`` member of ``values``."""
        kept = self._kept.get(name)
        if (
            kept is not None
            and kept[0].dtype == values.dtype
            and kept[0].shape == values.shape
            and np.array_equal(kept[0], values)
        ):
            return kept[1]
        member = _deflate(_npy(values))
        self._kept[name] = (values.copy(), member)
        return member


def _is_integer(values: np.ndarray) -> bool:
    return values.dtype.kind != "f"


def write_npz(
    fh: Any,
    arrays: Mapping[str, np.ndarray],
    deflate: Callable[[np.ndarray], bool] = _is_integer,
    cache: DeflateCache | None = None,
) -> None:
    """Write ``arrays`` to the binary file ``fh`` as an ``.npz`` archive (members ``name.npy``).

    Args:
        fh: a binary file open for writing.
        arrays: the arrays by name (any dtype ``np.save`` writes without pickling).
        deflate: which arrays to deflate (zlib level 1); the others are stored. Default: all
            but the floating-point ones.
        cache: deflated members kept from earlier archives (reused while their array repeats).
    """
    cache = cache if cache is not None else DeflateCache()
    now = time.localtime()
    dos_time = now.tm_hour << 11 | now.tm_min << 5 | now.tm_sec // 2
    dos_date = (max(now.tm_year, 1980) - 1980) << 9 | now.tm_mon << 5 | now.tm_mday
    parts: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, values in arrays.items():
        values = np.asanyarray(values)
        member = f"{name}.npy".encode()
        if deflate(values):
            method = _DEFLATED
            crc, size, data = cache.deflated(name, values)
        else:
            method = _STORED
            data = _npy(values)
            crc, size = zlib.crc32(data), len(data)
        if max(size, offset + len(data)) >= _ZIP32_LIMIT or len(arrays) >= 0xFFFF:
            _write_with_zipfile(fh, arrays, deflate)  # ZIP64 (nothing written yet)
            return
        common = (method, dos_time, dos_date, crc, len(data), size, len(member))
        parts += [_LOCAL.pack(b"PK\x03\x04", _VERSION, 0, 0, *common, 0), member, data]
        central += [
            _CENTRAL.pack(
                b"PK\x01\x02", _VERSION, _UNIX, _VERSION, 0, 0, *common, 0, 0, 0, 0,
                0o600 << 16, offset,
            ),
            member,
        ]  # fmt: skip
        offset += _LOCAL.size + len(member) + len(data)
    directory = b"".join(central)
    n = len(arrays)
    parts += [directory, _END.pack(b"PK\x05\x06", 0, 0, n, n, len(directory), offset, 0)]
    fh.write(b"".join(parts))


def _write_with_zipfile(
    fh: Any, arrays: Mapping[str, np.ndarray], deflate: Callable[[np.ndarray], bool]
) -> None:
    """The same archive through :mod:`zipfile` (which writes ZIP64 records where needed)."""
    stamp = time.localtime()[:6]
    with zipfile.ZipFile(fh, "w", allowZip64=True) as zf:
        for name, values in arrays.items():
            values = np.asanyarray(values)
            info = zipfile.ZipInfo(f"{name}.npy", stamp)
            info.compress_type = zipfile.ZIP_DEFLATED if deflate(values) else zipfile.ZIP_STORED
            info.compress_level = _LEVEL
            with zf.open(info, "w", force_zip64=True) as out:
                np.lib.format.write_array(out, values, allow_pickle=False)
