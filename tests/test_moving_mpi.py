"""A moving-boundary run with remeshing gives the same metrics on one and on two MPI ranks.

``lidendrite run`` is launched as a subprocess, serially and under ``mpirun -n 2``, on a growing
defect whose mesh is rebuilt at least once. Every column of ``metrics.csv`` except the wall-clock
time must agree row by row to 1e-6, relative to the size of the column: the remesh (polylines
gathered from all ranks, a new partition, the non-matching transfer) must not make the answer
depend on the number of ranks. Guards against boundary polylines assembled in a rank-dependent
order, a remesh decided on one rank only, and fields transferred to ghost cells only.
"""

from __future__ import annotations

import numpy as np
import pytest

from cli_runs import run_serial_and_parallel
from moving_utils import moving_cell, read_metrics

RTOL = 1e-6
CONFIG = moving_cell(
    title="moving boundary with remeshing, MPI agreement",
    cell={
        "width_um": 3.0,
        "thickness_um": 3.0,
        "counter_electrode": "lithium",
        "anode": {"shape": "defect", "defect_radius_um": 0.8},
    },
    mesh={"size_at_anode_um": 0.1, "size_bulk_um": 0.5, "grading_distance_um": 1.5},
    operation={"current_density_A_per_m2": 300.0, "duration_s": 8.5},
    numerics={"dt_max_s": 1.0, "remesh_min_quality": 0.68},
    output={"every_s": 8.5},
)


@pytest.mark.serial
def test_remeshed_run_agrees_on_one_and_two_ranks(tmp_path):
    one, two = run_serial_and_parallel(CONFIG, tmp_path)
    serial, parallel = read_metrics(one / "metrics.csv"), read_metrics(two / "metrics.csv")
    assert serial["remesh_count"][-1] >= 1, "the case must remesh at least once"
    assert serial["time_s"][-1] == pytest.approx(CONFIG["operation"]["duration_s"])
    assert list(parallel) == list(serial)
    assert len(parallel["time_s"]) == len(serial["time_s"])
    for column, expected in serial.items():
        if column == "wall_time_s" or np.all(np.isnan(expected)):
            continue
        scale = np.nanmax(np.abs(expected))
        np.testing.assert_allclose(
            parallel[column], expected, rtol=RTOL, atol=RTOL * scale, err_msg=column
        )
