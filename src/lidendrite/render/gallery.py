"""Figure panels: one frame of each of several runs in one figure, with one colour bar."""

from __future__ import annotations

import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from lidendrite.errors import ConfigError
from lidendrite.io.frames import FrameData, read_frame
from lidendrite.render.animate import run_view
from lidendrite.render.fields import data_range
from lidendrite.render.rundir import frame_times, nearest_frame, require_frames, run_label

__all__ = ["gallery", "pick_frame"]

_IMAGE_SUFFIXES = {".png", ".pdf", ".svg"}


def pick_frame(run_dir: Path, time_s: float | None = None) -> FrameData:
    """The last frame of a run, or the one nearest ``time_s``."""
    paths = require_frames(run_dir)
    if time_s is None:
        return read_frame(paths[-1])
    return read_frame(paths[nearest_frame(frame_times(paths), time_s)])


def _same_width(frames: Sequence[FrameData]) -> bool:
    """Whether all frames show cells of the same width (within 1 %)."""
    widths = [float(np.ptp(f.points_um[:, 0])) for f in frames]
    return max(widths) - min(widths) <= 0.01 * max(widths)


def gallery(
    run_dirs: Sequence[Path],
    field: str = "flux",
    out: Path | None = None,
    labels: Sequence[str] | None = None,
    ncols: int | None = None,
    *,
    clim: tuple[float, float] | Literal["shared"] | None = "shared",
    time_s: float | None = None,
    panel_letters: bool = False,
    **figure_kwargs: Any,
) -> Path:
    """One figure with the final frame (or the frame nearest ``time_s``) of each run as a panel.

    Every panel is titled with its run's label (``title`` of ``config.resolved.yaml``, else the
    electrolyte preset, else the directory name). Cells of one width are drawn at one scale.
    All panels share one colour bar: one unit and (with ``clim="shared"``) one range.

    Args:
        run_dirs: Run directories, in panel order (row by row).
        field: Field to show.
        out: Output image (png, pdf or svg); default ``<first run>/render/gallery_<field>.png``.
        labels: Panel titles instead of the runs' labels.
        ncols: Panels per row (default: all in one row).
        clim: ``"shared"`` (range over all panels) or a fixed ``(low, high)`` in SI units.
            ``None`` is taken as ``"shared"``: one colour bar cannot show two ranges.
        time_s: Show the frame nearest this time instead of the last one.
        panel_letters: Prefix the titles with (a), (b), ...
        **figure_kwargs: Further :class:`~lidendrite.render.figure_options.FigureOptions`
            (``layout``, ``unit``, ``dpi``, ``width_mm``, ``n_streamlines``, ...).

    Returns:
        The path written.
    """
    from lidendrite.render.figure import save_figure

    run_dirs = [Path(r) for r in run_dirs]
    if not run_dirs:
        raise ConfigError("gallery needs at least one run directory")
    if labels is not None and len(labels) != len(run_dirs):
        raise ConfigError(f"got {len(labels)} labels for {len(run_dirs)} runs")
    frames = [pick_frame(r, time_s) for r in run_dirs]
    titles = list(labels) if labels is not None else [run_label(r) for r in run_dirs]
    if panel_letters:
        titles = [f"({string.ascii_lowercase[i % 26]}) {t}" for i, t in enumerate(titles)]
    if clim is None or isinstance(clim, str):
        if clim not in (None, "shared"):
            raise ConfigError(f"clim {clim!r} must be 'shared' or two numbers")
        clim = data_range(frames, field)
    path = Path(out) if out is not None else run_dirs[0] / "render" / f"gallery_{field}.png"
    if path.suffix.lower() not in _IMAGE_SUFFIXES:
        raise ConfigError(f"gallery format {path.suffix!r} is not supported; use png, pdf or svg")
    if figure_kwargs.get("view") is None and _same_width(frames):
        figure_kwargs["view"] = run_view(frames)  # one cell size: every panel at the same scale
    return save_figure(
        frames, path, field, ncols=ncols, clim=clim, panel_titles=tuple(titles), **figure_kwargs
    )
