"""The moving Li boundary as an ordered polyline, with its normals and curvature.

:func:`boundary_polyline` turns the tagged facets of a distributed mesh into one ordered polyline
that every rank holds in full, plus the map from this rank's mesh nodes to its vertices. Normals,
curvature and length (pure NumPy, with the orientation conventions) live in
:mod:`lidendrite.geometry.polyline` and are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lidendrite.errors import GeometryError
from lidendrite.fem import dolfinx
from lidendrite.geometry.polyline import polyline_curvature, polyline_length, polyline_normals

__all__ = [
    "BoundaryPolyline",
    "boundary_polyline",
    "moved_polyline",
    "polyline_curvature",
    "polyline_length",
    "polyline_normals",
]


@dataclass
class BoundaryPolyline:
    """A tagged mesh boundary as an ordered open polyline.

    Attributes:
        xy: Array ``(K, 2)`` of the ordered vertex coordinates (µm), identical on all ranks.
        local_nodes: Indices into ``mesh.geometry.x`` of this rank's nodes (owned and ghost) that
            lie on the boundary.
        local_to_polyline: For each entry of ``local_nodes``, its index in ``xy``.
    """

    xy: np.ndarray
    local_nodes: np.ndarray
    local_to_polyline: np.ndarray


def _chain(edges: np.ndarray, coords: np.ndarray, tag: int) -> np.ndarray:
    """Order the vertices ``0..V-1`` joined by ``edges`` ``(E, 2)`` into one open path."""
    num_vertices = coords.shape[0]
    degree = np.bincount(edges.ravel(), minlength=num_vertices)
    ends = np.flatnonzero(degree == 1)
    if edges.shape[0] != num_vertices - 1 or np.any(degree > 2) or ends.size != 2:
        raise GeometryError(
            f"the facets tagged {tag} do not form a single open curve "
            f"({edges.shape[0]} facets, {num_vertices} vertices, {ends.size} ends)"
        )
    neighbours = [[] for _ in range(num_vertices)]
    for a, b in edges.tolist():
        neighbours[a].append(b)
        neighbours[b].append(a)
    # Start at the end with the smaller x (then the smaller y).
    e0, e1 = ends.tolist()
    start = e0 if (coords[e0, 0], coords[e0, 1]) <= (coords[e1, 0], coords[e1, 1]) else e1
    order = [start]
    previous, current = -1, start
    for _ in range(num_vertices - 1):
        ahead = [v for v in neighbours[current] if v != previous]
        if not ahead:
            break
        previous, current = current, ahead[0]
        order.append(current)
    if len(order) != num_vertices:
        raise GeometryError(f"the facets tagged {tag} do not form a single connected curve")
    return np.asarray(order, dtype=np.int64)


def boundary_polyline(
    mesh: dolfinx.mesh.Mesh, facet_tags: dolfinx.mesh.MeshTags, tag: int
) -> BoundaryPolyline:
    """Gather the facets with a tag into one ordered polyline (collective over ``mesh.comm``).

    Vertices are identified across ranks by ``mesh.geometry.input_global_indices`` (first-order
    geometry: one node per vertex). The polyline starts at the end with the smaller ``x``. It
    depends only on the mesh, not on the number of ranks or the partition.

    Args:
        mesh: First-order triangle mesh.
        facet_tags: Facet tags of ``mesh``.
        tag: The tag of the boundary (e.g. ``tags.ANODE``).

    Returns:
        The polyline and this rank's nodes on it.

    Raises:
        GeometryError: No facet has the tag, or the tagged facets are not one open curve.
    """
    comm = mesh.comm
    fdim = mesh.topology.dim - 1
    geometry = mesh.geometry
    input_ids = np.asarray(geometry.input_global_indices, dtype=np.int64)
    facets = facet_tags.indices[facet_tags.values == tag].astype(np.int32)
    nodes = dolfinx.mesh.entities_to_geometry(mesh, fdim, facets, False)[:, :2]
    local_ids = input_ids[nodes]
    local_xy = geometry.x[nodes][:, :, :2]

    gathered = comm.allgather((local_ids.reshape(-1, 2), local_xy.reshape(-1, 2, 2)))
    ids = np.concatenate([g[0] for g in gathered]).reshape(-1, 2)
    xy = np.concatenate([g[1] for g in gathered]).reshape(-1, 2, 2)
    if ids.shape[0] == 0:
        raise GeometryError(f"no facet is tagged {tag}")

    vertex_ids, first, inverse = np.unique(ids.ravel(), return_index=True, return_inverse=True)
    vertex_xy = xy.reshape(-1, 2)[first]
    edges = np.unique(np.sort(inverse.reshape(-1, 2), axis=1), axis=0)
    order = _chain(edges, vertex_xy, tag)

    # Position of each vertex id in the polyline, then this rank's nodes that carry one of them.
    position = np.empty(order.size, dtype=np.int64)
    position[order] = np.arange(order.size)
    candidates = np.searchsorted(vertex_ids, input_ids)
    candidates[candidates == vertex_ids.size] = 0
    on_boundary = vertex_ids[candidates] == input_ids
    local_nodes = np.flatnonzero(on_boundary).astype(np.int32)
    local_to_polyline = position[candidates[on_boundary]]
    return BoundaryPolyline(
        xy=np.ascontiguousarray(vertex_xy[order]),
        local_nodes=local_nodes,
        local_to_polyline=local_to_polyline,
    )


def moved_polyline(mesh: dolfinx.mesh.Mesh, poly: BoundaryPolyline) -> BoundaryPolyline:
    """The same polyline at the current node coordinates (collective over ``mesh.comm``).

    Moving the nodes (ALE) keeps the facets and hence the vertex order: only the coordinates
    are gathered again, not re-chained as :func:`boundary_polyline` does.
    """
    xy = np.empty_like(poly.xy)
    local_xy = mesh.geometry.x[poly.local_nodes, :2]
    if mesh.comm.size == 1:
        xy[poly.local_to_polyline] = local_xy  # no pickled round trip
    else:
        for index, coords in mesh.comm.allgather((poly.local_to_polyline, local_xy)):
            xy[index] = coords
    return BoundaryPolyline(
        xy=xy, local_nodes=poly.local_nodes, local_to_polyline=poly.local_to_polyline
    )
