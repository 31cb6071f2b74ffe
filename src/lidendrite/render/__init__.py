"""Figures and movies of runs, drawn off screen from the frame files.

Paper figures and movies are drawn with Matplotlib (:func:`save_figure`, :func:`gallery`,
:func:`animate`: journal layouts, vector PDF/SVG); :func:`render_frame` gives an interactive
PyVista plotter (notebooks, 3-D). The renderer reads ``run_dir/frames/*.npz`` on one process;
it needs neither MPI nor DOLFINx. PyVista and Matplotlib are imported only when something is
drawn.
"""

from lidendrite.render.animate import animate
from lidendrite.render.api import Run, load_run
from lidendrite.render.figure import draw_figure, save_figure
from lidendrite.render.figure_options import LAYOUTS, FigureOptions
from lidendrite.render.gallery import gallery
from lidendrite.render.options import FrameOptions
from lidendrite.render.scene import SceneInfo, ViewBox, frame_to_grid, render_frame, save_frame

__all__ = [
    "LAYOUTS",
    "FigureOptions",
    "FrameOptions",
    "Run",
    "SceneInfo",
    "ViewBox",
    "animate",
    "draw_figure",
    "frame_to_grid",
    "gallery",
    "load_run",
    "render_frame",
    "save_figure",
    "save_frame",
]
