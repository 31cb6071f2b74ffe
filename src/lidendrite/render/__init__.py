"""Figures and movies of runs, drawn with PyVista off screen from the frame files.

The renderer reads ``run_dir/frames/*.npz`` on one process; it needs neither MPI nor DOLFINx.
PyVista is imported only when something is drawn.
"""

from lidendrite.render.animate import animate
from lidendrite.render.api import Run, load_run
from lidendrite.render.gallery import gallery
from lidendrite.render.options import FrameOptions
from lidendrite.render.scene import SceneInfo, ViewBox, frame_to_grid, render_frame, save_frame

__all__ = [
    "FrameOptions",
    "Run",
    "SceneInfo",
    "ViewBox",
    "animate",
    "frame_to_grid",
    "gallery",
    "load_run",
    "render_frame",
    "save_frame",
]
