"""``lidendrite sweep --emit slurm``: an sbatch job-array script, one array task per shard.

Each array task runs ``lidendrite sweep SWEEP --out OUT --shard $SLURM_ARRAY_TASK_ID/N`` inside
its allocation, where cases start with ``srun`` (J at a time, K ranks each). ``%M`` in
``--array`` throttles how many tasks run at once. Shards are chosen by the case id, so
resubmitting the same script after adding cases or after a time-out runs only what is left.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

__all__ = ["emit_slurm"]


def emit_slurm(
    sweep_file: Path,
    out: Path,
    *,
    n_cases: int,
    jobs: int,
    ranks_per_case: int,
    shards: int | None = None,
    throttle: int = 4,
    time_limit: str = "04:00:00",
    extra_args: list[str] | None = None,
) -> tuple[Path, str]:
    """Write ``OUT/sweep.sbatch``; returns its path and how to submit and resubmit it."""
    n = max(1, min(shards or n_cases, n_cases))
    out = out.resolve()
    args = [
        sys.executable, "-m", "lidendrite.cli", "sweep", str(sweep_file.resolve()),
        "--out", str(out), "--jobs", str(jobs), "--ranks-per-case", str(ranks_per_case),
        *(extra_args or []),
    ]  # fmt: skip
    command = " ".join(shlex.quote(a) for a in args)
    script = f"""#!/bin/bash
# lidendrite sweep: {n_cases} cases in {n} shards; written by `lidendrite sweep --emit slurm`.
#SBATCH --job-name=lidendrite-sweep
#SBATCH --array=0-{n - 1}%{max(1, throttle)}
#SBATCH --ntasks={jobs * ranks_per_case}
#SBATCH --time={time_limit}
#SBATCH --output={out}/logs/slurm-%A_%a.out
set -u
cd {shlex.quote(str(Path.cwd()))}
# Cases start with srun inside this allocation; finished cases are skipped, so the same
# script can be submitted again to run what is left.
{command} --shard "$SLURM_ARRAY_TASK_ID/{n}"
"""
    path = out / "sweep.sbatch"
    out.mkdir(parents=True, exist_ok=True)
    (out / "logs").mkdir(exist_ok=True)
    path.write_text(script)
    path.chmod(0o755)
    summary = " ".join(
        shlex.quote(a)
        for a in ["lidendrite", "sweep", str(sweep_file), "--out", str(out), "--summary-only"]
    )
    howto = (
        f"wrote {path} ({n} array tasks, at most {max(1, throttle)} at once)\n"
        f"submit:    sbatch {path}\n"
        f"resubmit what is left (interrupted, timed out, new cases): sbatch {path}\n"
        f"  (add --retry-failed to the command line in the script to re-run failed cases)\n"
        f"when the array has finished, tables of all shards: {summary}"
    )
    return path, howto
