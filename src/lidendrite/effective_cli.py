"""``lidendrite effective CONFIG [--json OUT]``: effective σ and t₊ of the composite cell.

Meshes the cell of the configuration (fillers, user mesh) and runs the two steady small-signal
solves of :mod:`lidendrite.solver.effective`; prints the result on rank 0 and writes it as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lidendrite.errors import LidendriteError

__all__ = ["add_parser", "format_report"]


def format_report(result: dict[str, Any]) -> list[str]:
    """The lines ``lidendrite effective`` prints."""
    lines = [
        f"effective conductivity: {result['effective_conductivity_S_per_m']:.6g} S/m "
        f"({result['relative_conductivity']:.6g} x the matrix, "
        f"{result['matrix_conductivity_S_per_m']:.6g} S/m)",
        f"effective Li+ transference number: {result['effective_transference_number']:.6g} "
        f"(matrix {result['matrix_transference_number']:.6g})",
        f"effective Li+ conductivity: {result['effective_cation_conductivity_S_per_m']:.6g} S/m",
        f"cell: {result['width_um']:.6g} x {result['height_um']:.6g} um at "
        f"{result['temperature_K']:.6g} K, {result['mesh_cells']} mesh cells, "
        f"{result['elapsed_s']:.2f} s",
    ]
    fractions = ", ".join(f"{k} {v:.4f}" for k, v in result["area_fractions"].items())
    lines.append(f"area fractions: {fractions}; blocking {result['blocking_area_fraction']:.4f}")
    return lines


def _cmd(args: argparse.Namespace) -> int:
    from mpi4py import MPI

    from lidendrite.config import load_config
    from lidendrite.solver.effective import effective_properties

    comm = MPI.COMM_WORLD
    cfg = load_config(args.config, args.overrides or ())
    result = effective_properties(comm, cfg)
    result["config"] = str(args.config)
    if comm.rank == 0:
        for line in format_report(result):
            print(line, file=sys.stdout, flush=True)
        if args.json is not None:
            try:
                args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
            except OSError as exc:
                raise LidendriteError(f"{args.json}: cannot write ({exc.strerror})") from None
    return 0


def add_parser(sub: Any, config_args: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register the ``effective`` sub-command."""
    p = sub.add_parser(
        "effective",
        help="effective conductivity and Li+ transference number of the composite cell",
    )
    config_args(p)
    p.add_argument("--json", type=Path, default=None, metavar="OUT", help="write JSON to OUT")
    p.set_defaults(func=_cmd)
