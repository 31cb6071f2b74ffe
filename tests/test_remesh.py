"""Remeshing of a growing Li defect: conservation across remeshes and mesh independence.

A semicircular defect plates at 300 A/m² in a Li|Cl-Li-G62|Li cell; the remesh threshold is
set high so the run is rebuilt from its boundary polylines several times. Across the remeshes:

- the dissolved Li⁺ (and anion) inventory does not change, and the non-matching field transfer
  needed only a small correction;
- the charge passed (``li_plated_um``) is the applied current times the time (Faraday), i.e. no
  step after a remesh is solved at the wrong current, and the Li counter electrode has lost
  exactly that much Li;
- the Li deposited on the anode (the rise of its mean height) matches that charge;
- the end state agrees with a run on a finer mesh with a lower remesh threshold.

Guards against fields lost or shifted by the transfer, a remeshed problem that forgets the
applied current or the cell voltage, polylines resampled onto a different surface, and metrics
that jump at a remesh.
"""

from __future__ import annotations

import numpy as np
import pytest

from moving_utils import faraday_thickness_um, moving_cell, run_case, shared_dir

WIDTH_UM, THICKNESS_UM, RADIUS_UM = 3.0, 3.0, 0.8
CURRENT_A_PER_M2, DURATION_S = 300.0, 24.0


def _config(size_at_anode_um: float, remesh_min_quality: float) -> dict:
    return moving_cell(
        title=f"remeshing, h = {size_at_anode_um:g} um",
        cell={
            "width_um": WIDTH_UM,
            "thickness_um": THICKNESS_UM,
            "counter_electrode": "lithium",
            "anode": {"shape": "defect", "defect_radius_um": RADIUS_UM},
        },
        mesh={
            "size_at_anode_um": size_at_anode_um,
            "size_bulk_um": 0.5,
            "grading_distance_um": 1.5,
        },
        operation={"current_density_A_per_m2": CURRENT_A_PER_M2, "duration_s": DURATION_S},
        numerics={"dt_max_s": 1.0, "remesh_min_quality": remesh_min_quality},
        output={"every_s": DURATION_S},
    )


@pytest.fixture(scope="module")
def runs(comm, tmp_path_factory):
    """The remeshed run and its finer reference (collective)."""
    root = shared_dir(comm, tmp_path_factory.mktemp("remesh"))
    coarse = run_case(_config(0.1, 0.68), root / "coarse", comm)
    fine = run_case(_config(0.08, 0.2), root / "fine", comm)
    for out in (coarse, fine):
        assert out.status["status"] == "completed", out.status
        assert out.metrics["time_s"][-1] == pytest.approx(DURATION_S)
    return coarse, fine


def test_remeshes_several_times(runs):
    coarse, _ = runs
    assert coarse.metrics["remesh_count"][-1] >= 3
    assert coarse.status["remesh_count"] == coarse.metrics["remesh_count"][-1]


def test_dissolved_li_is_conserved_across_remeshes(runs):
    coarse, _ = runs
    m = coarse.metrics
    for column in ("cation_inventory_mol_per_m", "anion_inventory_mol_per_m"):
        np.testing.assert_allclose(m[column], m[column][0], rtol=1e-6, err_msg=column)
    # The renormalisation only corrects a transfer that was nearly conservative already.
    assert np.max(np.abs(m["remesh_inventory_correction"])) < 1e-2


def test_li_metal_moved_equals_the_charge_passed(runs):
    coarse, _ = runs
    m = coarse.metrics
    t = m["time_s"][1:]
    plated = faraday_thickness_um(CURRENT_A_PER_M2, t)  # 0.566 um at the end
    np.testing.assert_allclose(m["li_plated_um"][1:], plated, rtol=1e-6, err_msg="charge")
    recession = m["counter_mean_height_um"][1:] - THICKNESS_UM
    np.testing.assert_allclose(recession, plated, rtol=1e-6, err_msg="counter electrode")


def test_anode_deposit_matches_the_charge_passed(runs):
    coarse, _ = runs
    m = coarse.metrics
    deposit = m["mean_height_um"][-1] - m["mean_height_um"][0]
    plated = faraday_thickness_um(CURRENT_A_PER_M2, DURATION_S)
    # every step sweeps exactly the Faraday volume and every remesh keeps the area under the
    # front, so the deposit equals the charge passed to round-off
    assert deposit == pytest.approx(plated, rel=1e-8), (
        f"anode deposit {deposit:.5f} um, charge passed {plated:.5f} um "
        f"({deposit / plated - 1:+.2%}) after {m['remesh_count'][-1]:g} remeshes"
    )


@pytest.mark.parametrize("column", ["tip_height_um", "mean_height_um", "cell_voltage_V"])
def test_end_state_is_mesh_independent(runs, column):
    coarse, fine = runs
    assert coarse.final[column] == pytest.approx(fine.final[column], rel=1e-2), (
        f"{column}: {coarse.final[column]:.6g} ({coarse.final['remesh_count']:g} remeshes) vs "
        f"{fine.final[column]:.6g} on the finer mesh ({fine.final['remesh_count']:g} remeshes)"
    )
