"""Filler geometry: layouts, checks, meshed regions, periodic wrap, remeshing with the same shapes.

References are exact: the area of a region (polygons exactly; circles meshed as inscribed
polygons, whose relative area deficit is ≈ (2π/n)²/6 for n boundary facets), the nodes of a
blocking disc's boundary on its circle, the heights of the side-wall nodes of a periodic cell.
"""

import json
import math

from mpi4py import MPI

import numpy as np
import pytest
import ufl

from lidendrite.config import config_from_dict
from lidendrite.errors import ConfigError
from lidendrite.fem import dolfinx
from lidendrite.geometry import tags
from lidendrite.geometry.cell import build_cell, cell_from_config
from lidendrite.geometry.fillers import resolve_shapes, shapes_from_dicts
from lidendrite.geometry.quality import min_quality
from lidendrite.geometry.tags import TagRegistry

MATERIALS = {
    "ins": {"blocking": True},
    "fast": {"conductivity_S_per_m": 1.0, "transference_number": 0.8},
    "mof": {"conductivity_S_per_m": 0.01, "transference_number": 0.9},
}


def _config(fillers, width=4.0, thickness=3.0, sides="insulating", h=0.05):
    return config_from_dict(
        {
            "cell": {"width_um": width, "thickness_um": thickness, "sides": sides},
            "electrolyte": {"conductivity_S_per_m": 0.1, "transference_number": 0.4},
            "materials": MATERIALS,
            "mesh": {"size_at_anode_um": h, "size_bulk_um": 2 * h},
        }
        | {
            "cell": {
                "width_um": width,
                "thickness_um": thickness,
                "sides": sides,
                "fillers": fillers,
            }
        }
    )


def _random(seed, fraction=0.2):
    layout = {"kind": "random", "area_fraction": fraction, "min_gap_um": 0.02, "seed": seed}
    layout["keep_out_um"] = 0.1
    return {
        "kind": "disc",
        "material": "ins",
        "radius_um": 0.1,
        "radius_std_um": 0.02,
        "layout": layout,
    }


def _arrays(shapes):
    return np.array([[*s.center, s.radius] for s in shapes])


def test_random_layout_is_reproducible_and_reaches_its_fraction(comm):
    cfg = _config([_random(3)], sides="periodic")
    shapes = resolve_shapes(cfg.cell, cfg.materials)
    again = resolve_shapes(_config([_random(3)], sides="periodic").cell, cfg.materials)
    other = resolve_shapes(_config([_random(4)], sides="periodic").cell, cfg.materials)
    assert np.array_equal(_arrays(shapes), _arrays(again))
    assert not np.array_equal(_arrays(shapes)[:5], _arrays(other)[:5])
    realised = cfg.cell.fillers[0].layout.realised_area_fraction
    assert realised == pytest.approx(sum(s.area_um2() for s in shapes) / 12.0, abs=1e-6)
    assert abs(realised - 0.2) < 0.01
    assert all(comm.allgather(_arrays(shapes).tobytes()))  # same on every rank:
    assert len(set(comm.allgather(_arrays(shapes).tobytes()))) == 1


@pytest.mark.serial
@pytest.mark.parametrize(
    ("filler", "fragment"),
    [
        (
            {
                "kind": "disc",
                "material": "ins",
                "radius_um": 0.3,
                "layout": {"kind": "explicit", "centers_um": [[1, 1], [1.5, 1]]},
            },
            "cell.fillers[0]: fillers overlap",
        ),
        (
            {
                "kind": "disc",
                "material": "ins",
                "radius_um": 0.3,
                "layout": {"kind": "explicit", "centers_um": [[0.2, 1]]},
            },
            "leaves the cell",
        ),
        (
            {
                "kind": "disc",
                "material": "ins",
                "radius_um": 0.3,
                "layout": {"kind": "explicit", "centers_um": [[2, 0.3]]},
            },
            "touches or crosses the anode",
        ),
        (
            {
                "kind": "disc",
                "material": "ins",
                "radius_um": 0.3,
                "layout": {"kind": "explicit", "centers_um": [[2, 2.8]]},
            },
            "counter electrode",
        ),
        (_random(1, fraction=0.6), "area_fraction = 0.6"),
        (
            {
                "kind": "disc",
                "material": "ins",
                "radius_um": 0.3,
                "layout": {"kind": "random", "area_fraction": 0.5, "min_gap_um": 0.5},
            },
            "impossible",
        ),
        (
            {
                "kind": "disc",
                "material": "ins",
                "radius_um": 0.3,
                "shell": {"thickness_um": 0.1, "material": "fats"},
                "layout": {"kind": "explicit", "centers_um": [[2, 1]]},
            },
            "cell.fillers[0].shell.material = 'fats': unknown material (did you mean 'fast'?)",
        ),
        (
            {
                "kind": "fibre",
                "material": "fast",
                "diameter_um": 0.2,
                "layout": {"kind": "explicit", "centers_um": [[2, 1]]},
            },
            "cell.fillers[0].length_um: missing",
        ),
    ],
)
def test_bad_fillers_are_one_line_errors(filler, fragment):
    with pytest.raises(ConfigError) as err:
        _config([filler])
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


