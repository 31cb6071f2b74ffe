"""Anode profiles, polyline resampling and the Gmsh cell mesh."""

import math
from dataclasses import asdict

from mpi4py import MPI

import gmsh
import numpy as np
import pytest
import ufl

from lidendrite.config import AnodeConfig, CellConfig, Config, MeshConfig
from lidendrite.errors import ConfigError, GeometryError
from lidendrite.fem import dolfinx
from lidendrite.geometry import tags
from lidendrite.geometry.anode import DEFECT_FILLET_RATIO, anode_profile, counter_profile
from lidendrite.geometry.cell import build_cell, cell_from_config, resample_polyline
from lidendrite.geometry.interface import polyline_length
from lidendrite.geometry.quality import min_quality

WIDTH, THICKNESS = 4.0, 3.0


def _max_step(xy):
    return float(np.max(np.hypot(*np.diff(xy, axis=0).T)))


def _trapezoid_mean(xy, f):
    return float(np.trapezoid(f, xy[:, 0]) / (xy[-1, 0] - xy[0, 0]))


# --------------------------------------------------------------------------- profiles


@pytest.mark.serial
def test_flat_profile():
    xy = anode_profile("flat", WIDTH, 0.3)
    assert xy[0, 0] == 0.0 and xy[-1, 0] == WIDTH
    assert np.all(xy[:, 1] == 0.0)
    assert np.all(np.diff(xy[:, 0]) > 0.0)
    assert _max_step(xy) <= 0.3 * (1 + 1e-12)
    # The fewest equal steps no longer than 0.3 that cover 4 µm: ceil(4 / 0.3) = 14.
    assert xy.shape == (15, 2)


@pytest.mark.serial
@pytest.mark.parametrize("centre", [None, 1.2])
def test_defect_profile(centre):
    r, spacing = 0.7, 0.05
    f = DEFECT_FILLET_RATIO * r
    d = math.sqrt(r * r + 2 * r * f)  # cap centre to fillet centre, horizontally
    xy = anode_profile("defect", WIDTH, spacing, defect_radius_um=r, defect_x_um=centre)
    x0 = WIDTH / 2 if centre is None else centre
    x, y = xy.T
    assert np.all(np.diff(x) > 0.0)
    assert x[0] == 0.0 and x[-1] == WIDTH
    assert _max_step(xy) <= spacing * (1 + 1e-12)
    # Apex (x0, r) is a vertex; the fillet feet x0 ± d are vertices at y = 0.
    assert y.max() == pytest.approx(r, rel=1e-12)
    assert x[np.argmax(y)] == pytest.approx(x0, abs=1e-12)
    for foot in (x0 - d, x0 + d):
        k = np.flatnonzero(np.isclose(x, foot, rtol=0, atol=1e-12))
        assert k.size == 1 and y[k[0]] == 0.0
    raised = y > 0.0
    assert np.all(np.abs(x[raised] - x0) < d)
    # Every raised vertex lies on the cap circle or on one of the two fillet circles.
    on_cap = np.isclose(np.hypot(x - x0, y), r, rtol=0, atol=1e-12)
    fillet_dist = np.minimum(np.hypot(x - (x0 - d), y - f), np.hypot(x - (x0 + d), y - f))
    on_fillet = np.isclose(fillet_dist, f, rtol=0, atol=1e-12)
    assert np.all((on_cap | on_fillet)[raised])
    assert on_cap.sum() - 1 >= 16  # at least 16 segments on the cap


@pytest.mark.serial
def test_small_defect_has_16_cap_segments():
    r = 0.2
    xy = anode_profile("defect", WIDTH, 0.5, defect_radius_um=r)
    on_cap = np.isclose(np.hypot(xy[:, 0] - WIDTH / 2, xy[:, 1]), r, rtol=0, atol=1e-12)
    assert on_cap.sum() == 17


@pytest.mark.serial
def test_defect_must_fit():
    with pytest.raises(ConfigError, match="does not fit"):
        anode_profile("defect", WIDTH, 0.1, defect_radius_um=1.0, defect_x_um=0.5)


@pytest.mark.serial
def test_sinusoid_profile():
    a, lam, spacing = 0.2, 1.0, 0.04
    xy = anode_profile("sinusoid", WIDTH, spacing, amplitude_um=a, wavelength_um=lam)
    x, y = xy.T
    assert np.allclose(y, a * np.cos(2 * math.pi * x / lam), atol=1e-14)
    assert _max_step(xy) <= spacing * (1 + 1e-12)
    # Crests at x = 0, λ, ..., W and troughs half way between, all of them vertices.
    crests = x[np.isclose(y, a, rtol=0, atol=1e-12)]
    troughs = x[np.isclose(y, -a, rtol=0, atol=1e-12)]
    assert np.allclose(crests, np.arange(0.0, WIDTH + 0.5 * lam, lam), atol=1e-12)
    assert np.allclose(troughs, np.arange(0.5 * lam, WIDTH, lam), atol=1e-12)
    # The mean of the piecewise-linear profile over whole periods vanishes.
    assert abs(_trapezoid_mean(xy, y)) < 1e-12


