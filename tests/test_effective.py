"""Effective conductivity of composite cells against analytic references (``lidendrite effective``).

- Discs on a square lattice, one disc in a unit cell: the planes between rows are equipotentials
  of the infinite lattice (mirror symmetry), so the unit cell between the electrodes is exact.
  References: 2-D Maxwell–Garnett (1+βφ)/(1−βφ), β = (σ_p−σ_m)/(σ_p+σ_m) (blocking: β = −1), and
  the Rayleigh/Perrins series for the square lattice (to O(φ⁸); exact to < 1e-8 at φ = 0.1),
  against which the observed order of convergence with the mesh size is measured.
- Core–shell discs: the equivalent particle σ_eq = σ_s[(σ_c+σ_s)+q(σ_c−σ_s)]/[(σ_c+σ_s)−q(σ_c−σ_s)],
  q = (a/b)², then Maxwell–Garnett.
- Grain boundaries on an aligned brick pattern: 1/σ_eff ≈ 1/σ_g + (δ/d)/σ_gb (resistive
  boundaries), σ_eff ≈ σ_g + (δ/d)σ_gb (fast ones); the exact value lies between the series and
  parallel cuts (insulating walls along / perfect conductors across the current), which differ
  from these formulas by less than δ/d/2 here. Two cell heights (one and two rows of grains)
  cancel what the electrodes and the matrix slabs add.
- t₊,eff: the same lattice with σ₊ = t₊σ per region, against Maxwell–Garnett for σ and σ₊.
"""

import dataclasses
import json
import math
from pathlib import Path

from mpi4py import MPI

import numpy as np
import pytest

from lidendrite.cli import main
from lidendrite.config import config_from_dict
from lidendrite.geometry.cell import build_cell, cell_from_config, resample_polyline
from lidendrite.geometry.fillers import resolve_shapes
from lidendrite.solver.effective import effective_conductivity, effective_properties

MATRIX = {"conductivity_S_per_m": 1.0, "transference_number": 0.4}


def _lattice_config(fillers, materials, h, width=1.0, thickness=1.0):
    return config_from_dict(
        {
            "cell": {"width_um": width, "thickness_um": thickness, "fillers": fillers},
            "electrolyte": MATRIX,
            "materials": materials,
            "mesh": {"size_at_anode_um": h, "size_bulk_um": h},
        }
    )


def _disc(phi, material="p", shell=None):
    r = math.sqrt(phi / math.pi)
    disc = {"kind": "disc", "material": material, "radius_um": r}
    disc["layout"] = {"kind": "lattice", "spacing_um": 1.0}
    if shell is not None:
        disc["shell"] = shell
    return disc


def _relative(fillers, materials, sigma_by_name, h, filler_size=None):
    """σ_eff / σ_matrix of a unit cell (collective); ``filler_size``: the size at the fillers."""
    cfg = _lattice_config(fillers, materials, h)
    if filler_size is None:
        cell = cell_from_config(MPI.COMM_WORLD, cfg)
    else:
        shapes = resolve_shapes(cfg.cell, cfg.materials, h)
        cell = build_cell(
            MPI.COMM_WORLD,
            resample_polyline(np.array([[0.0, 0.0], [1.0, 0.0]]), h),
            resample_polyline(np.array([[0.0, 1.0], [1.0, 1.0]]), h),
            size_at_anode_um=h,
            size_bulk_um=h,
            grading_distance_um=1.0,
            fillers=[dataclasses.replace(s, size_um=filler_size) for s in shapes],
        )
    names = ["electrolyte", *cfg.materials]
    sigma = {tag: sigma_by_name.get(name, 0.0) for tag, name in enumerate(names, start=1)}
    return effective_conductivity(cell, sigma)["sigma_eff"]


def maxwell_garnett(beta, phi):
    return (1 + beta * phi) / (1 - beta * phi)


