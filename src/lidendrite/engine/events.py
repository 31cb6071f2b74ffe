"""Events that end a run: objects with a name, a status and a time (PyBaMM-style termination).

Each event looks at the metrics row of an accepted step (and the state) and, when it fires,
returns an :class:`EventRecord`; the stepper writes a last frame and ends the run with the
record's status. A new event is a new class with a ``check`` method, added in
:func:`events_for`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from lidendrite.engine.filler_motion import current_fillers, moves_with_electrolyte, moving_shapes
from lidendrite.engine.state import MeshState
from lidendrite.moving.front import closer_than
from lidendrite.moving.obstacles import contact_distance_um
from lidendrite.physics.closures import cation_concentration


@dataclass(frozen=True)
class EventRecord:
    """An event that fired: the run ends with ``status``; ``info`` goes into status.json."""

    name: str
    status: str
    reason: str
    time_s: float
    info: dict = field(default_factory=dict)


class Event(Protocol):
    """What an event offers the stepper."""

    name: str

    def check(
        self, state: MeshState, previous: dict | None, row: dict
    ) -> EventRecord | None:  # pragma: no cover - protocol
        """An :class:`EventRecord` if the event fired at this accepted step."""


@dataclass
class Depletion:
    """The Li⁺ concentration at the plating surface falls below a threshold (mol/m³)."""

    threshold_mol_per_m3: float
    name: str = "depletion"

    def check(self, state: MeshState, previous: dict | None, row: dict) -> EventRecord | None:
        """Fires when ``c_anode_min`` crosses the threshold; the time is interpolated."""
        if row["c_anode_min_mol_per_m3"] >= self.threshold_mol_per_m3:
            return None
        t_dep = crossing_time(previous, row, self.threshold_mol_per_m3)
        return EventRecord(
            self.name,
            "depleted",
            f"Li+ at the plating surface fell below {self.threshold_mol_per_m3:.4g} mol/m3",
            row["time_s"],
            {"depletion_time_s": t_dep},
        )


@dataclass
class SaltDepletion:
    """Li⁺ falls below a threshold (mol/m³) somewhere inside the electrolyte.

    Watched where regions differ (fixed anions, several materials): the Li⁺ at the plating
    surface may then stay high (fixed anions hold it) while a binary region runs out of salt
    elsewhere, e.g. where it meets a fixed-anion layer; the run cannot go on there. Where fixed
    anions hold the Li⁺, the mobile salt may vanish without harm: that is not depletion.
    """

    threshold_mol_per_m3: float
    name: str = "salt_depletion"

    def check(self, state: MeshState, previous: dict | None, row: dict) -> EventRecord | None:
        """Fires when the smallest nodal c₊ is below the threshold (collective)."""
        p = state.problem
        c_plus = cation_concentration(p.c.x.array, p.coefficients.nodal_closure())
        scale = state.case.scaling.concentration_mol_per_m3
        k = int(np.argmin(c_plus)) if c_plus.size else -1
        local = (
            (float(c_plus[k]) * scale, *map(float, state.mesh.geometry.x[k, :2]))
            if k >= 0
            else (np.inf, 0.0, 0.0)
        )
        lowest, x, y = min(state.mesh.comm.allgather(local))
        if lowest >= self.threshold_mol_per_m3:
            return None
        return EventRecord(
            self.name,
            "depleted",
            f"Li+ fell below {self.threshold_mol_per_m3:.4g} mol/m3 inside the electrolyte at "
            f"({x:.3g}, {y:.3g}) um (the salt ran out there)",
            row["time_s"],
            {"depletion_time_s": row["time_s"], "depletion_position_um": [x, y]},
        )


@dataclass
class ShortCircuit:
    """The Li deposit comes within ``distance_um`` of the counter electrode."""

    distance_um: float
    name: str = "short_circuit"

    def check(self, state: MeshState, previous: dict | None, row: dict) -> EventRecord | None:
        """Fires when the anode polyline gets closer than the distance to the counter."""
        case = state.case
        if state.counter is not None:
            top = state.counter.xy
        else:
            t = case.thickness_um
            top = np.array([[0.0, t], [case.width_um, t]])
        if not closer_than(state.anode.xy, top, self.distance_um):
            return None
        return EventRecord(
            self.name,
            "short_circuit",
            "the Li deposit reached the counter electrode",
            row["time_s"],
            {"short_circuit_time_s": row["time_s"]},
        )


@dataclass
class FillerContact:
    """The Li front reached a filler (``numerics.on_filler_contact: stop``).

    The contacts themselves are recorded by the stepper whatever the setting
    (:func:`~lidendrite.engine.contact.record_contacts`, column ``filler_contacts``); this
    event ends the run at the first one.
    """

    name: str = "filler_contact"

    def check(self, state: MeshState, previous: dict | None, row: dict) -> EventRecord | None:
        """Fires when ``filler_contacts`` grew over the step."""
        before = previous["filler_contacts"] if previous is not None else 0
        if row["filler_contacts"] <= before:
            return None
        return EventRecord(
            self.name,
            "filler_contact",
            "the Li front reached a filler (numerics.on_filler_contact = stop)",
            row["time_s"],
            {"filler_contact_time_s": row["time_s"]},
        )


@dataclass
class FillerAtCounter:
    """A filler moving up with the electrolyte comes close to the counter electrode.

    Dispersed fillers go up with the electrolyte as Li plates (``cell.filler_motion:
    with_electrolyte``). A Li counter electrode recedes as fast and keeps its distance; a
    reservoir boundary stays where it is, and a filler that reaches it cannot go on: the next
    mesh would not exist. The event ends the run before that, when the gap would close within
    the next step (the growth of the last one times ``numerics.dt_growth_max``) or is below the
    contact distance of the front.
    """

    contact_um: float
    growth_max: float
    name: str = "filler_at_counter"

    def check(self, state: MeshState, previous: dict | None, row: dict) -> EventRecord | None:
        """Fires when the smallest gap between a moving filler and the counter is too small."""
        cfg = state.case.config
        shapes = moving_shapes(current_fillers(state), cfg)
        if not shapes:
            return None
        if state.counter is not None:
            counter_y = float(np.min(state.counter.xy[:, 1]))
        else:
            counter_y = state.case.thickness_um
        tops = [_top_um(s) for s in shapes]
        k = int(np.argmax(tops))
        gap = counter_y - tops[k]
        growth = row["mean_height_um"] - previous["mean_height_um"] if previous else 0.0
        if gap > self.contact_um + self.growth_max * max(growth, 0.0):
            return None
        item = int(shapes[k]["item"])
        return EventRecord(
            self.name,
            "filler_at_counter",
            f"cell.fillers[{item}] ({cfg.cell.fillers[item].material}), moving up with the "
            f"electrolyte as Li plates, is {gap:.3g} um from the counter electrode at "
            f"t = {row['time_s']:.6g} s and cannot pass it (cell.filler_motion: fixed holds "
            "the fillers in place)",
            row["time_s"],
            {"filler_at_counter_time_s": row["time_s"], "filler_item": item, "gap_um": gap},
        )


def _top_um(shape: dict) -> float:
    """Highest point of a filler shape (a Gmsh input dict: circle or polygon), µm."""
    if "center" in shape:
        return float(shape["center"][1]) + float(shape["radius"])
    return float(np.max(np.asarray(shape["vertices"], dtype=float)[:, 1]))


def crossing_time(before: dict | None, after: dict, threshold: float) -> float:
    """Time at which c_anode_min crossed ``threshold`` (linear interpolation between steps)."""
    if before is None:
        return after["time_s"]
    c0, c1 = before["c_anode_min_mol_per_m3"], after["c_anode_min_mol_per_m3"]
    t0, t1 = before["time_s"], after["time_s"]
    if c0 == c1:
        return t1
    return t0 + (c0 - threshold) / (c0 - c1) * (t1 - t0)


def events_for(state: MeshState) -> list[Event]:
    """The events a configured run watches, in the order they are checked."""
    case = state.case
    cfg = case.config
    out: list[Event] = []
    if cfg.operation.stop_on_depletion:
        threshold = cfg.operation.depletion_threshold * case.scaling.concentration_mol_per_m3
        out.append(Depletion(threshold))
        if not state.problem.coefficients.region.ideal_binary:
            out.append(SaltDepletion(threshold))
    if case.moving:
        out.append(ShortCircuit(cfg.numerics.short_circuit_distance_um))
        if cfg.numerics.on_filler_contact == "stop":
            out.append(FillerContact())
        if moves_with_electrolyte(state):
            contact = contact_distance_um(cfg.mesh.size_at_anode_um)
            out.append(FillerAtCounter(contact, cfg.numerics.dt_growth_max))
    return out