@pytest.mark.serial
def test_rough_profile_mean_rms_and_seed():
    kwargs = {"rms_um": 0.08, "correlation_um": 0.4}
    xy = anode_profile("rough", WIDTH, 0.05, seed=3, **kwargs)
    y = xy[:, 1]
    assert _max_step(xy) <= 0.05 * (1 + 1e-12)
    assert np.all(np.diff(xy[:, 0]) > 0.0)
    assert abs(_trapezoid_mean(xy, y)) < 1e-14
    assert math.sqrt(_trapezoid_mean(xy, y * y)) == pytest.approx(0.08, rel=1e-12)
    again = anode_profile("rough", WIDTH, 0.05, seed=3, **kwargs)
    other = anode_profile("rough", WIDTH, 0.05, seed=4, **kwargs)
    assert np.array_equal(xy, again)
    assert np.max(np.abs(np.interp(xy[:, 0], other[:, 0], other[:, 1]) - y)) > 0.01
    # The same seed gives the same surface at a finer spacing (up to the rescaling).
    fine = anode_profile("rough", WIDTH, 0.01, seed=3, **kwargs)
    assert np.allclose(np.interp(xy[:, 0], fine[:, 0], fine[:, 1]), y, atol=0.03 * 0.08)


@pytest.mark.serial
def test_rough_profile_gaussian_correlation():
    """The seed-averaged autocorrelation at lag ℓ is about exp(-1) for C(r) = σ² exp(-r²/ℓ²)."""
    ell, width = 0.5, 50.0
    values = []
    for seed in range(20):
        xy = anode_profile("rough", width, 0.05, rms_um=0.1, correlation_um=ell, seed=seed)
        y = xy[:, 1]
        lag = round(ell / (xy[1, 0] - xy[0, 0]))
        lag_um = lag * (xy[1, 0] - xy[0, 0])
        values.append(np.mean(y[:-lag] * y[lag:]) / np.mean(y * y))
    assert np.mean(values) == pytest.approx(math.exp(-((lag_um / ell) ** 2)), abs=0.06)


@pytest.mark.serial
def test_unknown_shape_and_bad_spacing():
    with pytest.raises(ConfigError, match="unknown anode shape 'spiky'"):
        anode_profile("spiky", WIDTH, 0.1)
    with pytest.raises(ConfigError, match="spacing_um"):
        anode_profile("flat", WIDTH, 0.0)


@pytest.mark.serial
def test_counter_profile():
    xy = counter_profile(WIDTH, THICKNESS, 0.3)
    assert np.all(xy[:, 1] == THICKNESS)
    assert xy[0, 0] == 0.0 and xy[-1, 0] == WIDTH
    assert _max_step(xy) <= 0.3 * (1 + 1e-12)


# --------------------------------------------------------------------------- resampling


@pytest.mark.serial
def test_resample_keeps_ends_and_corners():
    # An L-shaped path plus a gentle bend: the right angle is kept, the bend is not.
    xy = np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 1.0], [3.0, 1.1], [4.0, 1.1]])
    out = resample_polyline(xy, 0.25)
    assert np.array_equal(out[0], xy[0]) and np.array_equal(out[-1], xy[-1])
    assert any(np.array_equal(p, xy[1]) for p in out)
    assert _max_step(out) <= 0.25 * (1 + 1e-12)
    # Segments within a corner-free stretch are equal: 2 µm -> 8 steps of 0.25 µm.
    assert np.allclose(np.hypot(*np.diff(out[:9], axis=0).T), 0.25)
    # Resampling along the straight legs preserves the length of the first two legs exactly.
    first_corner = np.flatnonzero((out == xy[1]).all(axis=1))[0]
    assert polyline_length(out[: first_corner + 1]) == pytest.approx(2.0, rel=1e-14)
    # Every new vertex lies on the old polyline.
    for p in out:
        d = [_dist_point_segment(p, xy[i], xy[i + 1]) for i in range(len(xy) - 1)]
        assert min(d) < 1e-12


def _dist_point_segment(p, a, b):
    t = np.clip(np.dot(p - a, b - a) / np.dot(b - a, b - a), 0.0, 1.0)
    return float(np.linalg.norm(p - (a + t * (b - a))))