def _areas(cell, registry):
    dx = ufl.Measure("dx", domain=cell.mesh, subdomain_data=cell.cell_tags)
    out = {}
    for name, tag in registry.materials.items():
        form = dolfinx.fem.form(1.0 * dx(tag))
        out[name] = cell.mesh.comm.allreduce(dolfinx.fem.assemble_scalar(form))
    return out


def _facet_nodes(cell, tag):
    mesh = cell.mesh
    mesh.topology.create_connectivity(1, 0)
    f2v = mesh.topology.connectivity(1, 0)
    geom = dolfinx.mesh.entities_to_geometry(mesh, 1, cell.facet_tags.find(tag))
    del f2v
    return mesh.geometry.x[geom.ravel(), :2]


@pytest.mark.serial
def test_meshed_regions_have_the_shapes_areas():
    r, t = 0.3, 0.05
    fillers = [
        {"kind": "layer", "y_um": [0.0, 0.3], "material": "mof"},
        {
            "kind": "disc",
            "material": "ins",
            "radius_um": r,
            "shell": {"thickness_um": t, "material": "fast"},
            "layout": {"kind": "explicit", "centers_um": [[1.0, 1.2]]},
        },
        {
            "kind": "fibre",
            "material": "mof",
            "diameter_um": 0.1,
            "length_um": 1.0,
            "angle_deg": 30.0,
            "layout": {"kind": "explicit", "centers_um": [[2.8, 1.2]]},
        },
    ]
    cfg = _config(fillers)
    cell = cell_from_config(MPI.COMM_WORLD, cfg)
    areas = _areas(cell, TagRegistry.for_materials(cfg.materials))
    assert areas["mof"] == pytest.approx(4.0 * 0.3 + 1.0 * 0.1, rel=1e-10)  # layer + strip
    assert areas["fast"] == pytest.approx(math.pi * ((r + t) ** 2 - r**2), rel=3e-3)
    hole = 12.0 - sum(areas.values())
    assert hole == pytest.approx(math.pi * r**2, rel=3e-3)
    nodes = _facet_nodes(cell, tags.FILLERS)
    assert np.allclose(np.hypot(nodes[:, 0] - 1.0, nodes[:, 1] - 1.2), r, rtol=0, atol=1e-12)
    # the layer lies on the anode: the anode is the bottom of the layer
    assert cell.cell_tags.values.min() == 1


@pytest.mark.serial
def test_periodic_cell_wraps_fillers_across_the_side_walls():
    r = 0.3
    fillers = [
        {
            "kind": "disc",
            "material": "fast",
            "radius_um": r,
            "layout": {"kind": "explicit", "centers_um": [[0.1, 1.0]]},
        },
        {
            "kind": "disc",
            "material": "ins",
            "radius_um": r,
            "layout": {"kind": "explicit", "centers_um": [[3.85, 2.0]]},
        },
    ]
    cfg = _config(fillers, sides="periodic")
    cell = cell_from_config(MPI.COMM_WORLD, cfg)
    areas = _areas(cell, TagRegistry.for_materials(cfg.materials))
    assert areas["fast"] == pytest.approx(math.pi * r**2, rel=4e-3)
    assert 12.0 - sum(areas.values()) == pytest.approx(math.pi * r**2, rel=4e-3)
    left = np.sort(_facet_nodes(cell, tags.LEFT)[:, 1])
    right = np.sort(_facet_nodes(cell, tags.RIGHT)[:, 1])
    assert np.allclose(left, right, rtol=0, atol=1e-9)  # matching nodes: periodic copies
    assert left.min() == 0.0 and left.max() == 3.0
    # the blocking disc's image leaves a gap in both walls
    gap = np.sqrt(r**2 - 0.15**2)
    assert not np.any((left > 2.0 - gap + 1e-9) & (left < 2.0 + gap - 1e-9))


