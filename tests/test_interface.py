"""Boundary polylines gathered from the mesh, their normals and curvature, and mesh quality."""

import math

from mpi4py import MPI

import basix.ufl
import numpy as np
import pytest
import ufl

from lidendrite.errors import GeometryError
from lidendrite.fem import dolfinx
from lidendrite.geometry import tags
from lidendrite.geometry.anode import DEFECT_FILLET_RATIO, anode_profile, counter_profile
from lidendrite.geometry.cell import build_cell
from lidendrite.geometry.interface import (
    boundary_polyline,
    polyline_curvature,
    polyline_length,
    polyline_normals,
)
from lidendrite.geometry.quality import cell_quality, min_quality, triangle_quality

WIDTH, THICKNESS = 4.0, 3.0


def _cell(anode, size_at_anode_um, counter_spacing_um=0.4):
    counter = counter_profile(WIDTH, THICKNESS, counter_spacing_um)
    return build_cell(
        MPI.COMM_WORLD,
        anode,
        counter,
        size_at_anode_um=size_at_anode_um,
        size_bulk_um=0.4,
        grading_distance_um=1.0,
    )


@pytest.fixture(scope="module")
def defect_cell():
    radius, centre = 1.0, 1.7
    anode = anode_profile("defect", WIDTH, 0.05, defect_radius_um=radius, defect_x_um=centre)
    return anode, radius, centre, _cell(anode, 0.05)


def test_polyline_matches_profile_on_any_number_of_ranks(defect_cell):
    """Every anode vertex is a mesh node, gathered in order, whatever the partition."""
    anode, _, _, cell = defect_cell
    mesh = cell.mesh
    poly = boundary_polyline(mesh, cell.facet_tags, tags.ANODE)
    assert poly.xy.shape == anode.shape
    assert np.allclose(poly.xy, anode, rtol=0.0, atol=1e-12)
    # The same polyline on every rank.
    assert all(np.array_equal(poly.xy, other) for other in mesh.comm.allgather(poly.xy))
    # This rank's boundary nodes map to the polyline vertices at the same place ...
    x = mesh.geometry.x[poly.local_nodes, :2]
    assert np.allclose(x, poly.xy[poly.local_to_polyline], rtol=0.0, atol=1e-14)
    # ... and no other local node lies on the anode (the anode is y = 0 away from the defect).
    others = np.setdiff1d(np.arange(mesh.geometry.x.shape[0]), poly.local_nodes)
    assert not np.any(np.isclose(mesh.geometry.x[others, 1], 0.0, atol=1e-12))
    # Together the ranks hold every vertex.
    covered = np.unique(np.concatenate(mesh.comm.allgather(poly.local_to_polyline)))
    assert np.array_equal(covered, np.arange(anode.shape[0]))


def test_circular_defect_curvature_and_normals(defect_cell):
    anode, radius, centre, cell = defect_cell
    poly = boundary_polyline(cell.mesh, cell.facet_tags, tags.ANODE)
    xy = poly.xy
    kappa = polyline_curvature(xy, side=+1)
    normals = polyline_normals(xy, side=+1)
    on_cap = np.flatnonzero(
        np.isclose(np.hypot(xy[:, 0] - centre, xy[:, 1]), radius, rtol=0, atol=1e-12)
    )
    arc = on_cap[2:-2]  # without the cap/fillet tangent points and their neighbours
    assert arc.size >= 40
    # The vertices lie on the circle, so the circumscribed-circle curvature is 1/R.
    assert np.allclose(kappa[arc], 1.0 / radius, rtol=0.02)
    assert np.allclose(kappa[arc], 1.0 / radius, rtol=1e-9)
    # The fillets are concave (radius R/2): curvature -2/R.
    f = DEFECT_FILLET_RATIO * radius
    d = math.sqrt(radius**2 + 2 * radius * f)
    for cx in (centre - d, centre + d):
        fil = np.flatnonzero(
            np.isclose(np.hypot(xy[:, 0] - cx, xy[:, 1] - f), f, rtol=0, atol=1e-12)
        )
        inner = fil[1:-1]
        assert inner.size >= 2
        assert np.allclose(kappa[inner], -1.0 / f, rtol=1e-9)
    flat = np.flatnonzero((xy[:, 1] == 0.0) & (np.abs(xy[:, 0] - centre) > d + 1e-9))
    assert np.all(np.abs(kappa[flat]) < 1e-10)
    radial = (xy[arc] - [centre, 0.0]) / radius
    assert np.allclose(normals[arc], radial, atol=1e-3)
    assert np.allclose(normals[flat], [0.0, 1.0], atol=1e-12)