@pytest.mark.serial
def test_resample_drops_repeated_points():
    xy = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    out = resample_polyline(xy, 0.5)
    assert np.allclose(out[:, 0], np.linspace(0.0, 2.0, 5)) and np.all(out[:, 1] == 0.0)


# --------------------------------------------------------------------------- cell mesh


def _config(shape="flat", counter="reservoir"):
    anode = AnodeConfig(
        shape=shape,
        defect_radius_um=0.8,
        amplitude_um=0.2,
        wavelength_um=2.0,
        rms_um=0.08,
        correlation_um=0.5,
        seed=1,
    )
    cell = CellConfig(
        width_um=WIDTH, thickness_um=THICKNESS, counter_electrode=counter, anode=anode
    )
    sizes = MeshConfig(size_at_anode_um=0.1, size_bulk_um=0.4, grading_distance_um=1.0)
    return Config(cell=cell, mesh=sizes)


def _integral(mesh, form):
    local = dolfinx.fem.assemble_scalar(dolfinx.fem.form(form))
    return mesh.comm.allreduce(local, op=MPI.SUM)


def _owned_cells(mesh):
    return np.arange(mesh.topology.index_map(mesh.topology.dim).size_local, dtype=np.int32)


def _mean_edge_length(mesh, cells):
    """Mean edge length of the given local cells, over all ranks (collective)."""
    x = mesh.geometry.x[mesh.geometry.dofmaps[0][cells]][:, :, :2]
    edges = np.hypot(*(x - np.roll(x, 1, axis=1)).transpose(2, 0, 1))
    total = mesh.comm.allreduce(float(edges.sum()), op=MPI.SUM)
    count = mesh.comm.allreduce(edges.size, op=MPI.SUM)
    return total / count


def _cells_on_facets(mesh, facet_tags, tag):
    tdim = mesh.topology.dim
    mesh.topology.create_connectivity(tdim - 1, tdim)
    f2c = mesh.topology.connectivity(tdim - 1, tdim)
    cells = np.unique([c for f in facet_tags.find(tag) for c in f2c.links(f)]).astype(np.int32)
    return cells[cells < mesh.topology.index_map(tdim).size_local]


@pytest.mark.parametrize("shape", ["flat", "defect", "sinusoid", "rough"])
def test_cell_area_and_boundary_lengths(shape):
    cfg = _config(shape)
    cell = cell_from_config(MPI.COMM_WORLD, cfg)
    mesh, facet_tags = cell.mesh, cell.facet_tags
    assert mesh.geometry.dim == 2
    anode = anode_profile(
        shape,
        WIDTH,
        cfg.mesh.size_at_anode_um,
        **{k: v for k, v in asdict(cfg.cell.anode).items() if k != "shape"},
    )
    area = _integral(mesh, 1.0 * ufl.dx(domain=mesh))
    expected = WIDTH * THICKNESS - np.trapezoid(anode[:, 1], anode[:, 0])
    assert area == pytest.approx(expected, rel=1e-10)

    ds = ufl.Measure("ds", domain=mesh, subdomain_data=facet_tags)
    lengths = {tag: _integral(mesh, 1.0 * ds(tag)) for tag in tags.FACET_NAMES}
    assert lengths[tags.ANODE] == pytest.approx(polyline_length(anode), rel=1e-12)
    assert lengths[tags.COUNTER] == pytest.approx(WIDTH, rel=1e-12)
    assert lengths[tags.LEFT] == pytest.approx(THICKNESS - anode[0, 1], rel=1e-12)
    assert lengths[tags.RIGHT] == pytest.approx(THICKNESS - anode[-1, 1], rel=1e-12)

    present = set(np.concatenate(mesh.comm.allgather(np.unique(facet_tags.values))).tolist())
    assert present == set(tags.FACET_NAMES)
    cell_values = np.concatenate(mesh.comm.allgather(cell.cell_tags.values))
    assert np.all(cell_values == tags.ELECTROLYTE)
    assert min_quality(mesh) > 0.3


def test_flat_cell_size_grading_and_quality():
    cfg = _config("flat")
    cell = cell_from_config(MPI.COMM_WORLD, cfg)
    mesh = cell.mesh
    near_anode = _mean_edge_length(mesh, _cells_on_facets(mesh, cell.facet_tags, tags.ANODE))
    assert near_anode == pytest.approx(cfg.mesh.size_at_anode_um, rel=0.3)
    owned = _owned_cells(mesh)
    centroids = mesh.geometry.x[mesh.geometry.dofmaps[0][owned]].mean(axis=1)
    far = owned[centroids[:, 1] > cfg.mesh.grading_distance_um + cfg.mesh.size_bulk_um]
    assert _mean_edge_length(mesh, far) == pytest.approx(cfg.mesh.size_bulk_um, rel=0.3)
    # Without refinement the counter electrode is coarse too.
    near_counter = _mean_edge_length(mesh, _cells_on_facets(mesh, cell.facet_tags, tags.COUNTER))
    assert near_counter == pytest.approx(cfg.mesh.size_bulk_um, rel=0.3)
    assert min_quality(mesh) > 0.5


