"""The iterative solver (FGMRES + field-split GAMG) gives the direct solver's answer.

Both solve the same Newton systems to ``ksp_rtol = 1e-10``; metrics of a 2-D run must agree to
1e-8 relative, with insulating and with periodic walls (where the preconditioner works on the
periodic subspace). Guards against a field split that puts c, φ or V at the wrong rows (the
Krylov method would then stall or converge to the wrong field).
"""

from __future__ import annotations

import numpy as np
import pytest

from validation_utils import COMPARED_COLUMNS, DEFECT_CELL_200, merge, run_variants, shared_dir

BASE = merge(DEFECT_CELL_200, {"title": "solver agreement"})
COLUMNS = COMPARED_COLUMNS


@pytest.mark.parametrize("sides", ["insulating", "periodic"])
def test_iterative_matches_direct(comm, tmp_path, sides):
    root = shared_dir(tmp_path, comm)
    variants = {
        s: {"cell": {"sides": sides}, "numerics": {"solver": s}} for s in ("direct", "iterative")
    }
    direct, iterative = run_variants(BASE, variants, root, comm).values()
    assert np.array_equal(direct["time_s"], iterative["time_s"])
    for col in COLUMNS:
        scale = np.max(np.abs(direct[col]))
        assert np.max(np.abs(iterative[col] - direct[col])) <= 1e-8 * scale, col
