"""Frames for ParaView: VTK XML unstructured grids (``.vtu``) and the collection (``.pvd``).

Each frame of a run is also written as ``run_dir/fields/frame_XXXXX.vtu`` (inline base64
binary, points in µm padded to 3D, the material tags as the cell array ``cell_tags``, the
simulated time as the field array ``TimeValue``), listed with its time in ``run_dir/fields.pvd``.
Opens in ParaView and in ``pyvista.read``. Nothing here needs MPI, DOLFINx or VTK; call on one
process only (rank 0).

A run writes them through :class:`VtuSeries`, which keeps what does not change from frame to
frame: the encoded cells while the mesh stays (mesh motion moves nodes only), and the lines of
the collection, which it rewrites at most every few seconds. That more than halves the cost
of a seed-mesh frame (``benchmarks/README.md``).
"""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np

from lidendrite.io.frames import FrameData, atomic_write, validate_frame

__all__ = ["VtuSeries", "write_pvd", "write_vtu"]

_VTK_TRIANGLE = 5
#: The least wall time between two rewrites of a run's ``fields.pvd``, s.
PVD_REWRITE_EVERY_S = 5.0
_VTK_TYPES = {
    np.dtype(np.float64): "Float64",
    np.dtype(np.float32): "Float32",
    np.dtype(np.int64): "Int64",
    np.dtype(np.int32): "Int32",
    np.dtype(np.uint8): "UInt8",
}


def _data_array(
    name: str, values: np.ndarray, n_components: int = 1, *, tuples: bool = False
) -> str:
    """One inline binary ``DataArray``: base64 of a UInt64 byte count, then base64 of the data.

    The two parts are encoded separately, as VTK itself writes them.
    """
    values = np.ascontiguousarray(values)
    vtk_type = _VTK_TYPES[values.dtype]
    raw = values.astype(values.dtype.newbyteorder("<"), copy=False).tobytes()
    header = np.array([len(raw)], dtype="<u8").tobytes()
    payload = (base64.b64encode(header) + base64.b64encode(raw)).decode("ascii")
    count = f'NumberOfTuples="{values.size // n_components}" ' if tuples else ""
    return (
        f'<DataArray type="{vtk_type}" Name={quoteattr(name)} {count}'
        f'NumberOfComponents="{n_components}" format="binary">{payload}</DataArray>'
    )


def _pad3(values: np.ndarray) -> np.ndarray:
    """(N, 2) -> (N, 3) with a zero third component."""
    out = np.zeros((values.shape[0], 3), dtype=np.float64)
    out[:, : values.shape[1]] = values
    return out


def _cells_xml(frame: FrameData) -> tuple[str, str]:
    """The ``CellData`` and ``Cells`` elements of a frame (its material tags and triangles)."""
    m = frame.n_cells
    cell_data = "\n".join(
        [
            '<CellData Scalars="cell_tags">',
            _data_array("cell_tags", frame.cell_tags),
            "</CellData>",
        ]
    )
    cells = "\n".join(
        [
            "<Cells>",
            _data_array("connectivity", frame.triangles.ravel()),
            _data_array("offsets", np.arange(3, 3 * m + 1, 3, dtype=np.int64)),
            _data_array("types", np.full(m, _VTK_TRIANGLE, dtype=np.uint8)),
            "</Cells>",
        ]
    )
    return cell_data, cells


def _vtu_text(frame: FrameData, cells_xml: tuple[str, str]) -> str:
    point_arrays = []
    for name, values in frame.point_data.items():
        if values.ndim == 2:
            point_arrays.append(_data_array(name, _pad3(values), 3))
        else:
            point_arrays.append(_data_array(name, values))
    cell_data, cells = cells_xml
    parts = [
        '<?xml version="1.0"?>',
        '<VTKFile type="UnstructuredGrid" version="1.0" byte_order="LittleEndian" '
        'header_type="UInt64">',
        "<UnstructuredGrid>",
        "<FieldData>",
        _data_array("TimeValue", np.array([frame.time_s], dtype=np.float64), tuples=True),
        "</FieldData>",
        f'<Piece NumberOfPoints="{frame.n_points}" NumberOfCells="{frame.n_cells}">',
        "<PointData>",
        *point_arrays,
        "</PointData>",
        cell_data,
        "<Points>",
        _data_array("Points", _pad3(frame.points_um), 3),
        "</Points>",
        cells,
        "</Piece>",
        "</UnstructuredGrid>",
        "</VTKFile>",
        "",
    ]
    return "\n".join(parts)