@pytest.mark.serial
def test_remeshing_keeps_every_filler_exactly():
    fillers = [
        {
            "kind": "disc",
            "material": "ins",
            "radius_um": 0.25,
            "shell": {"thickness_um": 0.05, "material": "fast"},
            "layout": {"kind": "lattice", "spacing_um": 1.0, "region_um": [[0, 0.5], [4, 2.5]]},
        },
    ]
    cfg = _config(fillers)
    cell = cell_from_config(MPI.COMM_WORLD, cfg)
    source = json.loads(json.dumps({k: v for k, v in cell.source.items() if "xy" not in k}))
    shapes = shapes_from_dicts(source.pop("fillers"))
    assert shapes == resolve_shapes(cfg.cell, cfg.materials, cfg.mesh.size_bulk_um)
    # a grown anode (a bump), as a remesh passes it
    anode = cell.source["anode_xy_um"].copy()
    anode[:, 1] += 0.1 * np.exp(-(((anode[:, 0] - 2.0) / 0.3) ** 2))
    moved = build_cell(
        MPI.COMM_WORLD,
        anode,
        cell.source["counter_xy_um"],
        grid_um=1e-9,
        fillers=shapes,
        **source,
    )
    before = _areas(cell, TagRegistry.for_materials(cfg.materials))
    after = _areas(moved, TagRegistry.for_materials(cfg.materials))
    assert after["fast"] == pytest.approx(before["fast"], rel=1e-3)
    assert moved.source["fillers"] == cell.source["fillers"]
    nodes = _facet_nodes(moved, tags.FILLERS)
    centres = np.array([s.center for s in shapes if s.material == "ins"])
    dist = np.hypot(*(nodes[:, None, :] - centres[None, :, :]).transpose(2, 0, 1)).min(axis=1)
    assert np.allclose(dist, 0.25, rtol=0, atol=1e-12)
    again = build_cell(MPI.COMM_WORLD, **cell.source)  # what a checkpoint does: the same mesh
    assert np.array_equal(again.mesh.geometry.x, cell.mesh.geometry.x)


@pytest.mark.serial
def test_uneven_anode_ends_leave_no_slivers_at_the_walls():
    """Each insulating wall is split at its own electrode ends only.

    A grown anode whose ends differ by 1e-3 um: splitting both walls at both heights left a
    1e-3 um wall segment on one side, a sliver whose quality hid every later distortion from
    the remesh criterion (90 % of the fresh mesh's quality).
    """
    fillers = [
        {
            "kind": "disc",
            "material": "ins",
            "radius_um": 0.3,
            "layout": {"kind": "explicit", "centers_um": [[2.0, 1.5]]},
        },
    ]
    cfg = _config(fillers)
    cell = cell_from_config(MPI.COMM_WORLD, cfg)
    source = json.loads(json.dumps({k: v for k, v in cell.source.items() if "xy" not in k}))
    shapes = shapes_from_dicts(source.pop("fillers"))
    anode = cell.source["anode_xy_um"].copy()
    anode[:, 1] += 1e-3 * anode[:, 0] / anode[-1, 0]  # the right end 1e-3 um higher
    moved = build_cell(
        MPI.COMM_WORLD, anode, cell.source["counter_xy_um"], grid_um=1e-9, fillers=shapes, **source
    )
    quality = min_quality(moved.mesh)
    assert quality > 0.5
    assert quality == pytest.approx(min_quality(cell.mesh), abs=0.1)


@pytest.mark.serial
def test_grain_boundaries_tile_their_region():
    gb = {
        "kind": "grain_boundaries",
        "material": "mof",
        "grain_material": "fast",
        "region_um": [[0.0, 0.5], [4.0, 2.5]],
        "grain_size_um": 0.5,
        "thickness_um": 0.04,
        "seed": 5,
    }
    cfg = _config([gb], h=0.05)
    shapes = resolve_shapes(cfg.cell, cfg.materials)
    grains = [s for s in shapes if s.parent == 0]
    assert len(grains) > 20
    cell = cell_from_config(MPI.COMM_WORLD, cfg)
    areas = _areas(cell, TagRegistry.for_materials(cfg.materials))
    assert areas["mof"] + areas["fast"] == pytest.approx(8.0, rel=1e-10)
    assert areas["fast"] == pytest.approx(sum(s.area_um2() for s in grains), rel=1e-10)
    assert areas["electrolyte"] == pytest.approx(4.0, rel=1e-10)