def test_sinusoid_crest_curvature():
    a, lam = 0.1, 1.0
    k = 2.0 * math.pi / lam
    anode = anode_profile("sinusoid", WIDTH, 0.04, amplitude_um=a, wavelength_um=lam)
    cell = _cell(anode, 0.04)
    xy = boundary_polyline(cell.mesh, cell.facet_tags, tags.ANODE).xy
    kappa = polyline_curvature(xy, side=+1)
    x = xy[:, 0]
    # Exact curvature of y = a cos(kx), positive where it bulges up into the electrolyte.
    y1 = -a * k * np.sin(k * x)
    y2 = -a * k**2 * np.cos(k * x)
    exact = -y2 / (1.0 + y1**2) ** 1.5
    crests = np.flatnonzero(np.isclose(xy[:, 1], a, rtol=0.0, atol=1e-12))
    assert crests.size == 5  # x = 0, 1, 2, 3, 4, the ends with the mirrored ghost point
    assert np.allclose(kappa[crests], a * k**2, rtol=0.02)
    assert np.max(np.abs(kappa - exact)) < 0.02 * a * k**2


def test_counter_polyline_side():
    anode = anode_profile("flat", WIDTH, 0.2)
    cell = _cell(anode, 0.2)
    poly = boundary_polyline(cell.mesh, cell.facet_tags, tags.COUNTER)
    expected = counter_profile(WIDTH, THICKNESS, 0.4)
    assert np.allclose(poly.xy, expected, atol=1e-12)
    assert np.allclose(polyline_normals(poly.xy, side=-1), [0.0, -1.0], atol=1e-14)
    assert np.all(polyline_curvature(poly.xy, side=-1) == 0.0)
    with pytest.raises(GeometryError, match="no facet is tagged 9"):
        boundary_polyline(cell.mesh, cell.facet_tags, 9)


# --------------------------------------------------------------------------- pure geometry


def _arc(radius, theta):
    return np.column_stack([radius * np.cos(theta), radius * np.sin(theta)])


@pytest.mark.serial
def test_curvature_sign_convention():
    r = 0.5
    # Anode (electrolyte above) with a bump: κ = +1/R; with a pit: κ = -1/R.
    bump = _arc(r, np.linspace(math.pi, 0.0, 21)) + [2.0, 0.0]
    assert np.allclose(polyline_curvature(bump, side=+1, mirror_ends=False), 1 / r)
    pit = bump * [1.0, -1.0]
    assert np.allclose(polyline_curvature(pit, side=+1, mirror_ends=False), -1 / r)
    # Counter electrode (electrolyte below) bulging down into the electrolyte: κ = +1/R.
    assert np.allclose(polyline_curvature(pit, side=-1, mirror_ends=False), 1 / r)

    # Normals point into the electrolyte: away from the centre where the boundary bulges into
    # it, towards the centre of an anode pit (interior vertices; an unmirrored end takes its
    # segment's normal).
    def normals(xy, side):
        return polyline_normals(xy, side=side, mirror_ends=False)[1:-1]

    assert np.allclose(normals(bump, +1), (bump[1:-1] - [2, 0]) / r)
    assert np.allclose(normals(pit, -1), (pit[1:-1] - [2, 0]) / r)
    assert np.allclose(normals(pit, +1), -(pit[1:-1] - [2, 0]) / r)


@pytest.mark.serial
def test_mirrored_ends():
    # A circle of radius R centred on the wall x = 0 crosses it with zero slope: the ghost
    # point lies on the same circle, so the end curvature is exactly 1/R.
    r = 2.0
    theta = np.linspace(0.5 * math.pi, 0.1 * math.pi, 15)  # from the top of the circle
    xy = _arc(r, theta)
    kappa = polyline_curvature(xy, side=+1, mirror_ends=True)
    assert np.allclose(kappa[:-1], 1 / r, rtol=1e-12)  # the last end is not on the circle's axis
    # End normals are exactly vertical with mirroring, the segment normal without.
    sloped = np.array([[0.0, 0.0], [1.0, 0.5], [2.0, 0.5], [3.0, 0.0]])
    mirrored = polyline_normals(sloped, side=+1, mirror_ends=True)
    assert np.array_equal(mirrored[0], [0.0, 1.0]) and np.array_equal(mirrored[-1], [0.0, 1.0])
    plain = polyline_normals(sloped, side=+1, mirror_ends=False)
    assert np.allclose(plain[0], np.array([-0.5, 1.0]) / math.hypot(0.5, 1.0))
    assert np.allclose(np.hypot(*plain.T), 1.0) and np.allclose(np.hypot(*mirrored.T), 1.0)
    # Vertex normal = normalised average of the two segment normals (45° at the bend).
    assert np.allclose(
        mirrored[1],
        np.array([-0.5, 1.0 + math.hypot(0.5, 1.0)]) / np.hypot(-0.5, 1.0 + math.hypot(0.5, 1.0)),
    )


