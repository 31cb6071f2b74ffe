"""The ``lidendrite plot`` sub-command: metrics of runs against time (Matplotlib).

Examples::

    lidendrite plot runs/lpc                # -> runs/lpc/render/plot_protrusion_height_um-...png
    lidendrite plot runs/lpc runs/lpc_pba --y tip_height_um --time-unit h --out tip.png
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["add_plot_parser", "run_plot"]


def add_plot_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``plot`` on the sub-parsers of the main command line."""
    from lidendrite.render.plots import DEFAULT_COLUMNS, TIME_UNITS

    parser = subparsers.add_parser(
        "plot",
        help="plot metrics of runs (tip height, tip current, voltage, ...) against time",
        description=(
            "Plot columns of RUN_DIR/metrics.csv, one panel per column and one line per run "
            "(labelled with the run's title). One run writes RUN_DIR/render/plot_<columns>.png "
            "unless --out is given; several runs need --out. The path written is printed."
        ),
    )
    parser.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR", help="run directory")
    parser.add_argument(
        "--y",
        dest="columns",
        nargs="+",
        action="extend",
        default=None,
        metavar="COLUMN",
        help=f"metrics column(s), one panel each (default: {' '.join(DEFAULT_COLUMNS)})",
    )
    parser.add_argument(
        "--x", default="time_s", metavar="COLUMN", help="column of the x axis (default time_s)"
    )
    parser.add_argument(
        "--time-unit",
        choices=list(TIME_UNITS),
        default="s",
        help="unit of a time axis (default s)",
    )
    parser.add_argument(
        "--labels", nargs="+", default=None, metavar="LABEL", help="line labels, one per run"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="image file: .png, .svg or .pdf (required for several runs); for a sweep "
        "directory (OUT of `lidendrite sweep`): the folder of its figures (default OUT/plots)",
    )
    parser.add_argument(
        "--size",
        default=None,
        metavar="WxH",
        help="figure size in pixels at 100 dpi (default 480x360 per panel)",
    )
    parser.add_argument(
        "--dpi",
        type=int,
        default=None,
        help="resolution: a png is (dpi/100) x size pixels, text scaled alike (default 100)",
    )
    parser.add_argument("--title", default=None, help="figure title")
    parser.set_defaults(func=run_plot)
    return parser


def _is_root() -> bool:
    try:
        from mpi4py import MPI
    except ImportError:
        return True
    return MPI.COMM_WORLD.rank == 0


def run_plot(args: argparse.Namespace) -> int:
    """Run ``lidendrite plot``; prints the path written and returns 0.

    Under MPI, rank 0 draws; the other ranks return at once.

    Raises:
        ConfigError: Missing run directory or metrics, unknown column, bad option values.
    """
    from lidendrite.render.plots import plot_metrics

    if not _is_root():
        return 0
    if len(args.run_dirs) == 1:
        from lidendrite.sweep.state import is_sweep_dir

        if is_sweep_dir(Path(args.run_dirs[0])):
            from lidendrite.sweep.plots import plot_sweep

            for path in plot_sweep(Path(args.run_dirs[0]), args.out):
                print(path)
            return 0
    from lidendrite.render.figure_options import parse_size

    size = None if args.size is None else parse_size(args.size)
    path = plot_metrics(
        args.run_dirs,
        args.columns,
        args.out,
        x=args.x,
        time_unit=args.time_unit,
        labels=args.labels,
        size=size,
        dpi=args.dpi,
        title=args.title,
    )
    print(path)
    return 0
