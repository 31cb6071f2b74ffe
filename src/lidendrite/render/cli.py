"""The ``lidendrite render`` sub-command.

Examples::

    lidendrite render runs/lpc              # last frame -> runs/lpc/render/flux_00042.png
    lidendrite render runs/lpc --time 3600 --format pdf
    lidendrite render runs/lpc --all --clim run --field concentration
    lidendrite render runs/lpc --animate mp4 --fps 15
    lidendrite render runs/lpc runs/lpc_pba --grid --out figures/
    lidendrite render sweeps/tplus --grid   # a sweep directory: every case's final frame

and the ``lidendrite plot`` sub-command (metrics of runs against time, Matplotlib)::

    lidendrite plot runs/lpc                # -> runs/lpc/render/plot_tip_height_um-...png
    lidendrite plot runs/lpc runs/lpc_pba --y tip_height_um --time-unit h --out tip.png
    lidendrite plot sweeps/tplus            # a sweep directory -> sweeps/tplus/plots/*.png|pdf

This module imports PyVista and Matplotlib only when a command runs.
"""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path
from typing import Any

from lidendrite.errors import ConfigError
from lidendrite.render.fields import FIELDS

__all__ = [
    "add_parser",
    "add_plot_parser",
    "parse_clim",
    "parse_size",
    "run_plot",
    "run_render",
]

_SIZE = re.compile(r"^\s*(\d+)\s*[xX×,]\s*(\d+)\s*$")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``render`` on the sub-parsers of the main command line."""
    parser = subparsers.add_parser(
        "render",
        help="draw frames of runs as images or movies (PyVista)",
        description=(
            "Render the frames a run has written (RUN_DIR/frames/*.npz): Li+ flux, "
            "concentration, potential or ionic current density, with flux streamlines, the Li "
            "metal and a scale bar. Files go to RUN_DIR/render/ unless --out is given; the paths "
            "written are printed."
        ),
    )
    parser.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR", help="run directory")
    parser.add_argument(
        "--field", choices=list(FIELDS), default="flux", help="field to colour by (default flux)"
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--time", type=float, metavar="T", help="render the frame nearest T seconds")
    which.add_argument("--all", action="store_true", help="render every frame")
    parser.add_argument(
        "--format",
        choices=["png", "svg", "pdf"],
        default="png",
        dest="image_format",
        help="image format of stills (default png)",
    )
    parser.add_argument(
        "--animate", choices=["mp4", "gif"], help="write a movie of all frames instead of stills"
    )
    parser.add_argument("--fps", type=float, default=10.0, help="movie frame rate (default 10)")
    parser.add_argument(
        "--size", default=None, metavar="WxH", help="image size in pixels (default 1600x1200)"
    )
    parser.add_argument(
        "--dpi",
        type=int,
        default=None,
        help="resolution: raster images are (dpi/100) x size pixels; svg/pdf are scaled alike",
    )
    parser.add_argument(
        "--clim",
        default=None,
        metavar="LO,HI|run|frame",
        help="colour range in SI units of the field; 'run': the range over all frames of a run "
        "(over all runs with --grid); 'frame': each image its own range (default for stills; "
        "movies and --grid default to 'run')",
    )
    parser.add_argument("--title", default=None, help="title above the cell")
    parser.add_argument(
        "--streamlines",
        type=int,
        default=30,
        metavar="N",
        help="number of flux streamlines of vector fields (0: none; default 30)",
    )
    parser.add_argument(
        "--seeding",
        choices=["line", "density"],
        default="line",
        help="streamline seeds evenly below the counter electrode (line), or on the Li "
        "surface at equal shares of the deposition flux (density)",
    )
    parser.add_argument(
        "--grid", action="store_true", help="tile the last frame of every RUN_DIR into one image"
    )
    parser.add_argument("--out", type=Path, default=None, metavar="DIR", help="output directory")
    parser.set_defaults(func=run_render)
    return parser


def parse_size(text: str | None, default: tuple[int, int] = (1600, 1200)) -> tuple[int, int]:
    """``"1600x1200"`` -> ``(1600, 1200)``.

    Raises:
        ConfigError: Not two positive integers.
    """
    if text is None:
        return default
    m = _SIZE.match(text)
    if not m or min(int(m.group(1)), int(m.group(2))) < 16:
        raise ConfigError(f"--size {text!r} must be WIDTHxHEIGHT in pixels, e.g. 1600x1200")
    return int(m.group(1)), int(m.group(2))


def parse_clim(text: str | None) -> tuple[float, float] | str | None:
    """``"0,1e-4"`` -> ``(0.0, 1e-4)``; ``"run"`` / ``"frame"`` -> themselves; ``None``.

    Raises:
        ConfigError: Not ``run``, ``frame`` or two finite numbers, low < high.
    """
    if text is None:
        return None
    if text.strip().lower() in ("run", "frame"):
        return text.strip().lower()
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise ConfigError(
            f"--clim {text!r} must be LO,HI (two numbers), 'run' or 'frame'"
        ) from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ConfigError(f"--clim {text!r} must be two finite numbers with LO < HI")
    return lo, hi


def _scaled(size: tuple[int, int], dpi: int | None) -> tuple[int, int]:
    if dpi is None:
        return size
    if dpi <= 0:
        raise ConfigError(f"--dpi must be positive, got {dpi}")
    return round(size[0] * dpi / 100.0), round(size[1] * dpi / 100.0)


def _prefix(run: Path, args: argparse.Namespace, n_runs: int) -> str:
    """File-name prefix: the run's name when several runs write into one ``--out``."""
    return f"{run.resolve().name}_" if args.out is not None and n_runs > 1 else ""


