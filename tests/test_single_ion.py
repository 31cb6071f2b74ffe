"""Single-ion conductor (t+ = 1, e.g. an anionic MOF): the anions do not move.

With immobile anions there is no concentration polarisation: the salt concentration stays c0
everywhere, there is no limiting current and no Sand's time, and a symmetric Li|Li cell is a
resistor plus two Butler–Volmer interfaces. Reference (independent of the solver):
|V| = i L / σ + 2 η(i), with η solving i = i0 [exp(α_c F η/RT) − exp(−α_a F η/RT)] at c = c0.
Also on a moving mesh the concentration must stay exactly c0 (nothing to advect). Guards
against a salt equation that still diffuses or advects anions when D- = 0, and against a
limiting current or depletion event computed from 1/(1 − t+).
"""

from __future__ import annotations

import numpy as np
import pytest

from validation_utils import bv_overpotential_V, merge, read_metrics, run_case, shared_dir

SIGMA_S_PER_M, I0, CURRENT = 0.01, 10.0, 300.0  # current far above a binary salt's limit
BASE = {
    "title": "single-ion conductor",
    "cell": {"width_um": 2.0, "thickness_um": 10.0, "counter_electrode": "lithium"},
    "mesh": {"size_at_anode_um": 0.2, "size_bulk_um": 0.5},
    "electrolyte": {"conductivity_S_per_m": SIGMA_S_PER_M, "transference_number": 1.0},
    "kinetics": {"exchange_current_density_A_per_m2": I0},
    "operation": {"current_density_A_per_m2": CURRENT, "duration_s": 20.0},
    "numerics": {"dt_initial_s": 0.01, "dt_max_s": 5.0},
    "output": {"every_s": 10.0, "vtx": False, "progress_every_s": 0.0},
}


def test_single_ion_cell_is_ohmic_plus_kinetics(comm, tmp_path):
    root = shared_dir(tmp_path, comm)
    _, result = run_case(BASE, root / "flat", comm)
    assert result.status == "completed", result.reason
    m = read_metrics(root / "flat", comm)
    assert np.all(m["c_anode_min_mol_per_m3"] == pytest.approx(1000.0, rel=1e-12))
    eta = abs(bv_overpotential_V(CURRENT, 1.0, I0))
    expected = CURRENT * 10e-6 / SIGMA_S_PER_M + 2.0 * eta
    assert np.abs(m["cell_voltage_V"]) == pytest.approx(expected, rel=1e-6)


def test_single_ion_moving_boundary_keeps_the_salt_uniform(comm, tmp_path):
    root = shared_dir(tmp_path, comm)
    data = merge(
        BASE,
        {
            "cell": {"anode": {"shape": "defect", "defect_radius_um": 0.6}},
            "numerics": {"moving_boundary": True},
        },
    )
    _, result = run_case(data, root / "moving", comm)
    assert result.status == "completed", result.reason
    m = read_metrics(root / "moving", comm)
    assert np.all(m["c_anode_min_mol_per_m3"] == pytest.approx(1000.0, rel=1e-12))
    assert m["mean_height_um"][-1] == pytest.approx(m["li_plated_um"][-1], rel=1e-6)
