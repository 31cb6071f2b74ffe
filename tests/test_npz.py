"""``.npz`` archives written in one pass: read back by ``np.load`` and checked by ``zipfile``.

References: NumPy's own reader (``np.load``) must return every array unchanged, and Python's
``zipfile`` must find every member's CRC-32 correct (``testzip``), the integers deflated and the
floats stored. A deflated member kept in the cache must be written again when its array changes
(same dtype and shape, other values), and only then; past the plain zip's limits the archive
is left to ``zipfile`` (ZIP64), here forced with a tiny limit.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from lidendrite.io import npz
from lidendrite.io.npz import DeflateCache, write_npz


def _arrays(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "format_version": np.array(1, dtype=np.int64),
        "time_s": np.array(12.5),
        "points_um": rng.uniform(0.0, 5.0, (40, 2)),
        "triangles": rng.integers(0, 40, (60, 3)).astype(np.int64),
        "cell_tags": np.full(60, 3, dtype=np.int32),
        "empty": np.zeros((0, 2), dtype=np.int64),
        "meta_json": np.array('{"title": "ünïcode"}'),
        "point_data/c_cation_mol_per_m3": rng.uniform(900.0, 1100.0, 40),
    }


def _written(arrays, **kwargs) -> bytes:
    out = io.BytesIO()
    write_npz(out, arrays, **kwargs)
    return out.getvalue()


def _assert_loads_as(data: bytes, arrays: dict[str, np.ndarray]) -> None:
    with np.load(io.BytesIO(data), allow_pickle=False) as got:
        assert sorted(got.files) == sorted(arrays)
        for name, values in arrays.items():
            assert got[name].dtype == values.dtype, name
            np.testing.assert_array_equal(got[name], values, err_msg=name)


def test_numpy_and_zipfile_read_it_back():
    arrays = _arrays()
    data = _written(arrays)
    _assert_loads_as(data, arrays)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None  # every CRC-32 right
        kinds = {i.filename: i.compress_type for i in archive.infolist()}
    for name, values in arrays.items():
        want = zipfile.ZIP_STORED if values.dtype.kind == "f" else zipfile.ZIP_DEFLATED
        assert kinds[f"{name}.npy"] == want, name


def test_a_cached_member_is_reused_only_while_its_array_repeats(monkeypatch):
    deflated = []
    real = npz._deflate
    monkeypatch.setattr(npz, "_deflate", lambda raw: deflated.append(len(raw)) or real(raw))
    cache = DeflateCache()
    first = _arrays()
    _assert_loads_as(_written(first, cache=cache), first)
    n_integer = sum(v.dtype.kind != "f" for v in first.values())
    assert len(deflated) == n_integer
    # the same arrays again (new objects, equal values): nothing deflated again
    again = {k: v.copy() for k, v in first.items()}
    _assert_loads_as(_written(again, cache=cache), again)
    assert len(deflated) == n_integer
    # other triangles of the same shape and dtype (a remesh): deflated again, and written
    changed = dict(again, triangles=again["triangles"][::-1].copy())
    _assert_loads_as(_written(changed, cache=cache), changed)
    assert len(deflated) == n_integer + 1
    # another dtype with the same values is another member
    retyped = dict(changed, triangles=changed["triangles"].astype(np.int32))
    _assert_loads_as(_written(retyped, cache=cache), retyped)
    assert len(deflated) == n_integer + 2


@pytest.mark.parametrize("cache", [None, DeflateCache()], ids=["fresh", "cached"])
def test_beyond_the_plain_zip_limits_zipfile_writes_it(monkeypatch, cache):
    monkeypatch.setattr(npz, "_ZIP32_LIMIT", 1000)
    arrays = _arrays()
    data = _written(arrays, cache=cache)
    _assert_loads_as(data, arrays)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