@pytest.mark.serial
def test_polyline_length():
    n = 12
    polygon = _arc(1.5, np.linspace(0.0, 2.0 * math.pi, n + 1))
    assert polyline_length(polygon) == pytest.approx(n * 2 * 1.5 * math.sin(math.pi / n))


@pytest.mark.serial
def test_triangle_quality_formula():
    equilateral = [[0.0, 0.0], [2.0, 0.0], [1.0, math.sqrt(3.0)]]
    right_isosceles = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
    q = triangle_quality(np.array([equilateral, right_isosceles, right_isosceles[::-1]]))
    # Right isosceles, legs 1: area 1/2, squared edges 1 + 1 + 2 = 4.
    assert q == pytest.approx([1.0, 4 * math.sqrt(3.0) * 0.5 / 4, -math.sqrt(3.0) / 2])


def test_cell_quality_on_mesh():
    """Quality of DOLFINx cells: an equilateral, a right isosceles, and a clockwise copy."""
    comm = MPI.COMM_WORLD
    h = math.sqrt(3.0) / 2
    x = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, h], [0.0, -1.0], [1.0, -1.0]])
    cells = np.array([[0, 1, 2], [0, 3, 1], [1, 4, 3]], dtype=np.int64)
    element = ufl.Mesh(basix.ufl.element("Lagrange", "triangle", 1, shape=(2,)))
    if comm.rank != 0:
        x, cells = np.empty((0, 2)), np.empty((0, 3), dtype=np.int64)
    mesh = dolfinx.mesh.create_mesh(comm, cells, element, x)
    owned = mesh.topology.index_map(2).size_local
    centroids = mesh.geometry.x[mesh.geometry.dofmaps[0][:owned]][:, :, :2].mean(axis=1)
    q = cell_quality(mesh)[:owned]
    found = np.concatenate(comm.allgather(np.column_stack([centroids, q])))
    expected = {  # centroid -> independent value
        (0.5, h / 3): 1.0,
        (1 / 3, -1 / 3): math.sqrt(3.0) / 2,  # counter-clockwise
        (2 / 3, -2 / 3): -math.sqrt(3.0) / 2,  # (1,0) -> (1,-1) -> (0,-1): clockwise
    }
    assert found.shape[0] == 3
    for (cx, cy), value in expected.items():
        row = found[np.hypot(found[:, 0] - cx, found[:, 1] - cy) < 1e-12]
        assert row.shape[0] == 1 and row[0, 2] == pytest.approx(value, rel=1e-12)
    assert min_quality(mesh) == pytest.approx(-math.sqrt(3.0) / 2, rel=1e-12)


def test_closed_boundary_is_rejected():
    mesh = dolfinx.mesh.create_unit_square(MPI.COMM_WORLD, 3, 3)
    fdim = mesh.topology.dim - 1
    mesh.topology.create_connectivity(fdim, mesh.topology.dim)
    facets = dolfinx.mesh.exterior_facet_indices(mesh.topology)
    loop = dolfinx.mesh.meshtags(mesh, fdim, facets, np.full(facets.size, 5, dtype=np.int32))
    with pytest.raises(GeometryError, match="single open curve"):
        boundary_polyline(mesh, loop, 5)
    # The bottom side alone is an open curve from x = 0 to x = 1.
    bottom = dolfinx.mesh.locate_entities_boundary(mesh, fdim, lambda x: np.isclose(x[1], 0.0))
    side = dolfinx.mesh.meshtags(mesh, fdim, bottom, np.full(bottom.size, 7, dtype=np.int32))
    poly = boundary_polyline(mesh, side, 7)
    assert np.allclose(poly.xy, np.column_stack([np.linspace(0, 1, 4), np.zeros(4)]))
    assert polyline_length(poly.xy) == pytest.approx(1.0)
