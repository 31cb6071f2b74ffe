"""Shape quality of triangle meshes.

The quality of a triangle with signed area ``A`` and edge lengths ``l1, l2, l3`` is
``q = 4√3·A / (l1² + l2² + l3²)``: 1 for an equilateral triangle, about 0.866 for a right
isosceles one, tending to 0 as the triangle degenerates and negative once it is inverted. The
area is signed with the vertex order of the cell, which Gmsh makes counter-clockwise for the
cells of :func:`lidendrite.geometry.cell.build_cell`; a mesh moved so far that a cell flips has
``q <= 0`` there.
"""

from __future__ import annotations

import math

from mpi4py import MPI

import numpy as np

from lidendrite.fem import dolfinx

__all__ = ["cell_quality", "min_quality", "triangle_quality"]

_SCALE = 4.0 * math.sqrt(3.0)


def triangle_quality(vertices_xy: np.ndarray) -> np.ndarray:
    """Quality of triangles given by their vertex coordinates.

    Args:
        vertices_xy: Array ``(N, 3, 2)`` (or ``(N, 3, 3)``, the third coordinate is ignored)
            of the three vertices of each triangle, in cell order.

    Returns:
        Array ``(N,)`` of ``4√3·A / (l1² + l2² + l3²)`` with ``A`` the signed area
        (positive for counter-clockwise vertices).
    """
    v = np.asarray(vertices_xy, dtype=np.float64)
    return _quality(v[..., 0], v[..., 1])


def cell_quality(mesh: dolfinx.mesh.Mesh) -> np.ndarray:
    """Quality of every cell of this rank (owned cells first, then ghosts).

    Args:
        mesh: A first-order triangle mesh.

    Returns:
        Array of the quality of each local cell, see :func:`triangle_quality`.
    """
    cells = mesh.geometry.dofmaps[0][:, :3]
    x = mesh.geometry.x
    return _quality(x[:, 0][cells], x[:, 1][cells])


def _quality(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """:func:`triangle_quality` of the triangles with vertex coordinates ``xs``, ``ys`` (N, 3).

    Written component by component: six times faster than with (N, 3, 2) arrays on a 3 k-cell
    mesh, and the remesh check evaluates it after every step.
    """
    ax, ay = xs[:, 1] - xs[:, 0], ys[:, 1] - ys[:, 0]
    bx, by = xs[:, 2] - xs[:, 0], ys[:, 2] - ys[:, 0]
    cx, cy = bx - ax, by - ay
    twice_area = ax * by - ay * bx
    sum_sq = ax * ax + ay * ay + bx * bx + by * by + cx * cx + cy * cy
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sum_sq > 0.0, 0.5 * _SCALE * twice_area / sum_sq, 0.0)


def min_quality(mesh: dolfinx.mesh.Mesh) -> float:
    """Smallest cell quality over the whole mesh (collective over ``mesh.comm``).

    Args:
        mesh: A first-order triangle mesh.

    Returns:
        The minimum of :func:`cell_quality` over the owned cells of all ranks.
    """
    num_owned = mesh.topology.index_map(mesh.topology.dim).size_local
    q = cell_quality(mesh)[:num_owned]
    local = float(q.min()) if q.size else math.inf
    return mesh.comm.allreduce(local, op=MPI.MIN)
