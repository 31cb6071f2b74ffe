"""What remeshing and loop removal change is accounted for in metrics.csv, cumulatively.

A deep sinusoid (λ = W = 1 µm, amplitude 0.25 µm, trough at the centre) in a 2 µm
Li|Cl-Li-G62|Li cell plates at 400 A/m² for 15 s: the flanks of the trough converge, the valley
closes over electrolyte and the loop is cut out (the pocket becomes Li the charge did not
deposit), and the cell remeshes five times.

- Li: on every row, the deposit on the anode (rise of the mean height × width) equals the
  Faraday charge (``li_plated_um`` × width) minus ``loop_area_removed_um2``, to 1e-8 µm²;
  without the column the balance is off by the loop area (−0.004 µm², 0.5 % of the deposit).
- Salt: ``salt_correction_cumulative_mol_per_m`` is the sum of the per-remesh corrections,
  each reconstructed from the relative correction logged at its remesh and the inventory after
  it (c_new = c × (1 + r): the salt added is the inventory × r/(1 + r)).

- A valley closing on an insulating side wall (a defect in a 3 µm wide LPC cell at 30 A/m²,
  the front meets its mirror image at the wall): the part beyond the wall is cut like a loop,
  the run completes (it used to stop with "the anode and the left side wall cross") and the
  same balance holds.

Guards against a cumulative column that misses a remesh or a loop, counts a rejected attempt,
or loses its value across the recorder's rows; that it survives a checkpoint and resume is
checked by ``tests/test_checkpoint.py`` (every column of every row).
"""

from __future__ import annotations

import numpy as np
import pytest

from moving_utils import moving_cell, run_case, shared_dir

WIDTH_UM = 1.0


@pytest.fixture(scope="module")
def metrics(comm, tmp_path_factory) -> dict[str, np.ndarray]:
    config = moving_cell(
        title="remesh and loop accounting",
        cell={
            "width_um": WIDTH_UM,
            "thickness_um": 2.0,
            "anode": {"shape": "sinusoid", "amplitude_um": 0.25, "wavelength_um": WIDTH_UM},
        },
        mesh={"size_at_anode_um": 0.05, "size_bulk_um": 0.25, "grading_distance_um": 1.0},
        operation={"current_density_A_per_m2": 400.0, "duration_s": 15.0},
        numerics={"dt_max_s": 2.0},
        output={"every_s": 15.0},
    )
    out = run_case(config, shared_dir(comm, tmp_path_factory.mktemp("accounting")) / "run", comm)
    assert out.status["status"] == "completed", out.status
    return out.metrics


def test_deposit_is_charge_minus_loops(metrics):
    m = metrics
    assert m["remesh_count"][-1] >= 2
    assert abs(m["loop_area_removed_um2"][-1]) > 1e-3  # a loop was cut: not vacuous
    deposit = (m["mean_height_um"] - m["mean_height_um"][0]) * WIDTH_UM
    charge = m["li_plated_um"] * WIDTH_UM
    # the Li (the deposit less the electrolyte pockets in it) is the Faraday charge
    np.testing.assert_allclose(deposit - m["pocket_area_um2"], charge, rtol=0, atol=1e-8)


def test_cumulative_salt_correction_is_the_sum_of_the_remeshes(metrics):
    m = metrics
    rows = np.flatnonzero(np.diff(m["remesh_count"]) > 0) + 1
    assert len(rows) >= 2
    r = m["remesh_inventory_correction"][rows]
    per_remesh = m["anion_inventory_mol_per_m"][rows] * r / (1.0 + r)
    cumulative = m["salt_correction_cumulative_mol_per_m"]
    assert np.all(per_remesh != 0.0)
    np.testing.assert_allclose(cumulative[rows], np.cumsum(per_remesh), rtol=1e-9)
    # constant between remeshes
    steps = np.diff(cumulative)
    assert np.all(steps[np.diff(m["remesh_count"]) == 0] == 0.0)


def test_valley_closing_on_a_side_wall(comm, tmp_path):
    width = 3.0
    config = moving_cell(
        title="a valley closing on a side wall",
        cell={
            "width_um": width,
            "thickness_um": 3.0,
            "anode": {"shape": "defect", "defect_radius_um": 0.5},
        },
        mesh={"size_at_anode_um": 0.1, "size_bulk_um": 0.2, "grading_distance_um": 1.0},
        electrolyte={"preset": "LPC"},
        operation={"temperature_K": 318.0, "current_density_A_per_m2": 30.0, "duration_s": 600.0},
        numerics={"dt_initial_s": 0.01, "dt_max_s": 120.0},
        output={"every_s": 600.0},
    )
    out = run_case(config, shared_dir(comm, tmp_path) / "wall", comm)
    assert out.status["status"] == "completed", out.status
    m = out.metrics
    assert m["loop_area_removed_um2"][-1] > 1e-3  # the cut happened
    deposit = (m["mean_height_um"] - m["mean_height_um"][0]) * width
    charge = m["li_plated_um"] * width
    np.testing.assert_allclose(deposit - m["pocket_area_um2"], charge, rtol=0, atol=1e-8)


def test_pocket_salt_of_a_uniform_electrolyte(comm):
    """The salt a pocket traps: area × c₀ for a uniform electrolyte (partial cells sampled)."""
    from lidendrite.case import Case
    from lidendrite.config import config_from_dict
    from lidendrite.engine.remesh import pocket_salt
    from lidendrite.engine.state import MeshState
    from lidendrite.geometry.cell import cell_from_config
    from lidendrite.solver.problem import SolverSettings

    cfg = config_from_dict(
        moving_cell(
            cell={"width_um": 2.0, "thickness_um": 2.0},
            mesh={"size_at_anode_um": 0.05, "size_bulk_um": 0.1, "grading_distance_um": 1.0},
        )
    )
    case = Case.from_config(cfg)
    state = MeshState(case, cell_from_config(comm, cfg), SolverSettings())
    state.problem.c.x.array[:] = 1.0  # c = c₀ (scaled)
    square = np.array([[0.5, 0.3], [1.3, 0.3], [1.3, 1.1], [0.5, 1.1], [0.5, 0.3]])
    # a shift moves the cells, not the pocket: the square 0.1 um lower in the fields' frame
    got = pocket_salt(state, [square], 0.1)
    print(f"\npocket salt {got:.5f} (exact 0.64)")
    assert got == pytest.approx(0.64, rel=0.03)  # 0.8 × 0.8 µm² × 1
    assert pocket_salt(state, [], 0.0) == 0.0
    state.close()
