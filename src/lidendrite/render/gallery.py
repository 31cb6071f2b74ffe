"""Figure panels: one frame of each of several runs, tiled into one image."""

from __future__ import annotations

import dataclasses
import math
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from lidendrite.errors import ConfigError
from lidendrite.io.frames import FrameData, read_frame
from lidendrite.render.animate import run_view
from lidendrite.render.fields import data_range
from lidendrite.render.options import FrameOptions
from lidendrite.render.rundir import frame_times, nearest_frame, require_frames, run_label
from lidendrite.render.scene import render_frame

__all__ = ["gallery", "pick_frame"]

_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".pdf"}


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
    size: tuple[int, int] = (1200, 900),
    clim: tuple[float, float] | Literal["shared"] | None = "shared",
    time_s: float | None = None,
    panel_letters: bool = False,
    dpi: int | None = None,
    **render_kwargs: Any,
) -> Path:
    """Tile the final frame (or the frame nearest ``time_s``) of each run into one image.

    Every panel is titled with its run's label (``title`` of ``config.resolved.yaml``, else the
    electrolyte preset, else the directory name). Cells of one width are drawn at one scale
    (one view box holding all panels); cells of different widths each fill their panel. With
    ``clim="shared"`` all panels use one colour range.

    Args:
        run_dirs: Run directories, in panel order (row by row).
        field: Field to show.
        out: Output image (png, jpg, tif or pdf); default
            ``<first run>/render/gallery_<field>.png``.
        labels: Panel titles instead of the runs' labels.
        ncols: Number of columns (default: near-square grid).
        size: Pixel size of one panel.
        clim: ``"shared"`` (range over all panels), a fixed ``(low, high)`` in SI units, or
            ``None`` (each panel its own range).
        time_s: Show the frame nearest this time instead of the last one.
        panel_letters: Prefix the titles with (a), (b), ...
        dpi: Resolution written into the file; the panels are scaled by ``dpi / 100``.
        **render_kwargs: Further :class:`~lidendrite.render.options.FrameOptions`
            (``n_streamlines``, ``seeding``, ``view``, ...).

    Returns:
        The path written.
    """
    from PIL import Image

    run_dirs = [Path(r) for r in run_dirs]
    if not run_dirs:
        raise ConfigError("gallery needs at least one run directory")
    if labels is not None and len(labels) != len(run_dirs):
        raise ConfigError(f"got {len(labels)} labels for {len(run_dirs)} runs")
    frames = [pick_frame(r, time_s) for r in run_dirs]
    titles = list(labels) if labels is not None else [run_label(r) for r in run_dirs]
    if panel_letters:
        titles = [f"({string.ascii_lowercase[i % 26]}) {t}" for i, t in enumerate(titles)]
    if isinstance(clim, str):
        if clim != "shared":
            raise ConfigError(f"clim {clim!r} must be 'shared' or two numbers")
        clim = data_range(frames, field)
    ncols = int(ncols) if ncols else math.ceil(math.sqrt(len(frames)))
    if ncols < 1:
        raise ConfigError(f"ncols must be at least 1, got {ncols}")
    nrows = math.ceil(len(frames) / ncols)
    width, height = size
    if dpi is not None:
        if not dpi > 0:
            raise ConfigError(f"dpi must be positive, got {dpi}")
        width, height = round(width * dpi / 100.0), round(height * dpi / 100.0)
    view = render_kwargs.pop("view", None)
    if view is None and _same_width(frames):
        view = run_view(frames)  # one cell size: every panel at the same scale

    path = Path(out) if out is not None else run_dirs[0] / "render" / f"gallery_{field}.png"
    if path.suffix.lower() not in _IMAGE_SUFFIXES:
        raise ConfigError(
            f"gallery format {path.suffix!r} is not supported; use png, jpg, tif or pdf"
        )
    options = FrameOptions(field=field, clim=clim, size=(width, height), view=view, **render_kwargs)
    sheet = Image.new("RGB", (ncols * width, nrows * height), "white")
    for i, (frame, title) in enumerate(zip(frames, titles, strict=True)):
        plotter = render_frame(frame, dataclasses.replace(options, title=title))
        try:
            image = plotter.screenshot(return_img=True)
        finally:
            plotter.close()
        tile = Image.fromarray(np.ascontiguousarray(image[:, :, :3]))
        sheet.paste(tile, ((i % ncols) * width, (i // ncols) * height))
    path.parent.mkdir(parents=True, exist_ok=True)
    save_kwargs: dict[str, Any] = {}
    if dpi is not None and path.suffix.lower() == ".pdf":
        save_kwargs["resolution"] = float(dpi)
    elif dpi is not None:
        save_kwargs["dpi"] = (dpi, dpi)
    sheet.save(path, **save_kwargs)
    return path
