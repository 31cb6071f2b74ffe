"""Movies of a run: all frames in time order, across remeshes, with one view and colour range.

The frames are drawn like the stills (:mod:`lidendrite.render.figure`), held so that a movie
lasts at least a few seconds, with progress lines while they are drawn and encoded.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from lidendrite.errors import ConfigError
from lidendrite.io.frames import FrameData, read_frame
from lidendrite.render.fields import data_range
from lidendrite.render.rundir import require_frames
from lidendrite.render.view import ViewBox, view_box

__all__ = ["Progress", "animate", "initial_anode_height", "resolve_clim", "run_view"]

Clim = tuple[float, float] | Literal["run"] | None

#: Default movie width in pixels (the height follows from the cell).
DEFAULT_WIDTH_PX = {"mp4": 1280, "gif": 640}


def initial_anode_height(first: FrameData) -> float | None:
    """Initial Li surface height in µm.

    That is ``meta["initial_anode_y_um"]`` of the first frame, or else the lowest point of its
    anode polyline.
    """
    value = first.meta.get("initial_anode_y_um")
    if value is not None:
        return float(value)
    anode = first.boundaries.get("anode")
    return float(np.min(anode[:, 1])) if anode is not None and len(anode) else None


def run_view(frames: Iterable[FrameData], initial_anode_y_um: float | None = None) -> ViewBox:
    """One view box holding every frame (the camera of a movie does not move)."""
    box = None
    for frame in frames:
        this = view_box(frame, initial_anode_y_um=initial_anode_y_um)
        box = this if box is None else box.union(this)
    if box is None:
        raise ConfigError("no frames to show")
    return box


def resolve_clim(clim: Clim, frames: Iterable[FrameData], field: str) -> tuple[float, float] | None:
    """Colour range: ``"run"`` -> data range over ``frames``; a pair -> itself; ``None``."""
    if clim is None:
        return None
    if isinstance(clim, str):
        if clim != "run":
            raise ConfigError(f"clim {clim!r} must be 'run' or two numbers")
        return data_range(frames, field)
    lo, hi = (float(v) for v in clim)
    return lo, hi


def _frames(paths: Sequence[Path]) -> Iterator[FrameData]:
    """Frames read one at a time (a run may not fit in memory at once)."""
    for path in paths:
        yield read_frame(path)


def _writer(path: Path, fmt: str, fps: float) -> Any:
    import imageio.v2 as imageio

    if fmt == "mp4":
        return imageio.get_writer(
            path,
            format="FFMPEG",
            mode="I",
            fps=fps,
            codec="libx264",
            pixelformat="yuv420p",
            macro_block_size=2,
            quality=8,
        )
    return imageio.get_writer(path, mode="I", duration=1000.0 / fps, loop=0)


class Progress:
    """Progress lines on stderr while frames are drawn: count, elapsed time and an ETA."""

    def __init__(self, label: str, total: int, every_s: float = 2.0):
        self.label, self.total, self.every_s = label, total, every_s
        self.t0 = self.last = time.perf_counter()

    def __call__(self, done: int) -> None:
        """Report ``done`` of ``total`` frames (at most every ``every_s`` seconds, and the end)."""
        now = time.perf_counter()
        if done < self.total and now - self.last < self.every_s:
            return
        self.last = now
        elapsed = now - self.t0
        eta = elapsed * (self.total - done) / done if done else float("nan")
        print(
            f"{self.label}: frame {done}/{self.total}, {elapsed:.0f} s elapsed, ETA {eta:.0f} s",
            file=sys.stderr,
            flush=True,
        )


def animate(
    run_dir: Path,
    field: str = "flux",
    fmt: Literal["mp4", "gif"] = "mp4",
    fps: float = 12,
    size: tuple[int, int] | None = None,
    clim: Clim = "run",
    *,
    out: Path | None = None,
    min_duration_s: float = 8.0,
    progress: bool = False,
    **figure_kwargs: Any,
) -> Path:
    """Render every frame of a run into a movie that looks like the stills.

    Each frame is drawn as a paper figure (:func:`~lidendrite.render.figure.draw_figure`: the
    same layout, fonts and framing as ``lidendrite render`` stills), with one view box and
    (by default) one colour range for the whole run; frames from different meshes (remeshing)
    are each drawn on their own mesh. Short runs are stretched to ``min_duration_s`` by holding
    each frame for several movie frames.

    Args:
        run_dir: Run directory.
        field: Field to show.
        fmt: ``mp4`` (H.264 through ffmpeg) or ``gif``.
        fps: Movie frames per second.
        size: Pixel size (width, largest height); default 1280 px wide for mp4, 640 for gif.
            The height follows from the cell. Odd sizes are rounded up to even ones (H.264).
        clim: ``"run"`` (range over all frames), a fixed ``(low, high)`` in SI units, or
            ``None`` (range of each frame).
        out: Output file (default ``run_dir/render/<field>.<fmt>``).
        min_duration_s: Shortest movie; each frame is held ``ceil(min_duration_s * fps / n)``
            times (0: one movie frame per frame).
        progress: Print progress lines (frames drawn, elapsed time, ETA) on stderr.
        **figure_kwargs: Further :class:`~lidendrite.render.figure_options.FigureOptions`
            (``layout``, ``unit``, ``title``, ``n_streamlines``, ``legend``, ``view``, ...).

    Returns:
        The path written.

    Raises:
        ConfigError: No frames, an unknown format, a bad fps or size.
    """
    from lidendrite.render.figure import draw_figure, figure_image
    from lidendrite.render.figure_options import MM_PER_INCH, FigureOptions

    if fmt not in DEFAULT_WIDTH_PX:
        raise ConfigError(f"unknown movie format {fmt!r}; use mp4 or gif")
    if not fps > 0:
        raise ConfigError(f"fps must be positive, got {fps}")
    if not min_duration_s >= 0:
        raise ConfigError(f"min_duration_s must be 0 or more, got {min_duration_s}")
    paths = require_frames(run_dir)
    y0 = figure_kwargs.pop("initial_anode_y_um", None)
    if y0 is None:
        y0 = initial_anode_height(read_frame(paths[0]))
    view = figure_kwargs.pop("view", None) or run_view(_frames(paths), y0)
    fixed = resolve_clim(clim, _frames(paths), field)
    figure_kwargs.pop("dpi", None)
    options = FigureOptions(
        field=field, clim=fixed, view=view, initial_anode_y_um=y0, **figure_kwargs
    )
    width_in = options.preset.width_mm / MM_PER_INCH
    width_px, height_px = size if size is not None else (DEFAULT_WIDTH_PX[fmt], None)
    dpi = max(int(width_px) / width_in, 10.0)
    extra: dict[str, float] = {"dpi": dpi}
    if height_px is not None:
        extra["max_height_mm"] = int(height_px) / dpi * MM_PER_INCH
    options = dataclasses.replace(options, **extra)
    hold = max(1, math.ceil(min_duration_s * fps / len(paths))) if min_duration_s else 1
    path = Path(out) if out is not None else Path(run_dir) / "render" / f"{field}.{fmt}"
    path.parent.mkdir(parents=True, exist_ok=True)
    report = Progress(f"render {path.name}", len(paths)) if progress else None
    writer = _writer(path, fmt, fps)
    geometry = None
    try:
        for k, frame in enumerate(_frames(paths)):
            fig = draw_figure([frame], options, geometry=geometry)
            geometry = fig.lidendrite.geometry
            image = figure_image(fig, even=True)
            for _ in range(hold):
                writer.append_data(image)
            if report is not None:
                report(k + 1)
    finally:
        writer.close()
    return path
