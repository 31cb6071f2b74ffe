"""Fillers that move with the electrolyte as the growing Li pushes it.

The electrolyte is displaced as a whole by the mean growth of the anode (a compliant
electrolyte: a polymer or gel in a symmetric cell, see the README's model section). Particles
and fibres dispersed in it (``cell.fillers`` of kind ``disc``, ``core_shell``, ``fibre``) go
with it: every step their boundaries (holes and material interfaces, which mesh motion
otherwise holds) are displaced by the same vertical shift, the state counts how far they have
moved since its mesh was made (remeshes re-create the same polygons there; checkpoints keep the
offset) and the front meets them where they are. ``cell.filler_motion: fixed`` keeps them in
place (a rigid framework). Layers and grain boundaries are the framework and never move, nor do
fixed anions.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from lidendrite.engine.state import MeshState
from lidendrite.geometry.polyline import distance_to_polyline

#: ``cell.fillers`` kinds that are dispersed in the electrolyte (they move with it).
DISPERSED_KINDS = ("disc", "core_shell", "fibre")
#: Distance (µm) within which a mesh node counts as on a filler's boundary.
ON_BOUNDARY_UM = 1e-6


def moves_with_electrolyte(state: MeshState) -> bool:
    """Whether this run's dispersed fillers move (and it has any)."""
    cfg = state.case.config
    return (
        state.case.moving
        and cfg.cell.filler_motion == "with_electrolyte"
        and bool(moving_shapes((state.source or {}).get("fillers") or [], cfg))
    )


def moving_shapes(shapes: list[dict[str, Any]], cfg: Any) -> list[dict[str, Any]]:
    """The shape dicts (Gmsh input) of dispersed fillers."""
    items = cfg.cell.fillers
    return [s for s in shapes if items[int(s["item"])].kind in DISPERSED_KINDS]


def translated(shapes: list[dict[str, Any]], cfg: Any, dy_um: float) -> list[dict[str, Any]]:
    """A copy of the shape dicts with the dispersed fillers moved up by ``dy_um``."""
    out = copy.deepcopy(list(shapes))
    if dy_um == 0.0 or cfg.cell.filler_motion != "with_electrolyte":
        return out
    for s in moving_shapes(out, cfg):
        if "center" in s:
            s["center"] = [s["center"][0], s["center"][1] + dy_um]
        if "vertices" in s:
            s["vertices"] = [[x, y + dy_um] for x, y in s["vertices"]]
    return out


def moving_filler_nodes(state: MeshState) -> np.ndarray:
    """Local geometry nodes on the boundaries of the dispersed fillers (cached per mesh)."""
    nodes = state.cache.get("moving_filler_nodes")
    if nodes is not None:
        return nodes
    x = state.mesh.geometry.x[:, :2]
    on = np.zeros(len(x), dtype=bool)
    for s in moving_shapes(current_fillers(state), state.case.config):
        if "center" in s:
            c, r = np.asarray(s["center"], dtype=float), float(s["radius"])
            on |= np.abs(np.hypot(*(x - c).T) - r) <= ON_BOUNDARY_UM
        else:
            v = np.asarray(s["vertices"], dtype=float)
            lo, hi = v.min(axis=0) - ON_BOUNDARY_UM, v.max(axis=0) + ON_BOUNDARY_UM
            box = np.flatnonzero(np.all((x >= lo) & (x <= hi), axis=1))
            if box.size:
                ring = np.vstack([v, v[:1]])
                on[box[distance_to_polyline(x[box], ring) <= ON_BOUNDARY_UM]] = True
    nodes = np.flatnonzero(on)
    state.cache["moving_filler_nodes"] = nodes
    return nodes


def current_fillers(state: MeshState) -> list[dict[str, Any]]:
    """The filler shapes where they are now: the mesh's Gmsh input moved by its offset."""
    shapes = (state.source or {}).get("fillers") or []
    return translated(shapes, state.case.config, state.filler_offset_um)


def move_fillers(state: MeshState, dy_um: float) -> None:
    """The dispersed fillers moved up by ``dy_um`` with the mesh (``-dy_um``: an undo).

    The Gmsh input of the mesh (``state.source``, what checkpoints rebuild the mesh from) is
    left as it was; ``state.filler_offset_um`` holds how far they have moved since.
    """
    if dy_um == 0.0 or not moves_with_electrolyte(state):
        return
    state.filler_offset_um += dy_um
    state.cache.pop("obstacles", None)  # the front meets them where they are now