def run_render(args: argparse.Namespace) -> int:
    """Run ``lidendrite render``; prints the paths written and returns 0.

    Raises:
        ConfigError: Missing run directory, no frames, bad option values.
    """
    from lidendrite.render.rundir import require_frames

    runs = [Path(r) for r in args.run_dirs]
    if args.grid and len(runs) == 1 and _is_sweep(runs[0]):
        from lidendrite.sweep.plots import render_sweep_grid

        print(render_sweep_grid(runs[0], args))
        return 0
    frame_lists = [require_frames(r) for r in runs]  # checks every run before any work
    clim = parse_clim(args.clim)
    parse_size(args.size)
    if not args.fps > 0:
        raise ConfigError(f"--fps must be positive, got {args.fps}")
    if args.streamlines < 0:
        raise ConfigError(f"--streamlines must be 0 or more, got {args.streamlines}")
    if args.dpi is not None and args.dpi <= 0:
        raise ConfigError(f"--dpi must be positive, got {args.dpi}")
    style = {
        "streamlines": args.streamlines > 0,
        "n_streamlines": args.streamlines,
        "seeding": args.seeding,
        "title": args.title,
    }
    if args.grid:
        written = [_render_grid(args, runs, clim, style)]
    elif args.animate:
        written = [_render_movie(args, run, len(runs), clim, style) for run in runs]
    else:
        written = [
            path
            for run, paths in zip(runs, frame_lists, strict=True)
            for path in _render_stills(args, run, paths, len(runs), clim, style)
        ]
    for path in written:
        print(path)
    return 0


def _render_grid(
    args: argparse.Namespace, runs: list[Path], clim: Any, style: dict[str, Any]
) -> Path:
    from lidendrite.render.gallery import gallery

    if args.animate or args.all:
        raise ConfigError("--grid makes one image; it cannot be combined with --animate/--all")
    if args.image_format == "svg":
        raise ConfigError("--grid writes png or pdf, not svg")
    out_dir = args.out if args.out is not None else runs[0] / "render"
    style = dict(style)
    title = style.pop("title")
    return gallery(
        runs,
        args.field,
        out=out_dir / f"grid_{args.field}.{args.image_format}",
        labels=None if title is None else [title] * len(runs),
        size=parse_size(args.size, (1200, 900)),
        clim=None if clim == "frame" else "shared" if clim in (None, "run") else clim,
        time_s=args.time,
        dpi=args.dpi,
        **style,
    )


def _is_sweep(path: Path) -> bool:
    from lidendrite.sweep.state import is_sweep_dir

    return is_sweep_dir(path)


def _render_movie(
    args: argparse.Namespace, run: Path, n_runs: int, clim: Any, style: dict[str, Any]
) -> Path:
    from lidendrite.render.animate import animate

    out_dir = args.out if args.out is not None else run / "render"
    return animate(
        run,
        args.field,
        args.animate,
        fps=args.fps,
        size=_scaled(parse_size(args.size, (1280, 960)), args.dpi),
        clim=None if clim == "frame" else "run" if clim is None else clim,
        out=out_dir / f"{_prefix(run, args, n_runs)}{args.field}.{args.animate}",
        **style,
    )


def _render_stills(
    args: argparse.Namespace,
    run: Path,
    paths: list[Path],
    n_runs: int,
    clim: Any,
    style: dict[str, Any],
) -> list[Path]:
    from lidendrite.io.frames import read_frame
    from lidendrite.render.animate import initial_anode_height, resolve_clim, run_view
    from lidendrite.render.options import FrameOptions
    from lidendrite.render.rundir import frame_times, nearest_frame
    from lidendrite.render.scene import save_frame

    if args.all:
        indices = list(range(len(paths)))
    elif args.time is not None:
        indices = [nearest_frame(frame_times(paths), args.time)]
    else:
        indices = [len(paths) - 1]
    fixed = resolve_clim(
        None if clim == "frame" else clim, (read_frame(p) for p in paths), args.field
    )
    extra: dict[str, Any] = {}
    if args.all:  # one camera for the whole series
        y0 = initial_anode_height(read_frame(paths[0]))
        extra = {"view": run_view((read_frame(p) for p in paths), y0), "initial_anode_y_um": y0}
    out_dir = args.out if args.out is not None else run / "render"
    prefix = _prefix(run, args, n_runs)
    options = FrameOptions(
        field=args.field, size=parse_size(args.size), dpi=args.dpi, clim=fixed, **style, **extra
    )
    written = []
    for i in indices:
        path = out_dir / f"{prefix}{args.field}_{i:05d}.{args.image_format}"
        written.append(save_frame(read_frame(paths[i]), path, options))
    return written


# --------------------------------------------------------------------------------------------
# plot
# --------------------------------------------------------------------------------------------


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
    if len(args.run_dirs) == 1 and _is_sweep(Path(args.run_dirs[0])):
        from lidendrite.sweep.plots import plot_sweep

        for path in plot_sweep(Path(args.run_dirs[0]), args.out):
            print(path)
        return 0
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
