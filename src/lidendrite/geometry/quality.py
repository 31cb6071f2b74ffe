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
    v = np.asarray(vertices_xy, dtype=np.float64)[..., :2]
    e1 = v[:, 1] - v[:, 0]
    e2 = v[:, 2] - v[:, 0]
    e3 = v[:, 2] - v[:, 1]
    area = 0.5 * (e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])
    sum_sq = np.sum(e1 * e1, axis=1) + np.sum(e2 * e2, axis=1) + np.sum(e3 * e3, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(sum_sq > 0.0, _SCALE * area / sum_sq, 0.0)
    return q


def cell_quality(mesh: dolfinx.mesh.Mesh) -> np.ndarray:
    """Quality of every cell of this rank (owned cells first, then ghosts).

    Args:
        mesh: A first-order triangle mesh.

    Returns:
        Array of the quality of each local cell, see :func:`triangle_quality`.
    """
    dofmap = mesh.geometry.dofmaps[0]
    return triangle_quality(mesh.geometry.x[dofmap[:, :3]])


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