def test_lithium_counter_electrode_is_refined():
    cfg = _config("flat", counter="lithium")
    cell = cell_from_config(MPI.COMM_WORLD, cfg)
    mesh = cell.mesh
    near_counter = _mean_edge_length(mesh, _cells_on_facets(mesh, cell.facet_tags, tags.COUNTER))
    assert near_counter == pytest.approx(cfg.mesh.size_at_anode_um, rel=0.3)
    assert min_quality(mesh) > 0.5


def _sizes():
    return {"size_at_anode_um": 0.2, "size_bulk_um": 0.5, "grading_distance_um": 1.0}


def test_crossing_polylines_raise():
    counter = counter_profile(WIDTH, THICKNESS, 0.5)
    crossing = anode_profile("sinusoid", WIDTH, 0.1, amplitude_um=3.5, wavelength_um=2.0)
    with pytest.raises(GeometryError, match="anode reaches the counter electrode"):
        build_cell(MPI.COMM_WORLD, crossing, counter, **_sizes())
    # A single vertex touching the counter electrode is enough.
    touching = np.array([[0.0, 0.0], [1.5, 0.0], [2.0, THICKNESS], [2.5, 0.0], [WIDTH, 0.0]])
    with pytest.raises(GeometryError, match="anode reaches the counter electrode"):
        build_cell(MPI.COMM_WORLD, touching, counter, **_sizes())
    # Just below the counter electrode the cell is fine.
    below = touching.copy()
    below[2, 1] = THICKNESS - 0.3
    cell = build_cell(MPI.COMM_WORLD, below, counter, **_sizes())
    area = _integral(cell.mesh, 1.0 * ufl.dx(domain=cell.mesh))
    assert area == pytest.approx(WIDTH * THICKNESS - np.trapezoid(below[:, 1], below[:, 0]))


def test_bad_polylines_raise():
    counter = counter_profile(WIDTH, THICKNESS, 0.5)
    self_crossing = np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 1.0], [1.0, 0.5], [2.5, 0.5], [4, 0]])
    with pytest.raises(GeometryError, match="anode crosses or touches itself"):
        build_cell(MPI.COMM_WORLD, self_crossing, counter, **_sizes())
    short = np.array([[0.0, 0.0], [3.5, 0.0]])
    with pytest.raises(GeometryError, match="not on one vertical side wall"):
        build_cell(MPI.COMM_WORLD, short, counter, **_sizes())
    high_end = np.array([[0.0, 0.0], [WIDTH, THICKNESS + 1.0]])
    with pytest.raises(GeometryError, match="right side wall"):
        build_cell(MPI.COMM_WORLD, high_end, counter, **_sizes())


def test_build_cell_repeatedly_is_deterministic():
    anode = anode_profile("rough", WIDTH, 0.1, rms_um=0.1, correlation_um=0.5, seed=7)
    counter = counter_profile(WIDTH, THICKNESS, 0.4)
    results = []
    for _ in range(3):
        cell = build_cell(MPI.COMM_WORLD, anode, counter, **_sizes())
        mesh = cell.mesh
        num_cells = mesh.topology.index_map(2).size_global
        owned = mesh.geometry.index_map().size_local
        x = np.concatenate(mesh.comm.allgather(mesh.geometry.x[:owned, :2]))
        results.append((num_cells, x[np.lexsort(x.T[::-1])]))
    for num_cells, x in results[1:]:
        assert num_cells == results[0][0]
        assert np.array_equal(x, results[0][1])


def test_gmsh_session_of_the_caller_is_left_as_found():
    anode = anode_profile("flat", WIDTH, 0.2)
    counter = counter_profile(WIDTH, THICKNESS, 0.4)
    assert not gmsh.isInitialized()
    build_cell(MPI.COMM_WORLD, anode, counter, **_sizes())
    assert not gmsh.isInitialized()
    gmsh.initialize(readConfigFiles=False, interruptible=False)
    try:
        gmsh.option.setNumber("General.Terminal", 0)
        gmsh.option.setNumber("Mesh.Algorithm", 5)
        gmsh.model.add("callers_model")
        build_cell(MPI.COMM_WORLD, anode, counter, **_sizes())
        assert gmsh.isInitialized()
        assert gmsh.option.getNumber("Mesh.Algorithm") == 5
        assert gmsh.model.getCurrent() == "callers_model"
    finally:
        gmsh.finalize()