def rayleigh_square(beta, phi):
    """Perrins, McKenzie & McPhedran (1979): square array of cylinders, to O(φ⁸)."""
    b2 = beta * beta
    return 1 + 2 * beta * phi / (
        1
        - beta * phi
        - 0.305827 * b2 * phi**4 / (1 - 1.402958 * b2 * phi**8)
        - 0.013362 * b2 * phi**8
    )


@pytest.mark.parametrize("phi", [0.1, 0.3])
def test_blocking_discs_against_maxwell_garnett(phi):
    got = _relative([_disc(phi)], {"p": {"blocking": True}}, {"electrolyte": 1.0}, 0.02)
    assert got == pytest.approx(maxwell_garnett(-1.0, phi), rel=0.01)
    assert got == pytest.approx(rayleigh_square(-1.0, phi), rel=2e-3)


@pytest.mark.serial
@pytest.mark.parametrize("phi", [0.1, 0.3])
def test_conducting_discs_against_maxwell_garnett(phi):
    materials = {"p": {"conductivity_S_per_m": 10.0, "transference_number": 0.4}}
    got = _relative([_disc(phi)], materials, {"electrolyte": 1.0, "p": 10.0}, 0.02)
    assert got == pytest.approx(maxwell_garnett(9 / 11, phi), rel=0.01)
    assert got == pytest.approx(rayleigh_square(9 / 11, phi), rel=1e-3)


@pytest.mark.serial
def test_convergence_with_mesh_size():
    sizes = [0.04, 0.02, 0.01]
    exact = rayleigh_square(-1.0, 0.1)
    blocking = {"p": {"blocking": True}}
    errors = [
        abs(_relative([_disc(0.1)], blocking, {"electrolyte": 1.0}, h, h) / exact - 1)
        for h in sizes
    ]
    orders = [math.log2(errors[k] / errors[k + 1]) for k in range(len(errors) - 1)]
    # measured: 2.9e-3, 7.8e-4, 2.0e-4 -> orders 1.9, 1.9 (P1 energy and polygonal circles: 2)
    assert errors[-1] < 5e-4
    assert min(orders) > 1.6, (errors, orders)


@pytest.mark.serial
@pytest.mark.parametrize(
    ("core", "shell", "ratio"),
    [(None, 20.0, 0.8), (10.0, 0.2, 0.7)],
    ids=["blocking-core-fast-shell", "conducting-core-resistive-shell"],
)
def test_core_shell_discs(core, shell, ratio):
    phi = 0.2  # of the whole particle (core and shell)
    b = math.sqrt(phi / math.pi)
    a = ratio * b
    materials = {
        "c": {"blocking": True}
        if core is None
        else {"conductivity_S_per_m": core, "transference_number": 0.4},
        "s": {"conductivity_S_per_m": shell, "transference_number": 0.4},
    }
    filler = {"kind": "core_shell", "material": "c", "radius_um": a}
    filler["shell"] = {"thickness_um": b - a, "material": "s"}
    filler["layout"] = {"kind": "lattice", "spacing_um": 1.0}
    sigma = {"electrolyte": 1.0, "s": shell, "c": core or 0.0}
    got = _relative([filler], materials, sigma, 0.02)
    sc, q = core or 0.0, ratio**2
    s_eq = shell * ((sc + shell) + q * (sc - shell)) / ((sc + shell) - q * (sc - shell))
    assert got == pytest.approx(maxwell_garnett((s_eq - 1) / (s_eq + 1), phi), rel=0.02)


