"""The moving Li boundary as an ordered polyline, with its normals and curvature.

:func:`boundary_polyline` turns the tagged facets of a distributed mesh into one ordered polyline
that every rank holds in full, plus the map from this rank's mesh nodes to its vertices. The
other functions are pure numpy on ``(K, 2)`` vertex arrays (µm).

Orientation: ``side = +1`` means the electrolyte lies to the left of the direction of travel
(the anode ordered by increasing ``x``), ``side = -1`` to the right (the counter electrode
ordered by increasing ``x``). Normals point into the electrolyte; the curvature is positive where
the boundary bulges into the electrolyte.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lidendrite.errors import GeometryError
from lidendrite.fem import dolfinx

__all__ = [
    "BoundaryPolyline",
    "boundary_polyline",
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


def _with_mirrored_ends(xy: np.ndarray, mirror_ends: bool, periodic: bool = False) -> np.ndarray:
    """The vertices, with a ghost point mirrored about the vertical line through each end.

    With ``periodic`` the ghost points are the periodic images of the neighbours of the other
    end (the polyline continues with period W = x_K - x_0).
    """
    if periodic:
        shift = np.array([xy[-1, 0] - xy[0, 0], 0.0])
        return np.vstack([xy[-2] - shift, xy, xy[1] + shift])
    if not mirror_ends:
        return xy
    first = np.array([2.0 * xy[0, 0] - xy[1, 0], xy[1, 1]])
    last = np.array([2.0 * xy[-1, 0] - xy[-2, 0], xy[-2, 1]])
    return np.vstack([first, xy, last])


def _check(xy: np.ndarray) -> np.ndarray:
    xy = np.asarray(xy, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2 or xy.shape[0] < 2:
        raise GeometryError(f"a polyline needs an array of shape (K >= 2, 2), got {xy.shape}")
    if np.any(np.hypot(*np.diff(xy, axis=0).T) == 0.0):
        raise GeometryError("the polyline has two consecutive identical vertices")
    return xy


def polyline_normals(
    xy: np.ndarray, side: int = +1, mirror_ends: bool = True, periodic: bool = False
) -> np.ndarray:
    """Unit vertex normals pointing into the electrolyte.

    The normal at a vertex is the normalised average of the unit normals of its two segments.
    With ``mirror_ends`` the end points get a ghost neighbour mirrored about the vertical wall
    through them, which makes the end normals exactly vertical (zero slope at the insulating
    side walls); without it an end takes the normal of its only segment.

    Args:
        xy: Array ``(K, 2)`` of ordered vertices.
        side: +1 if the electrolyte lies left of the direction of travel, -1 if right.
        mirror_ends: Mirror the ends about the side walls.
        periodic: The polyline is one period of a periodic curve (periodic side walls); the
            ends take their neighbours from the other end (overrides ``mirror_ends``).

    Returns:
        Array ``(K, 2)`` of unit normals.
    """
    xy = _check(xy)
    ext = _with_mirrored_ends(xy, mirror_ends, periodic)
    mirror_ends = mirror_ends or periodic
    seg = np.diff(ext, axis=0)
    seg_length = np.hypot(seg[:, 0], seg[:, 1])
    # A ghost segment has zero length when an end segment is vertical: it adds nothing.
    seg = np.divide(seg, seg_length[:, None], out=np.zeros_like(seg), where=seg_length[:, None] > 0)
    seg_normal = float(np.sign(side)) * np.column_stack([-seg[:, 1], seg[:, 0]])
    if mirror_ends:
        total = seg_normal[:-1] + seg_normal[1:]
    else:
        total = np.vstack([seg_normal[:1], seg_normal[:-1] + seg_normal[1:], seg_normal[-1:]])
    length = np.hypot(total[:, 0], total[:, 1])
    # A vertex where the polyline folds back on itself has no average: use the incoming segment.
    cusp = length < 1e-12
    if np.any(cusp):
        incoming = seg_normal[:-1] if mirror_ends else np.vstack([seg_normal[:1], seg_normal])
        total[cusp] = incoming[: xy.shape[0]][cusp]
        length[cusp] = 1.0
    return total / length[:, None]


def polyline_curvature(
    xy: np.ndarray, side: int = +1, mirror_ends: bool = True, periodic: bool = False
) -> np.ndarray:
    """Discrete (Menger) curvature at each vertex, in 1/µm.

    ``κ = 2 (P - Q) × (R - P) / (|P - Q| |R - P| |R - Q|)`` for a vertex ``P`` with neighbours
    ``Q`` and ``R``: the inverse radius of the circle through the three points, exact for
    vertices on a circle. The sign is positive where the boundary bulges into the electrolyte
    (a circle of radius R bulging into the electrolyte has ``κ = +1/R``). With ``mirror_ends``
    the ends use a ghost neighbour mirrored about the vertical wall (zero-slope condition);
    without it an end copies the curvature of its neighbour.

    Args:
        xy: Array ``(K, 2)`` of ordered vertices.
        side: +1 if the electrolyte lies left of the direction of travel, -1 if right.
        mirror_ends: Mirror the ends about the side walls.
        periodic: The polyline is one period of a periodic curve (periodic side walls); the
            ends take their neighbours from the other end (overrides ``mirror_ends``).

    Returns:
        Array ``(K,)`` of curvatures (1/µm).
    """
    xy = _check(xy)
    ext = _with_mirrored_ends(xy, mirror_ends, periodic)
    mirror_ends = mirror_ends or periodic
    q, p, r = ext[:-2], ext[1:-1], ext[2:]
    a = p - q
    b = r - p
    c = r - q
    cross = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    denom = np.hypot(a[:, 0], a[:, 1]) * np.hypot(b[:, 0], b[:, 1]) * np.hypot(c[:, 0], c[:, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = np.where(denom > 0.0, -float(np.sign(side)) * 2.0 * cross / denom, 0.0)
    if mirror_ends:
        return inner
    if inner.size == 0:
        return np.zeros(xy.shape[0])
    return np.concatenate([inner[:1], inner, inner[-1:]])


def polyline_length(xy: np.ndarray) -> float:
    """Total length of a polyline (µm).

    Args:
        xy: Array ``(K, 2)`` of ordered vertices.

    Returns:
        The sum of the segment lengths.
    """
    d = np.diff(np.asarray(xy, dtype=np.float64), axis=0)
    return float(np.sum(np.hypot(d[:, 0], d[:, 1])))
