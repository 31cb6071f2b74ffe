"""One explicit step of the electrodes on the current mesh, and the ALE motion that follows.

The NumPy front kinematics live in :mod:`lidendrite.moving.front`; this module feeds them the
plating current of the current state and moves the mesh (:class:`~lidendrite.moving.ale.MeshMover`).
"""

from __future__ import annotations

import math

import numpy as np

from lidendrite.engine.contact import held_anode_step
from lidendrite.engine.filler_motion import (
    move_fillers,
    moves_with_electrolyte,
    moving_filler_nodes,
)
from lidendrite.engine.state import ElectrodeCurrents, Interface, MeshState, SurfaceState
from lidendrite.geometry.polyline import carry_along
from lidendrite.moving.front import area_under, boundary_integral, front_motion
from lidendrite.physics.kinetics import film_limited_current, film_limited_slope

#: Largest displacement of a front vertex per step, beyond the translation of the whole front,
#: in units of its local element size.
LOCAL_SHAPE_CHANGE = 1.0


def boundary_steps(
    state: MeshState, dt_hat: float, currents: ElectrodeCurrents | None = None
) -> dict[str, np.ndarray]:
    """Displacement of every electrode polyline vertex over the coming step (µm).

    Explicit in time: the Butler–Volmer current of the current state, v_n = iΩ/F (see
    :func:`~lidendrite.moving.front.front_step`), except for the capillary term, which is taken
    at the end of the step (:func:`capillary_stiffness`, stable at any step). In a
    galvanostatic cell the vertex currents are shifted so that their mean is the current
    applied now. Vertices at a filler are held there
    (:func:`~lidendrite.engine.contact.held_anode_step`). ``currents``: those of ``state``
    (:meth:`~lidendrite.engine.state.MeshState.electrode_currents`) where the caller has them.
    """
    case = state.case
    currents = currents if currents is not None else state.electrode_currents()
    applied = float(state.problem.control.value) if case.galvanostatic else None
    out, motions, pending = {}, {}, {}
    for name, itf, phi_s, side in (
        ("anode", state.anode, state.cell_voltage_scaled(), +1),
        ("counter", state.counter, 0.0, -1),
    ):
        if itf is None:
            continue
        surface, current = currents[name]
        step_per_current = case.params.front_speed * dt_hat
        advancing, lagged = second_order_terms(state, name, itf.xy, current, dt_hat)
        motion = front_motion(
            itf.xy,
            itf.normals,
            advancing,
            step_per_current=step_per_current,
            width_um=case.width_um,
            side=side,
            periodic=case.periodic,
            applied_mean=None if applied is None else side * applied,
            capillary_stiffness=step_per_current * capillary_stiffness(state, itf, phi_s, surface),
            lagged_step=lagged,
        )
        pending[name] = (itf.xy.copy(), current, motion.normal_step, dt_hat)
        out[name] = motion.displacement
        motions[name] = motion
    state.front_pending = pending
    # the front stops at fillers; the Li it would have put there plates on the free surface
    out["anode"] = held_anode_step(state, out["anode"])
    if case.patterned:
        # material points go along the normals; each vertex takes the material coordinate of
        # the point of that surface where it lands
        before = state.anode_material()
        landed = state.anode.xy + out["anode"] - (0.0, motions["anode"].area_shift_um)
        after = carry_along(landed, motions["anode"].normal_xy, before)
        state.material_step = (before, after)
    return out


def second_order_terms(
    state: MeshState, name: str, xy: np.ndarray, current: np.ndarray, dt_hat: float
) -> tuple[np.ndarray, np.ndarray | None]:
    """The plating current that advances the front over the coming step, and the lagged step.

    ``euler``: the current now, no lag. ``ab2`` (variable-step Adams–Bashforth): the current
    extrapolated to the middle of the step, (1 + r/2) i_n − (r/2) i_{n−1}, r = Δt_n/Δt_{n−1},
    and the previous normal step × r (for the capillary correction,
    :func:`~lidendrite.moving.front.front_motion`), both taken at the nearest point of the
    previous polyline (a vertex slides along the surface between steps; a remesh keeps the
    history: it is polylines, not mesh data). Euler on the first step.
    """
    hist = state.front_history
    if state.case.config.numerics.front_scheme != "ab2" or not hist or name not in hist:
        return current, None
    xy_prev, i_prev, step_prev, dt_prev = hist[name]
    r = dt_hat / dt_prev
    previous = carry_along(xy, xy_prev, i_prev)
    lagged = r * carry_along(xy, xy_prev, step_prev)
    return (1.0 + 0.5 * r) * current - 0.5 * r * previous, lagged


def capillary_stiffness(
    state: MeshState,
    itf: Interface,
    phi_s: float,
    surface: SurfaceState,
) -> np.ndarray:
    """−∂i/∂κ at the vertices: i_η × capillary (scaled current × µm).

    ``i_η = α_c i_c + α_a i_a`` from the cathodic and anodic Butler–Volmer partial currents of
    the current state, ``capillary`` = γΩ/F in scaled potential per unit curvature (1/µm).
    Through a film (i = BV(η + R i)) it is ``i_η / (1 + R i_η)`` with i_η at η + R i.
    """
    coef = state.problem.coefficients
    if coef.capillary == 0.0:
        return np.zeros(len(itf.xy))
    c_ratio, phi, i0, _, film = surface
    eta = phi_s - phi + coef.capillary * itf.curvature
    bv = dict(
        exchange_current=i0, alpha_anodic=coef.alpha_anodic, alpha_cathodic=coef.alpha_cathodic
    )
    if film is not None:
        current = film_limited_current(c_ratio, eta, film_resistance=film, **bv)
        i_eta = film_limited_slope(c_ratio, eta, current, film_resistance=film, **bv)
    else:
        i_eta = film_limited_slope(c_ratio, eta, 0.0, film_resistance=0.0, **bv)
    return np.maximum(i_eta, 0.0) * coef.capillary


