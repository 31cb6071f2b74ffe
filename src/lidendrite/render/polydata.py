"""Numpy arrays to PyVista poly data in the drawing plane.

Owns the conversions every layer of a figure uses: 2D points padded to 3D at a chosen depth
``z`` (layers are stacked by small z offsets towards the camera), triangulated polygons,
line segments joined into polylines, and reading the polyline cells of poly data back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["line_cells", "pad3", "polygon", "polyline_data", "polyline_pieces", "segment_lines"]


def pad3(xy: np.ndarray, z: float = 0.0) -> np.ndarray:
    """(K, 3) points: the (K, 2) ``xy`` at height ``z``."""
    out = np.empty((len(xy), 3), dtype=np.float64)
    out[:, :2] = xy
    out[:, 2] = z
    return out


def polygon(pv: Any, outline: np.ndarray, z: float) -> Any:
    """Triangulated simple polygon."""
    n = len(outline)
    poly = pv.PolyData(pad3(outline, z), faces=np.concatenate([[n], np.arange(n)]))
    return poly.triangulate()


def segment_lines(pv: Any, segments: np.ndarray, points: np.ndarray, z: float) -> Any:
    """Poly data of the segments ``(E, 2)`` of vertex pairs into ``points``.

    The segments are joined into polylines, so that wide lines have no gaps at their joints.
    """
    used, inverse = np.unique(segments.ravel(), return_inverse=True)
    cells = np.column_stack([np.full(len(segments), 2), inverse.reshape(-1, 2)])
    return pv.PolyData(pad3(points[used], z), lines=cells.ravel()).strip(join=True)


def polyline_pieces(pv: Any, pieces: list[np.ndarray], z: float) -> Any:
    """Several polylines (each (K, 2)) in one poly data."""
    points = np.vstack(pieces)
    cells, start = [], 0
    for piece in pieces:
        cells += [len(piece), *range(start, start + len(piece))]
        start += len(piece)
    return pv.PolyData(pad3(points, z), lines=np.array(cells))


def polyline_data(pv: Any, line: np.ndarray, z: float) -> Any:
    """One polyline cell through the points of ``line`` (K, 2), keeping their coordinates."""
    n = len(line)
    return pv.PolyData(pad3(line, z), lines=np.concatenate([[n], np.arange(n)]))


def line_cells(lines: Any) -> list[np.ndarray]:
    """Point-index arrays of the polyline cells of poly data."""
    raw = np.asarray(lines.lines)
    out, i = [], 0
    while i < len(raw):
        k = int(raw[i])
        out.append(raw[i + 1 : i + 1 + k])
        i += k + 1
    return out
