"""The iterative solver (FGMRES + field-split GAMG) gives the direct solver's answer.

Both solve the same Newton systems to ``ksp_rtol = 1e-10``; metrics of a 2-D run must agree to
1e-8 relative, with insulating and with periodic walls (where the preconditioner works on the
periodic subspace). Guards against a field split that puts c, φ or V at the wrong rows (the
Krylov method would then stall or converge to the wrong field).
"""

from __future__ import annotations

import numpy as np
import pytest

from validation_utils import merge, read_metrics, run_case, shared_dir

BASE = {
    "title": "solver agreement",
    "cell": {
        "width_um": 4.0,
        "thickness_um": 3.0,
        "counter_electrode": "lithium",
        "anode": {"shape": "defect", "defect_radius_um": 0.5, "defect_x_um": 1.5},
    },
    "mesh": {"size_at_anode_um": 0.1, "size_bulk_um": 0.3, "grading_distance_um": 1.0},
    "electrolyte": {"preset": "NH2-Li-G62"},
    "operation": {"current_density_A_per_m2": 200.0, "duration_s": 2.0},
    "numerics": {"dt_initial_s": 1e-3, "dt_max_s": 0.2},
    "output": {"every_s": 2.0, "vtx": False, "progress_every_s": 0.0},
}
COLUMNS = [
    "cell_voltage_V",
    "c_anode_min_mol_per_m3",
    "i_anode_max_A_per_m2",
    "anode_overpotential_V",
    "cation_inventory_mol_per_m",
]


@pytest.mark.parametrize("sides", ["insulating", "periodic"])
def test_iterative_matches_direct(comm, tmp_path, sides):
    root = shared_dir(tmp_path, comm)
    runs = {}
    for solver in ("direct", "iterative"):
        data = merge(BASE, {"cell": {"sides": sides}, "numerics": {"solver": solver}})
        _, result = run_case(data, root / solver, comm)
        assert result.status == "completed", result.reason
        runs[solver] = read_metrics(root / solver, comm)
    direct, iterative = runs["direct"], runs["iterative"]
    assert np.array_equal(direct["time_s"], iterative["time_s"])
    for col in COLUMNS:
        scale = np.max(np.abs(direct[col]))
        assert np.max(np.abs(iterative[col] - direct[col])) <= 1e-8 * scale, col
