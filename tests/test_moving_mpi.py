"""A moving-boundary run with remeshing gives the same metrics on one and on two MPI ranks.

``lidendrite run`` is launched as a subprocess, serially and under ``mpirun -n 2``, on a growing
defect (insulating walls) and on a sinusoidal anode near the limiting current (periodic walls)
whose meshes are rebuilt at least once. Every column of ``metrics.csv`` except the wall-clock
time must agree row by row to 1e-8, relative to the size of the column: the remesh (polylines
gathered from all ranks, a new partition, the non-matching transfer) must not make the answer
depend on the number of ranks. Guards against boundary polylines assembled in a rank-dependent
order, a remesh decided on one rank only, fields transferred to ghost cells only, and Gmsh
input that carries partition-dependent round-off (Gmsh turns 1e-14 µm into another mesh).
"""

from __future__ import annotations

import numpy as np
import pytest

from cli_runs import run_serial_and_parallel
from moving_utils import moving_cell, read_metrics, remeshing_defect_cell

RTOL = 1e-8
CONFIG = remeshing_defect_cell(
    current_A_per_m2=300.0,
    duration_s=8.5,
    title="moving boundary with remeshing, MPI agreement",
)
#: A 10 um x 8 um NH2-Li-G62 cell, sinusoidal anode, 0.8 i_lim (134 A/m^2), periodic walls.
PERIODIC = moving_cell(
    title="periodic cell with remeshing, MPI agreement",
    cell={
        "width_um": 10.0,
        "thickness_um": 8.0,
        "sides": "periodic",
        "anode": {"shape": "sinusoid", "amplitude_um": 0.3, "wavelength_um": 5.0},
    },
    electrolyte={"preset": "NH2-Li-G62"},
    mesh={"size_at_anode_um": 0.25, "size_bulk_um": 1.0, "grading_distance_um": 2.0},
    operation={"current_density_A_per_m2": 134.0, "duration_s": 120.0},
    numerics={"dt_max_s": 5.0, "remesh_min_quality": 0.8},
    output={"every_s": 60.0},
)


@pytest.mark.serial
@pytest.mark.parametrize("config", [CONFIG, PERIODIC], ids=["insulating", "periodic"])
def test_remeshed_run_agrees_on_one_and_two_ranks(tmp_path, config):
    one, two = run_serial_and_parallel(config, tmp_path)
    serial, parallel = read_metrics(one / "metrics.csv"), read_metrics(two / "metrics.csv")
    assert serial["remesh_count"][-1] >= 1, "the case must remesh at least once"
    assert serial["time_s"][-1] == pytest.approx(config["operation"]["duration_s"])
    assert list(parallel) == list(serial)
    assert len(parallel["time_s"]) == len(serial["time_s"])
    for column, expected in serial.items():
        if column == "wall_time_s" or np.all(np.isnan(expected)):
            continue
        scale = np.nanmax(np.abs(expected))
        np.testing.assert_allclose(
            parallel[column], expected, rtol=RTOL, atol=RTOL * scale, err_msg=column
        )