def write_vtu(path: Path, frame: FrameData) -> None:
    """Write a frame as a VTK XML unstructured grid (``.vtu``, inline base64 binary).

    Points are padded to 3D (z = 0, in µm), the cells are triangles, every point-data array is
    written (2D vectors padded to 3 components) and the material tags are the cell array
    ``cell_tags``. The simulated time is stored as the field array ``TimeValue``. Opens in
    ParaView and in ``pyvista.read``. Call on one process only (rank 0).
    """
    validate_frame(frame)
    text = _vtu_text(frame, _cells_xml(frame))
    atomic_write(Path(path), lambda fh: fh.write(text), mode="w")


def _pvd_line(time_s: float, file: str) -> str:
    rel = Path(file).as_posix()
    return f'<DataSet timestep="{float(time_s)!r}" group="" part="0" file={quoteattr(rel)}/>'


def _write_pvd_lines(path: Path, lines: Sequence[str]) -> None:
    head = [
        '<?xml version="1.0"?>',
        '<VTKFile type="Collection" version="0.1" byte_order="LittleEndian">',
        "<Collection>",
    ]
    text = "\n".join([*head, *lines, "</Collection>", "</VTKFile>", ""])
    atomic_write(Path(path), lambda fh: fh.write(text), mode="w")


def write_pvd(path: Path, entries: Sequence[tuple[float, str]]) -> None:
    """Write a ParaView collection listing ``(time_s, vtu path relative to the .pvd)``.

    The file is replaced atomically. Call on one process only (rank 0).
    """
    _write_pvd_lines(path, [_pvd_line(t, f) for t, f in entries])


class VtuSeries:
    """The ``.vtu`` frames of a run and their collection ``fields.pvd`` (rank 0 only).

    Each frame's ``.vtu`` is written at once; the collection lists every frame so far and is
    rewritten whole, so it is rewritten at most every ``rewrite_every_s`` of wall time (and by
    :meth:`flush`, which the recorder calls when it closes); after every frame it cost about
    half as much as the frame's ``.vtu`` on the seed mesh. A run killed outright leaves a
    collection at most that old; resumed, it is written again from the checkpoint's entries.

    Args:
        run_dir: the run directory.
        entries: ``(time_s, vtu path relative to run_dir)`` of the frames already written
            (a resumed run); :meth:`append` adds to them.
        rewrite_every_s: the least wall time between two rewrites of the collection, s.
    """

    def __init__(
        self,
        run_dir: Path,
        entries: Sequence[tuple[float, str]] = (),
        rewrite_every_s: float = PVD_REWRITE_EVERY_S,
    ):
        self.pvd_path = Path(run_dir) / "fields.pvd"
        self.fields_dir = Path(run_dir) / "fields"
        self.entries: list[tuple[float, str]] = [(float(t), str(f)) for t, f in entries]
        self._lines = [_pvd_line(t, f) for t, f in self.entries]
        # the last frame's cells: (triangles, cell tags, their XML)
        self._cells: tuple[np.ndarray, np.ndarray, tuple[str, str]] | None = None
        self.rewrite_every_s = rewrite_every_s
        self._written_at = -math.inf  # when the collection was last written (monotonic, s)
        self._pending = False  # entries not yet in the file

    def write_collection(self) -> None:
        """(Re)write ``fields.pvd`` with the entries so far."""
        _write_pvd_lines(self.pvd_path, self._lines)
        self._written_at = time.monotonic()
        self._pending = False

    def flush(self) -> None:
        """Write the collection if it lacks entries."""
        if self._pending:
            self.write_collection()

    def append(self, index: int, frame: FrameData) -> None:
        """Write ``frame`` as ``fields/frame_{index:05d}.vtu`` and list it in the collection."""
        validate_frame(frame)
        cached = self._cells
        if (
            cached is None
            or not np.array_equal(cached[0], frame.triangles)
            or not np.array_equal(cached[1], frame.cell_tags)
        ):
            cached = (frame.triangles.copy(), frame.cell_tags.copy(), _cells_xml(frame))
            self._cells = cached
        name = f"frame_{index:05d}.vtu"
        self.fields_dir.mkdir(exist_ok=True)
        text = _vtu_text(frame, cached[2])
        atomic_write(self.fields_dir / name, lambda fh: fh.write(text), "w")
        rel = f"{self.fields_dir.name}/{name}"
        self.entries.append((frame.time_s, rel))
        self._lines.append(_pvd_line(frame.time_s, rel))
        self._pending = True
        if time.monotonic() - self._written_at >= self.rewrite_every_s:
            self.write_collection()
