"""What remeshing and loop removal change is accounted for in metrics.csv, cumulatively.

A seed-002-like cell (3 µm × 3 µm, LPC at 318 K, a 0.5 µm defect, h = 0.1 µm) plates at
30 A/m² for 300 s: the concave feet of the growing defect close, the front folds over itself
and the loop is cut out (the swallowtail of converging flanks: Li the Faraday step deposited
is taken away again), and the cell remeshes three times.

- Li: on every row, the deposit on the anode (rise of the mean height × width) equals the
  Faraday charge (``li_plated_um`` × width) minus ``loop_area_removed_um2``, to 1e-8 µm²;
  without the column the balance is off by the loop area (0.026 µm², 0.7 % of the deposit).
- Salt: ``salt_correction_cumulative_mol_per_m`` is the sum of the per-remesh corrections,
  each reconstructed from the relative correction logged at its remesh and the inventory after
  it (c_new = c × (1 + r): the salt added is the inventory × r/(1 + r)).

Guards against a cumulative column that misses a remesh or a loop, counts a rejected attempt,
or loses its value across the recorder's rows; that it survives a checkpoint and resume is
checked by ``tests/test_checkpoint.py`` (every column of every row).
"""

from __future__ import annotations

import numpy as np
import pytest

from moving_utils import moving_cell, run_case, shared_dir

WIDTH_UM = 3.0


@pytest.fixture(scope="module")
def metrics(comm, tmp_path_factory) -> dict[str, np.ndarray]:
    config = moving_cell(
        title="remesh and loop accounting",
        cell={
            "width_um": WIDTH_UM,
            "thickness_um": 3.0,
            "anode": {"shape": "defect", "defect_radius_um": 0.5},
        },
        mesh={"size_at_anode_um": 0.1, "size_bulk_um": 0.4, "grading_distance_um": 1.0},
        electrolyte={"preset": "LPC"},
        kinetics={"alpha_anodic": 0.5, "alpha_cathodic": 0.5, "surface_energy_J_per_m2": 0.5},
        operation={"temperature_K": 318.0, "current_density_A_per_m2": 30.0, "duration_s": 300.0},
        numerics={"dt_initial_s": 0.01, "dt_max_s": 120.0},
        output={"every_s": 300.0},
    )
    out = run_case(config, shared_dir(comm, tmp_path_factory.mktemp("accounting")) / "run", comm)
    assert out.status["status"] == "completed", out.status
    return out.metrics


def test_deposit_is_charge_minus_loops(metrics):
    m = metrics
    assert m["remesh_count"][-1] >= 2
    assert m["loop_area_removed_um2"][-1] > 0.01  # a loop was cut: the check is not vacuous
    deposit = (m["mean_height_um"] - m["mean_height_um"][0]) * WIDTH_UM
    charge = m["li_plated_um"] * WIDTH_UM
    np.testing.assert_allclose(deposit, charge - m["loop_area_removed_um2"], rtol=0, atol=1e-8)
    assert abs(deposit[-1] - charge[-1]) > 1e3 * 1e-8  # the column is what closes the balance


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
