"""Contacts of the moving Li front with fillers: what the stepper records and the motion obeys.

The shapes are those the cell was meshed with (``MeshState.source['fillers']``, the same after
every remesh); a user mesh (``cell.mesh_file``) has none, so its fillers are not watched. The
pure geometry is :mod:`lidendrite.moving.obstacles`.
"""

from __future__ import annotations

import logging

import numpy as np

from lidendrite.engine.filler_motion import current_fillers
from lidendrite.engine.state import MeshState
from lidendrite.moving.obstacles import (
    Obstacle,
    contact_distance_um,
    hold_front,
    nearest,
    obstacles_from_shapes,
)

log = logging.getLogger("lidendrite")

#: A vertex within (1 + this) × the contact distance of a filler touches it.
CONTACT_TOLERANCE = 0.01


def obstacles_of(state: MeshState) -> list[Obstacle]:
    """The fillers of the state's mesh as obstacles of the anode (cached on the state)."""
    cached = state.cache.get("obstacles")
    if cached is None:
        shapes = current_fillers(state)
        cached = obstacles_from_shapes(shapes, state.anode.xy) if state.case.moving else []
        state.cache["obstacles"] = cached
    return cached


def contact_distance(state: MeshState) -> float:
    """The contact distance of the run (µm)."""
    return contact_distance_um(state.case.config.mesh.size_at_anode_um)


def held_anode_step(state: MeshState, step: np.ndarray) -> np.ndarray:
    """The anode step with the vertices at fillers held (the Faraday area unchanged)."""
    obstacles = obstacles_of(state)
    if not obstacles:
        return step
    case = state.case
    out, _ = hold_front(
        state.anode.xy,
        step,
        obstacles,
        contact_distance(state),
        width_um=case.width_um,
        periodic=case.periodic,
    )
    return out


def record_contacts(state: MeshState, contacts: list[dict], time_s: float) -> list[dict]:
    """Append to ``contacts`` a record of every filler the anode touches for the first time.

    A record: time (s), filler id (the shape id of ``source['fillers']``), the ``cell.fillers``
    item, material, whether it blocks, the gap (µm) and the position of the touching vertex;
    a filler the front has since closed over (no longer in the mesh) gets ``engulfed_time_s``.
    Returns the new records.
    """
    present = {int(s["id"]) for s in (state.source or {}).get("fillers") or []}
    for r in contacts:
        if r["filler_id"] not in present and "engulfed_time_s" not in r:
            r["engulfed_time_s"] = float(time_s)  # the front closed over it (remesh)
            log.info("filler %d is engulfed by the Li front, t = %.6g s", r["filler_id"], time_s)
    obstacles = obstacles_of(state)
    if not obstacles:
        return []
    seen = {r["filler_id"] for r in contacts}
    limit = (1.0 + CONTACT_TOLERANCE) * contact_distance(state)
    xy = state.anode.xy
    wrap = state.case.width_um if state.case.periodic else None
    new = []
    for obstacle, (gap, k) in zip(obstacles, nearest(xy, obstacles, wrap), strict=True):
        if gap > limit or obstacle.id in seen:
            continue
        record = {
            "time_s": float(time_s),
            "filler_id": obstacle.id,
            "item": obstacle.item,
            "material": obstacle.material,
            "blocking": obstacle.blocking,
            "gap_um": gap,
            "position_um": [float(xy[k, 0]), float(xy[k, 1])],
        }
        new.append(record)
        log.info(
            "filler contact: the Li front reached filler %d (%s, cell.fillers[%d]) at "
            "(%.4g, %.4g) um, t = %.6g s",
            obstacle.id,
            obstacle.material,
            obstacle.item,
            *record["position_um"],
            time_s,
        )
    contacts.extend(new)
    return new
