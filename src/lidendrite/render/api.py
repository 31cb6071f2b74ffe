"""Load a run directory in a notebook or script.

Example:
    >>> from lidendrite.render.api import load_run
    >>> run = load_run("runs/lpc")
    >>> run.times[-1], run.metrics["tip_height_um"].max()
    >>> grid = run.mesh(-1)                # pyvista.UnstructuredGrid with all fields
    >>> run.plot(-1, field="flux")         # shows a static image in Jupyter
    >>> run.figure(-1, "flux.pdf")         # paper figure, one journal column
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lidendrite.errors import ConfigError
from lidendrite.io.frames import FrameData, read_frame
from lidendrite.render.rundir import (
    frame_times,
    nearest_frame,
    read_config,
    read_metrics,
    read_status,
    require_run_dir,
    run_label,
)

if TYPE_CHECKING:
    from lidendrite.render.options import FrameOptions

__all__ = ["Run", "load_run"]


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


@dataclass
class Run:
    """A run directory, read once at :func:`load_run`; frames are read on demand.

    Attributes:
        path: The run directory.
        frames: Frame files, in time order.
        times: Simulated time (s) of each frame.
        metrics: Columns of ``metrics.csv`` (float arrays; text columns as string arrays).
        config: ``config.resolved.yaml`` as a dict.
        status: ``status.json`` as a dict.
    """

    path: Path
    frames: list[Path]
    times: np.ndarray
    metrics: dict[str, np.ndarray] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    status: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Title of the run (config ``title``, else the electrolyte preset, else the name)."""
        return run_label(self.path, self.config)

    def __len__(self) -> int:
        return len(self.frames)

    def _index(self, i: int) -> int:
        if not self.frames:
            raise ConfigError(f"run directory {self.path} has no frames")
        n = len(self.frames)
        if not -n <= int(i) < n:
            raise ConfigError(f"frame {i} out of range: the run has {n} frames")
        return int(i) % n

    def nearest(self, time_s: float) -> int:
        """Index of the frame nearest a time in s."""
        return nearest_frame(self.times, time_s)

    def frame(self, i: int = -1) -> FrameData:
        """Frame ``i`` (negative indices count from the end)."""
        return read_frame(self.frames[self._index(i)])

    def mesh(self, i: int = -1) -> Any:
        """Frame ``i`` as a :class:`pyvista.UnstructuredGrid` with all point and cell data."""
        from lidendrite.render.scene import frame_to_grid

        return frame_to_grid(self.frame(i))

    def plot(
        self,
        i: int = -1,
        field: str | FrameOptions = "flux",
        *,
        show: bool | None = None,
        **kwargs: Any,
    ):
        """Render frame ``i`` (see :func:`~lidendrite.render.scene.render_frame`).

        Args:
            i: Frame index.
            field: Field to show, or the :class:`~lidendrite.render.options.FrameOptions`.
            show: Display the figure (default: when running in a Jupyter notebook, as a static
                image).
            **kwargs: Options passed to :func:`~lidendrite.render.scene.render_frame`; the
                size is 1000 x 750 unless given (in ``kwargs`` or ``field``).

        Returns:
            The plotter.
        """
        from lidendrite.render.scene import render_frame

        if isinstance(field, str):
            kwargs.setdefault("size", (1000, 750))
        plotter = render_frame(self.frame(i), field, **kwargs)
        if show if show is not None else _in_notebook():
            plotter.show(jupyter_backend="static", auto_close=False)
        return plotter

    def save(self, i: int, path: Path, field: str | FrameOptions = "flux", **kwargs: Any) -> Path:
        """Render frame ``i`` to an image file (see :func:`~lidendrite.render.scene.save_frame`)."""
        from lidendrite.render.scene import save_frame

        return save_frame(self.frame(i), path, field, **kwargs)

    def figure(
        self, i: int | Sequence[int], path: Path, field: str = "flux", **kwargs: Any
    ) -> Path:
        """Paper figure of frame ``i`` (or of several frames as panels) in png, pdf or svg.

        The colour range is the run's (as in its movie) unless ``clim`` is given; further
        options are those of :class:`~lidendrite.render.figure_options.FigureOptions`
        (``layout``, ``unit``, ``legend``, ...). See :func:`~lidendrite.render.figure.save_figure`.
        """
        from lidendrite.render.fields import data_range
        from lidendrite.render.figure import save_figure

        indices = [i] if isinstance(i, int) else list(i)
        if "clim" not in kwargs:
            kwargs["clim"] = data_range((self.frame(k) for k in range(len(self))), field)
        return save_figure([self.frame(k) for k in indices], path, field, **kwargs)

    def animate(self, field: str = "flux", fmt: str = "mp4", **kwargs: Any) -> Path:
        """Movie of the run (see :func:`~lidendrite.render.animate.animate`)."""
        from lidendrite.render.animate import animate

        return animate(self.path, field, fmt, **kwargs)  # type: ignore[arg-type]


def load_run(run_dir: Path | str) -> Run:
    """Read a run directory (frame list and times, metrics, config, status).

    A run that is still going may have no frames yet; ``Run.frames`` is then empty.

    Raises:
        ConfigError: ``run_dir`` is not a directory.
    """
    from lidendrite.io.frames import list_frames

    path = require_run_dir(Path(run_dir))
    frames = list_frames(path)
    return Run(
        path=path,
        frames=frames,
        times=frame_times(frames),
        metrics=read_metrics(path),
        config=read_config(path),
        status=read_status(path),
    )
