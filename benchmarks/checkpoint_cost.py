"""Cost of checkpoints: the showcase run with checkpoints forced often, and at the default.

Runs ``configs/dendrite_showcase.yaml`` (or ``--config``) twice: with checkpoints every
``--every-wall-s`` seconds of wall time (default 5 s: many checkpoints, so their cost is
measurable) and with none. Prints the time spent writing checkpoints (the stepper's
``checkpoint`` timing: gather on rank 0, ``.npz`` write, fsync, rename), the cost per
checkpoint, its share of the run, and the share it implies at the default interval
(``output.checkpoint_every_wall_s``): cost per checkpoint / interval.

    python benchmarks/checkpoint_cost.py
    python benchmarks/checkpoint_cost.py --set operation.duration_s=300
    mpirun -n 2 python benchmarks/checkpoint_cost.py
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mpi4py import MPI

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine_line, say, scratch_dir, write_json  # noqa: E402
from lidendrite.config import load_config  # noqa: E402
from lidendrite.config.schema import OutputConfig  # noqa: E402
from lidendrite.simulation import run  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Measure and print the checkpoint cost."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "configs/dendrite_showcase.yaml"))
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--every-wall-s", type=float, default=5.0)
    parser.add_argument("--keep", default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    comm = MPI.COMM_WORLD
    say(comm, machine_line(comm))
    default_wall_s = OutputConfig().checkpoint_every_wall_s
    out = {}
    with scratch_dir(comm, args.keep) as scratch:
        for name, every in (("forced", args.every_wall_s), ("none", None)):
            sets = [*args.overrides, f"output.checkpoint_every_wall_s={every or 'null'}"]
            cfg = load_config(args.config, [*sets, "output.checkpoint_every_s=null"])
            result = run(cfg, scratch / name, comm, overwrite=True)
            out[name] = {
                "status": result.status,
                "wall_s": result.info["wall_time_s"],
                "checkpoint_s": result.info["timings_s"].get("checkpoint", 0.0),
                "checkpoints": result.info["checkpoints_written"],
            }
    forced = out["forced"]
    per = forced["checkpoint_s"] / max(1, forced["checkpoints"])
    say(comm, f"run without checkpoints: {out['none']['wall_s']:.1f} s ({out['none']['status']})")
    say(
        comm,
        f"checkpoints every {args.every_wall_s:g} s wall: {forced['checkpoint_s']:.3f} s of "
        f"{forced['wall_s']:.1f} s ({100 * forced['checkpoint_s'] / forced['wall_s']:.2f} %), "
        f"{forced['checkpoints']} checkpoints, {per * 1e3:.1f} ms each",
    )
    say(
        comm,
        f"at the default interval ({default_wall_s:g} s wall): "
        f"{100 * per / default_wall_s:.3f} % of the run time",
    )
    write_json(comm, args.json, out | {"per_checkpoint_s": per, "default_wall_s": default_wall_s})


if __name__ == "__main__":
    main()
