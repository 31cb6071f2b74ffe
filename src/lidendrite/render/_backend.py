"""Import PyVista for off-screen rendering, and the font the figures use."""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

from lidendrite.errors import ConfigError


def pyvista() -> ModuleType:
    """Import and return :mod:`pyvista`, prepared for off-screen rendering.

    On Linux without a display, VTK is told to open an EGL window (GPU or Mesa, no X server);
    an explicit ``VTK_DEFAULT_OPENGL_WINDOW`` is respected. Every plotter of the renderer is
    created with ``off_screen=True``; the global :data:`pyvista.OFF_SCREEN` is left alone so
    that interactive use in the same session still works.

    Raises:
        ConfigError: PyVista is not installed.
    """
    headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if sys.platform.startswith("linux") and headless:
        os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
    try:
        import pyvista as pv
    except ImportError as err:  # pragma: no cover - depends on the installation
        raise ConfigError(
            "rendering needs PyVista; install lidendrite with the 'render' extra "
            "(pip install 'lidendrite[render]')"
        ) from err
    return pv


@cache
def font_file() -> str | None:
    """Path of DejaVu Sans (shipped with Matplotlib), which has µ, ⁺, ⁻ and ² glyphs.

    ``None`` if Matplotlib is not installed; VTK's built-in Arial is used then.
    """
    try:
        import matplotlib
    except ImportError:  # pragma: no cover - depends on the installation
        return None
    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    return str(path) if path.is_file() else None
