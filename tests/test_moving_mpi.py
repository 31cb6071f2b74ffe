"""A moving-boundary run with remeshing gives the same metrics on one and on two MPI ranks.

``lidendrite run`` is launched as a subprocess, serially and under ``mpirun -n 2``, on a growing
defect whose mesh is rebuilt at least once. Every column of ``metrics.csv`` except the wall-clock
time must agree row by row to 1e-6, relative to the size of the column: the remesh (polylines
gathered from all ranks, a new partition, the non-matching transfer) must not make the answer
depend on the number of ranks. Guards against boundary polylines assembled in a rank-dependent
order, a remesh decided on one rank only, and fields transferred to ghost cells only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

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
    numerics={"dt_max_s": 1.0, "remesh_min_quality": 0.45},
    output={"every_s": 8.5},
)


def _environment() -> dict[str, str]:
    """This process's environment without the variables of an enclosing MPI launch."""
    prefixes = ("PMI_", "PMIX_", "HYDRA_", "MPIR_", "OMPI_")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def _run(command: list[str], cwd: Path, timeout_s: float = 120.0) -> None:
    try:
        proc = subprocess.run(
            command, cwd=cwd, env=_environment(), capture_output=True, text=True, timeout=timeout_s
        )
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode() if isinstance(exc.stderr, bytes) else exc.stderr or ""
        pytest.fail(
            f"{' '.join(command)} did not finish in {timeout_s:g} s (one rank may wait in a "
            f"collective call the other never reached); its stderr ends with:\n{stderr[-3000:]}"
        )
    assert proc.returncode == 0, (
        f"{' '.join(command)} exited with {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    )


@pytest.mark.serial
def test_remeshed_run_agrees_on_one_and_two_ranks(tmp_path):
    bindir = Path(sys.executable).parent
    lidendrite, mpirun = bindir / "lidendrite", bindir / "mpirun"
    assert lidendrite.exists(), f"{lidendrite}: the lidendrite command is not installed"
    assert mpirun.exists(), f"{mpirun}: mpirun is not installed next to the interpreter"
    cfg_path = tmp_path / "cell.yaml"
    cfg_path.write_text(yaml.safe_dump(CONFIG))

    one, two = tmp_path / "np1", tmp_path / "np2"
    _run([str(lidendrite), "run", str(cfg_path), "--out", str(one)], tmp_path)
    _run(
        [str(mpirun), "-n", "2", str(lidendrite), "run", str(cfg_path), "--out", str(two)],
        tmp_path,
    )
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