def _brick_current(rows, sigma_gb, delta, d=1.0, slab=0.5, h=0.1):
    fillers = [
        {
            "kind": "grain_boundaries",
            "material": "gb",
            "pattern": "bricks",
            "grain_size_um": d,
            "thickness_um": delta,
            "region_um": [[0.0, slab], [d, slab + rows * d]],
        }
    ]
    materials = {"gb": {"conductivity_S_per_m": sigma_gb, "transference_number": 0.4}}
    thickness = 2 * slab + rows * d
    cfg = _lattice_config(fillers, materials, h, width=d, thickness=thickness)
    # two elements across the boundary layer is coarse for the layer's own resistance: use four
    shapes = resolve_shapes(cfg.cell, cfg.materials, h)
    shapes = [dataclasses.replace(s, size_um=delta / 4) for s in shapes]
    cell = build_cell(
        MPI.COMM_WORLD,
        resample_polyline(np.array([[0.0, 0.0], [d, 0.0]]), h),
        resample_polyline(np.array([[0.0, thickness], [d, thickness]]), h),
        size_at_anode_um=h,
        size_bulk_um=h,
        grading_distance_um=1.0,
        fillers=shapes,
    )
    return effective_conductivity(cell, {1: 1.0, 2: sigma_gb})["current"]


@pytest.mark.serial
@pytest.mark.parametrize("sigma_gb", [0.02, 50.0], ids=["resistive", "fast"])
def test_grain_boundaries_on_bricks(sigma_gb):
    delta, d = 0.02, 1.0
    one, two = _brick_current(1, sigma_gb, delta), _brick_current(2, sigma_gb, delta)
    got = d / (1.0 / two - 1.0 / one)  # one row of grains, width d: σ = d / (ΔR d)
    f = delta / d
    if sigma_gb < 1.0:
        formula = 1.0 / (1.0 + f / sigma_gb)
    else:
        formula = 1.0 + f * sigma_gb
    series_cut = f * sigma_gb + (1 - f) / ((1 - f) + f / sigma_gb)
    parallel_cut = 1.0 / ((1 - f) / ((1 - f) + f * sigma_gb) + f / sigma_gb)
    # the exact value lies in [series_cut, parallel_cut], within 1 % of the formula
    assert abs(series_cut / formula - 1) < 0.01 and abs(parallel_cut / formula - 1) < 0.01
    assert got == pytest.approx(formula, rel=0.01)


@pytest.mark.serial
def test_transference_number_of_a_composite(tmp_path):
    phi = 0.25
    materials = {"p": {"conductivity_S_per_m": 10.0, "transference_number": 0.9}}
    cfg = _lattice_config([_disc(phi)], materials, 0.025)
    result = effective_properties(MPI.COMM_WORLD, cfg)
    sigma_m, sigma_p = 1.0, 10.0
    plus_m, plus_p = 0.4 * sigma_m, 0.9 * sigma_p
    mg = maxwell_garnett((sigma_p - sigma_m) / (sigma_p + sigma_m), phi)
    mg_plus = maxwell_garnett((plus_p - plus_m) / (plus_p + plus_m), phi)
    assert result["relative_conductivity"] == pytest.approx(mg, rel=0.01)
    assert result["effective_transference_number"] == pytest.approx(0.4 * mg_plus / mg, rel=0.01)
    assert result["area_fractions"]["p"] == pytest.approx(phi, rel=2e-3)

    config = tmp_path / "composite.yaml"
    raw = {
        "cell": {"width_um": 1.0, "thickness_um": 1.0, "fillers": [_disc(phi)]},
        "electrolyte": MATRIX,
        "materials": materials,
        "mesh": {"size_at_anode_um": 0.025, "size_bulk_um": 0.025},
    }
    config.write_text(json.dumps(raw))
    out = tmp_path / "effective.json"
    assert main(["effective", str(config), "--json", str(out)]) == 0
    written = json.loads(Path(out).read_text())
    assert written["effective_transference_number"] == pytest.approx(
        result["effective_transference_number"], rel=1e-9
    )
    bad = tmp_path / "bad.yaml"
    raw["cell"]["fillers"][0]["radius_um"] = 0.6  # leaves the unit cell
    bad.write_text(json.dumps(raw))
    assert main(["effective", str(bad)]) == 2