def apply_motion(state: MeshState, steps: dict[str, np.ndarray], dt_hat: float) -> None:
    """Move the electrode nodes by ``steps`` and the rest of the mesh with them (ALE)."""
    case = state.case
    itfs = {"anode": state.anode, "counter": state.counter}
    nodes = [itfs[k].nodes for k in steps]
    disp = [steps[k][itfs[k].to_poly] for k in steps]
    if case.periodic:
        # wall nodes move with the electrode ends, linearly in between: both walls alike
        side = state.mover.side_nodes
        y = state.mesh.geometry.x[side, 1]
        y_a, d_a = state.anode.xy[0, 1], steps["anode"][0]
        if "counter" in steps:
            y_c, d_c = state.counter.xy[0, 1], steps["counter"][0]
        else:
            y_c, d_c = case.thickness_um, np.zeros(2)
        f = np.clip((y - y_a) / (y_c - y_a), 0.0, 1.0)[:, None]
        nodes.append(side)
        disp.append((1.0 - f) * d_a + f * d_c)
    # the electrolyte is displaced as a whole by the mean growth of the anode, and the
    # particles and fibres in it with it
    shift_um = (area_under(state.anode.xy + steps["anode"]) - area_under(state.anode.xy)) / (
        case.width_um
    )
    if moves_with_electrolyte(state):
        fillers = moving_filler_nodes(state)
        nodes.append(fillers)
        disp.append(np.tile((0.0, shift_um), (len(fillers), 1)))
    u = state.mover.solve(np.concatenate(nodes), np.concatenate(disp))
    state.problem.disp1.x.array[:] = u.x.array
    state.problem.electrolyte_velocity.value[:] = (0.0, shift_um / dt_hat)
    move_fillers(state, shift_um)
    state.cache["filler_step_um"] = shift_um
    state.mover.move(u)
    # The electrode nodes go exactly where the front step put them: the ALE solve reproduces
    # its Dirichlet values only to round-off that depends on the partition, and the electrode
    # polylines are the Gmsh input of the next remesh.
    x = state.mesh.geometry.x
    for name, step in steps.items():
        itf = itfs[name]
        x[itf.nodes, :2] = (itf.xy + step)[itf.to_poly]
    state.refresh_interfaces()
    state.after_front_step()


def undo_motion(state: MeshState) -> None:
    """Move the mesh back after a rejected step."""
    move_fillers(state, -state.cache.pop("filler_step_um", 0.0))
    state.mover.move(state.problem.disp1, sign=-1.0)
    state.problem.disp1.x.array[:] = 0.0
    state.refresh_interfaces()
    state.after_front_step(undo=True)


def motion_dt_limit(state: MeshState, currents: ElectrodeCurrents | None = None) -> float:
    """Cap dt (s) for the explicit boundary motion.

    The non-uniform part of the boundary velocity (what changes the shape) may move a point by
    at most a fifth of the anode mesh size per step, and the uniform part by at most two mesh
    sizes. A uniform normal speed translates only a flat front: on a curved one the flanks
    move sideways, and in a concave foot they converge. So, in addition, the velocity vector of
    every vertex, v_n n, minus the translation of the whole front (the mean growth, vertical)
    may move it by at most :data:`LOCAL_SHAPE_CHANGE` of its local element size per step (the
    adjacent polyline segments, not less than half the anode mesh size). ``currents``: those of
    ``state`` (:meth:`~lidendrite.engine.state.MeshState.electrode_currents`) where the caller
    has them.
    """
    case = state.case
    if not case.moving:
        return math.inf
    if currents is not None:
        i_p = currents["anode"][1]
    else:
        i_p = state.plating_current_nodal(state.anode, state.cell_voltage_scaled())
    to_um_per_s = case.params.front_speed / case.scaling.time_s
    h = case.config.mesh.size_at_anode_um
    limits = [math.inf]
    spread = float(np.max(np.abs(i_p - i_p.mean()))) * to_um_per_s
    peak = float(np.max(np.abs(i_p))) * to_um_per_s
    if spread > 0:
        limits.append(0.2 * h / spread)
    if peak > 0:
        limits.append(2.0 * h / peak)
    xy, normals = state.anode.xy, state.anode.normals
    speed = i_p * to_um_per_s
    translation = boundary_integral(xy, speed) / case.width_um
    deviation = np.hypot(speed * normals[:, 0], speed * normals[:, 1] - translation)
    seg = np.hypot(*np.diff(xy, axis=0).T)
    h_local = np.maximum(np.minimum(np.r_[seg, np.inf], np.r_[np.inf, seg]), 0.5 * h)
    fastest = float(np.max(deviation / h_local))
    if fastest > 0:
        limits.append(LOCAL_SHAPE_CHANGE / fastest)
    return min(limits)
