"""Run the installed ``lidendrite`` command as a subprocess, serially and under ``mpirun``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml


def _environment() -> dict[str, str]:
    """This process's environment without the variables of an enclosing MPI launch."""
    prefixes = ("PMI_", "PMIX_", "HYDRA_", "MPIR_", "OMPI_")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def run_command(command: list[str], cwd: Path, timeout_s: float) -> None:
    """Run a command; fail the test with its output if it fails or hangs."""
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


def run_serial_and_parallel(
    config: dict, tmp_path: Path, ranks: int = 2, timeout_s: float = 120.0
) -> tuple[Path, Path]:
    """Run one config with ``lidendrite run`` on 1 and on ``ranks`` MPI ranks; the two run dirs."""
    bindir = Path(sys.executable).parent
    lidendrite, mpirun = bindir / "lidendrite", bindir / "mpirun"
    assert lidendrite.exists(), f"{lidendrite}: the lidendrite command is not installed"
    assert mpirun.exists(), f"{mpirun}: mpirun is not installed next to the interpreter"
    cfg_path = tmp_path / "cell.yaml"
    cfg_path.write_text(yaml.safe_dump(config))
    one, many = tmp_path / "np1", tmp_path / f"np{ranks}"
    run_command([str(lidendrite), "run", str(cfg_path), "--out", str(one)], tmp_path, timeout_s)
    run_command(
        [str(mpirun), "-n", str(ranks), str(lidendrite), "run", str(cfg_path), "--out", str(many)],
        tmp_path,
        timeout_s,
    )
    return one, many