@pytest.mark.serial
@pytest.mark.parametrize("motion", ["with_electrolyte", "fixed"])
def test_a_moving_run_remeshes_around_blocking_particles(tmp_path, motion):
    """Every remesh re-creates the holes exactly: moved up with the electrolyte by the Faraday
    mean growth (the charge passed, ``li_plated_um``), or where they were (``fixed``)."""
    from lidendrite import simulation

    r = 0.4
    raw = {
        "cell": {
            "width_um": 4.0,
            "thickness_um": 4.0,
            "anode": {"shape": "defect", "defect_radius_um": 0.5},
            "fillers": [
                {
                    "kind": "disc",
                    "material": "ins",
                    "radius_um": r,
                    "layout": {"kind": "explicit", "centers_um": [[1.0, 2.0], [3.0, 2.5]]},
                },
            ],
            "filler_motion": motion,
        },
        "electrolyte": {"preset": "NH2-Li-G62"},
        "materials": {"ins": {"blocking": True}},
        "mesh": {"size_at_anode_um": 0.1, "size_bulk_um": 0.3},
        "operation": {"current_density_A_per_m2": 100.0, "duration_s": 30.0},
        "numerics": {"moving_boundary": True, "remesh_min_quality": 0.9},
        "output": {"every_s": 30.0},
    }
    seen = []

    class Holes:
        def on_step_end(self, stepper, row):  # every accepted step, remeshed ones included
            dy = stepper.counters.li_plated_um if motion == "with_electrolyte" else 0.0
            nodes = _facet_nodes(stepper.state, tags.FILLERS)
            d = np.minimum(
                np.hypot(nodes[:, 0] - 1.0, nodes[:, 1] - 2.0 - dy),
                np.hypot(nodes[:, 0] - 3.0, nodes[:, 1] - 2.5 - dy),
            )
            seen.append((float(np.abs(d - r).max()), dy, stepper.counters.remesh_count))

    result = simulation.run(config_from_dict(raw), tmp_path, callbacks=[Holes()], frames=False)
    assert result.status == "completed"
    assert seen[-1][2] >= 1  # through a remesh
    worst = max(e for e, _, _ in seen)
    print(f"\nfillers {motion}: moved {seen[-1][1]:.4f} um, worst hole radius error {worst:.1e}")
    assert worst < 1e-9  # every remesh and every step: the holes exactly where they should be
    if motion == "with_electrolyte":
        assert seen[-1][1] > 0.05  # they moved by far more than the tolerance


@pytest.mark.serial
def test_lattice_file_layouts_and_check_output(tmp_path, capsys):
    from lidendrite.cli import main

    hexagonal = {"kind": "lattice", "pattern": "hexagonal", "spacing_um": 1.0}
    hexagonal["region_um"] = [[0.2, 0.5], [4.0, 2.5]]
    disc = {"kind": "disc", "material": "ins", "radius_um": 0.1, "layout": hexagonal}
    cfg = _config([disc])
    centres = np.array([s.center for s in resolve_shapes(cfg.cell, cfg.materials)])
    dy = math.sqrt(3) / 2
    # rows at 0.5 + dy/2 and 0.5 + 3dy/2 (the next, 0.5 + 5dy/2 = 2.67, is outside the box),
    # the second shifted by half a spacing; centres in the half-open box [0.2, 4)
    assert np.allclose(np.unique(centres[:, 1]), [0.5 + dy / 2, 0.5 + 1.5 * dy])
    assert sorted(centres[centres[:, 1] < 1, 0]) == pytest.approx([0.7, 1.7, 2.7, 3.7])
    assert sorted(centres[centres[:, 1] > 1, 0]) == pytest.approx([0.2, 1.2, 2.2, 3.2])

    csv = tmp_path / "particles.csv"
    csv.write_text("x_um,y_um,radius_um\n1.0,1.0,0.3\n2.5,2.0,0.2  # a comment\n")
    from_file = {"kind": "disc", "material": "ins", "layout": {"kind": "file", "path": str(csv)}}
    cfg = _config([from_file])
    shapes = resolve_shapes(cfg.cell, cfg.materials)
    assert [(s.center, s.radius) for s in shapes] == [((1.0, 1.0), 0.3), ((2.5, 2.0), 0.2)]
    csv.write_text("1.0,1.0\n2.0,oops\n")
    with pytest.raises(ConfigError, match="line 2 is not numbers"):
        _config([from_file])

    config = tmp_path / "random.yaml"
    raw = {
        "cell": {"width_um": 4.0, "thickness_um": 3.0, "fillers": [_random(3)]},
        "electrolyte": {"conductivity_S_per_m": 0.1, "transference_number": 0.4},
        "materials": MATERIALS,
    }
    config.write_text(json.dumps(raw))
    assert main(["check", str(config), "--no-mesh"]) == 0
    out = capsys.readouterr().out
    phi = _config([_random(3)]).cell.fillers[0].layout.realised_area_fraction
    assert f"cell.fillers[0]: realised area fraction {phi:.4f} (target 0.2)" in out
