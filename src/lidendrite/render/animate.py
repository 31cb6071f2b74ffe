"""Movies of a run: all frames in time order, across remeshes, with one view and colour range."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from lidendrite.errors import ConfigError
from lidendrite.io.frames import FrameData, read_frame
from lidendrite.render.fields import data_range
from lidendrite.render.options import FrameOptions
from lidendrite.render.rundir import require_frames
from lidendrite.render.scene import render_frame
from lidendrite.render.view import ViewBox, view_box

__all__ = ["animate", "initial_anode_height", "resolve_clim", "run_view"]

Clim = tuple[float, float] | Literal["run"] | None

DEFAULT_SIZE = {"mp4": (1280, 960), "gif": (800, 600)}


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


def animate(
    run_dir: Path,
    field: str = "flux",
    fmt: Literal["mp4", "gif"] = "mp4",
    fps: float = 10,
    size: tuple[int, int] | None = None,
    clim: Clim = "run",
    *,
    out: Path | None = None,
    **render_kwargs: Any,
) -> Path:
    """Render every frame of a run into a movie.

    Frames may come from different meshes (remeshing); each is drawn on its own mesh, with one
    view box and (by default) one colour range for the whole run.

    Args:
        run_dir: Run directory.
        field: Field to show (see :func:`~lidendrite.render.scene.render_frame`).
        fmt: ``mp4`` (H.264 through ffmpeg) or ``gif``.
        fps: Frames per second.
        size: Pixel size (width, height); default 1280x960 for mp4, 800x600 for gif. Odd sizes
            are rounded up to even ones (H.264 needs them).
        clim: ``"run"`` (range over all frames), a fixed ``(low, high)`` in SI units, or
            ``None`` (range of each frame).
        out: Output file (default ``run_dir/render/<field>.<fmt>``).
        **render_kwargs: Further :class:`~lidendrite.render.options.FrameOptions` (``title``,
            ``n_streamlines``, ``view``, ``initial_anode_y_um``, ...); ``dpi`` scales ``size``.

    Returns:
        The path written.

    Raises:
        ConfigError: No frames, an unknown format, a bad fps or size.
    """
    if fmt not in DEFAULT_SIZE:
        raise ConfigError(f"unknown movie format {fmt!r}; use mp4 or gif")
    if not fps > 0:
        raise ConfigError(f"fps must be positive, got {fps}")
    paths = require_frames(run_dir)
    width, height = size or DEFAULT_SIZE[fmt]
    dpi = render_kwargs.pop("dpi", None)
    if dpi is not None:  # scaled here, so that the rounding to even sizes comes last
        if not dpi > 0:
            raise ConfigError(f"dpi must be positive, got {dpi}")
        width, height = round(width * dpi / 100.0), round(height * dpi / 100.0)
    width, height = int(width) + int(width) % 2, int(height) + int(height) % 2
    y0 = render_kwargs.pop("initial_anode_y_um", None)
    if y0 is None:
        y0 = initial_anode_height(read_frame(paths[0]))
    view = render_kwargs.pop("view", None) or run_view(_frames(paths), y0)
    fixed = resolve_clim(clim, _frames(paths), field)
    options = FrameOptions(
        field=field,
        clim=fixed,
        size=(width, height),
        view=view,
        initial_anode_y_um=y0,
        **render_kwargs,
    )
    path = Path(out) if out is not None else Path(run_dir) / "render" / f"{field}.{fmt}"
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = _writer(path, fmt, fps)
    try:
        for frame in _frames(paths):
            plotter = render_frame(frame, options)
            try:
                image = plotter.screenshot(return_img=True)
            finally:
                plotter.close()
            writer.append_data(np.ascontiguousarray(image[:, :, :3]))
    finally:
        writer.close()
    return path
