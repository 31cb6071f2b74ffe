"""Remeshing: a new Gmsh mesh bounded by the current electrode polylines, fields transferred.

Called by the stepper when a step would fold the front or degrade the mesh below the remesh
threshold. The salt (mobile-anion) inventory, which the model conserves exactly, is restored
after the interpolation; the relative correction is reported.
"""

from __future__ import annotations

from mpi4py import MPI

import numpy as np
import ufl

from lidendrite import fem
from lidendrite.engine.filler_motion import translated
from lidendrite.engine.metrics import anion_inventory
from lidendrite.engine.state import MeshState
from lidendrite.errors import GeometryError
from lidendrite.fem import dolfinx
from lidendrite.geometry.cell import build_cell
from lidendrite.geometry.clearance import front_clearance
from lidendrite.geometry.far_field import far_counter_spacing_um, far_field_of
from lidendrite.geometry.fillers import shapes_from_dicts
from lidendrite.geometry.polyline import (
    GMSH_GRID_UM,
    distance_to_polyline,
    points_in_polygon,
    resample_polyline,
)
from lidendrite.moving.front import clean_front
from lidendrite.moving.obstacles import (
    contact_distance_um,
    drop_engulfed,
    keep_clear,
    obstacles_from_shapes,
)
from lidendrite.physics.closures import anion_concentration
from lidendrite.scaling import LENGTH_M
from lidendrite.solver.problem import SolverSettings


def remesh_threshold(state: MeshState) -> float:
    """Element quality below which the mesh is rebuilt.

    ``numerics.remesh_min_quality``, or 90 % of the quality the mesh had when it was made if
    that is lower, so that a fresh mesh is never remeshed at once.
    """
    return min(state.case.config.numerics.remesh_min_quality, 0.9 * state.fresh_quality)


def remeshed_state(
    old: MeshState,
    settings: SolverSettings,
    anode_xy: np.ndarray,
    counter_xy: np.ndarray | None,
    max_step_um: float,
    shift_um: float = 0.0,
    anode_material: tuple[np.ndarray, np.ndarray] | None = None,
    pockets: list[np.ndarray] | None = None,
) -> MeshState:
    """A new mesh bounded by the given electrode polylines, with the fields transferred.

    The step that triggers the remesh also displaces the electrolyte by the mean growth of the
    anode, ``shift_um`` (on a moving mesh the ALE terms do this): the fields are carried along,
    the new value at ``x`` is the old one at ``x − shift``. Without it the transfer would swap a
    depleted slab at the anode for an enriched one at the counter electrode and the
    renormalisation below would always remove salt.

    The salt is then renormalised to the mobile-anion inventory the new domain should hold: all
    of it between two Li electrodes (the counter recedes by what the anode gains), minus the
    slab of bulk electrolyte (c = c₀) pushed out through a reservoir counter electrode. The
    relative correction is kept in ``pending_correction`` of the new state, and the salt it
    added (negative: removed) in ``pending_salt_added_mol_per_m`` (per unit depth).

    ``anode_material`` (the moved old anode polyline and its vertices' material coordinates)
    carries a surface pattern onto the new anode (:meth:`MeshState.assign_anode_material`).

    Fillers are re-created exactly (particles and fibres moved with the electrolyte, this
    step's ``shift_um`` included: :mod:`lidendrite.engine.filler_motion`), except those the
    anode has closed over (a loop cut out above them): they are in the Li and leave the mesh
    (:func:`~lidendrite.moving.obstacles.drop_engulfed`).

    ``pockets`` (closed polygons, :mod:`lidendrite.moving.untangle`): electrolyte the front
    closed over. Their salt (:func:`pocket_salt`) is trapped in the Li: the new domain should
    hold the old inventory less that, and it goes into ``pending_pocket_salt_mol_per_m``.
    """
    case = old.case
    cfg = case.config
    if "mesh_file" in (old.source or {}):
        raise GeometryError(
            f"the mesh degraded (or the front folded) and a user mesh (cell.mesh_file = "
            f"'{old.source['mesh_file']}') cannot be rebuilt around the moved anode; use a "
            "finer user mesh, a shorter run, or a built cell with cell.fillers"
        )
    h = cfg.mesh.size_at_anode_um
    anode_xy = clean_front(anode_xy, h)
    far = far_field_of(cfg)
    fillers = (old.source or {}).get("fillers")
    if fillers:  # where they are now: moved with the electrolyte, this step included
        fillers = translated(fillers, cfg, old.filler_offset_um + shift_um)
    if fillers:  # a particle the front closed over is in the Li now
        fillers, _ = drop_engulfed(fillers, anode_xy)
        anode_xy = keep_clear(
            anode_xy,
            obstacles_from_shapes(fillers, anode_xy),
            contact_distance_um(h),
            width_um=case.width_um,
            periodic=case.periodic,
        )
    if counter_xy is None:
        w, t = case.width_um, case.thickness_um
        spacing = far_counter_spacing_um(cfg) if far else cfg.mesh.size_bulk_um
        counter_xy = resample_polyline(np.array([[0.0, t], [w, t]]), spacing)
    else:
        counter_xy = clean_front(counter_xy, h)
    if fillers:  # the front is held at max(h/2, 0.02 um) from every filler: a safety net
        gap, shape, where = front_clearance(anode_xy, shapes_from_dicts(fillers))
        if gap < 0.25 * h:
            raise GeometryError(
                f"the Li front reached filler {shape.id} ({shape.material}, a {shape.kind}): "
                f"gap {gap:.3g} um < h/4 at ({where[0]:.3g}, {where[1]:.3g}) um; the cell "
                "cannot be remeshed with the front through a filler"
            )
    cell_mesh = build_cell(
        old.mesh.comm,
        anode_xy,
        counter_xy,
        size_at_anode_um=h,
        size_bulk_um=cfg.mesh.size_bulk_um,
        grading_distance_um=cfg.mesh.grading_distance_um,
        refine_counter=case.counter_is_lithium,
        periodic=case.periodic,
        grid_um=GMSH_GRID_UM,
        fillers=fillers or None,  # every filler exactly as first meshed
        **far,
    )
    new = MeshState(case, cell_mesh, settings)
    if anode_material is not None:
        new.assign_anode_material(*anode_material)
    # New nodes lie inside the old mesh shifted by the mean growth, or at most one boundary
    # step outside it (the local motion differs from the mean by less than the largest step).
    padding = 1.5 * max_step_um + 1e-3 * h
    target = anion_inventory(old)
    trapped = pocket_salt(old, pockets or [], shift_um)
    target -= trapped
    scale = case.scaling.concentration_mol_per_m3 * LENGTH_M**2
    new.pending_pocket_salt_mol_per_m = trapped * scale
    if not case.counter_is_lithium:
        target -= shift_um * case.width_um  # bulk electrolyte (c = 1) leaves the cell
    x_old = old.mesh.geometry.x
    saved = x_old.copy()
    x_old[:, 1] += shift_um
    try:
        pairs = [(new.problem.c, old.problem.c), (new.problem.phi, old.problem.phi)]
        transfer(pairs, padding, 1e-3 * h)
    finally:
        x_old[:] = saved
    new.problem.v.x.array[:] = old.cell_voltage_scaled()
    new.problem.control.value = old.problem.control.value
    # immobile anions (a single-ion conductor) are fixed to the framework: uniform, nothing to
    # conserve by rescaling (the domain may change by round-off at a remesh)
    transferred = anion_inventory(new)
    band_um = CORRECTION_BAND_ELEMENTS * h + 2.0 * max_step_um
    ratio = (
        rescale_salt(new, target, near_front_weight(new, band_um)) if case.mobile_anions else 1.0
    )
    c = new.problem.c.x.array
    new.problem.c_n.x.array[:] = c
    new.problem.c_nm1.x.array[:] = c
    new.pending_correction = ratio - 1.0
    if ratio != 1.0:
        added = anion_inventory(new) - transferred  # scaled; µm² × concentration scale
        new.pending_salt_added_mol_per_m = added * scale
    return new


def pocket_salt(state: MeshState, pockets: list[np.ndarray], shift_um: float) -> float:
    """Mobile-anion inventory inside the pockets (scaled, collective).

    The state's mesh is where the fields were at the start of the step; the pockets are where
    the front closed at its end, so the cells are looked up shifted by the electrolyte's
    displacement ``shift_um``. Each cell counts with the share of 7 points (vertices, edge
    midpoints, centroid) that lie inside a pocket.
    """
    if not pockets:
        return 0.0
    mesh = state.mesh
    tdim = mesh.topology.dim
    n = mesh.topology.index_map(tdim).size_local
    nodes = dolfinx.mesh.entities_to_geometry(mesh, tdim, np.arange(n, dtype=np.int32))
    x = mesh.geometry.x[:, :2] + (0.0, shift_um)
    v = x[nodes]  # (n, 3, 2)
    samples = np.concatenate(
        [v, 0.5 * (v + np.roll(v, -1, axis=1)), v.mean(axis=1, keepdims=True)], axis=1
    )
    inside = np.zeros(samples.shape[:2], dtype=bool)
    for poly in pockets:
        inside |= points_in_polygon(samples.reshape(-1, 2), poly).reshape(inside.shape)
    share = dolfinx.fem.Function(dolfinx.fem.functionspace(mesh, ("DG", 0)))
    share.x.array[:n] = inside.mean(axis=1)
    share.x.scatter_forward()
    p = state.problem
    form = fem.form(share * anion_concentration(p.c, p.coefficients.region) * ufl.dx)
    local = dolfinx.fem.assemble_scalar(form)
    return float(mesh.comm.allreduce(local, op=MPI.SUM))


#: Width of the band near the anode where the remesh's salt correction goes, in anode element
#: sizes (plus twice the largest boundary step).
CORRECTION_BAND_ELEMENTS = 4.0


def near_front_weight(state: MeshState, band_um: float) -> np.ndarray:
    """Weight 1 − d/band (0 beyond) of the distance d to the anode, per local geometry node.

    Where the transfer errs: the domain changed at the front (new nodes outside the old mesh
    take the nearest values) and the fields are steepest there.
    """
    x = state.mesh.geometry.x[:, :2]
    w = np.zeros(len(x))
    near = x[:, 1] <= state.anode.xy[:, 1].max() + band_um
    if np.any(near):
        d = distance_to_polyline(x[near], state.anode.xy)
        w[near] = np.clip(1.0 - d / band_um, 0.0, 1.0)
    return w


def rescale_salt(state: MeshState, target: float, weight: np.ndarray | None = None) -> float:
    """Correct the salt activity so that the mobile-anion inventory is ``target`` (collective).

    A *local* correction: a ← a (1 + λ w) with the nodal ``weight`` w (1 at the front, 0 beyond
    a band: :func:`near_front_weight`), so the rest of the electrolyte keeps the transferred
    values exactly; without a weight (or if the band cannot take the correction, |λ| > 0.5) the
    factor is global, w = 1. λ solves inventory = target: in one step where c₋ is linear in a
    (an ideal binary electrolyte), by secant steps otherwise (fixed anions, a partition).
    Returns the relative change of the inventory that was corrected, ``target / before``.
    """
    p = state.problem
    c = p.c.x.array
    before = anion_inventory(state)
    ratio = target / before
    original = c.copy()
    w = np.ones_like(c)
    if weight is not None:  # geometry-node values onto the dofs of c
        scratch = dolfinx.fem.Function(p.c.function_space)
        state.layout.set_values(scratch, np.asarray(weight, dtype=float))
        scratch.x.scatter_forward()
        w = scratch.x.array.copy()
    band = weight is not None
    if band and state.mesh.comm.allreduce(float(np.max(w, initial=0.0)), op=MPI.MAX) == 0.0:
        w[:], band = 1.0, False

    def inventory(lam: float) -> float:
        c[:] = original * (1.0 + lam * w)
        return anion_inventory(state) - target

    f_prev = before - target
    lam_prev, lam = 0.0, ratio - 1.0
    f = inventory(lam)
    for _ in range(30):
        if abs(f) <= 1e-13 * abs(target) or f == f_prev:
            break
        lam, lam_prev, f_prev = lam - f * (lam - lam_prev) / (f - f_prev), lam, f
        f = inventory(lam)
    if band and abs(lam) > 0.5:  # the band cannot take it: a global factor
        c[:] = original
        return rescale_salt(state, target)
    return ratio


def transfer(
    pairs: list[tuple[dolfinx.fem.Function, dolfinx.fem.Function]],
    padding: float,
    tight_padding: float,
) -> None:
    """Interpolate P1 fields onto a non-matching mesh (collective).

    ``pairs`` are (new, old) functions; all new ones share one mesh and element, and so do the old
    ones, so the point location is done once. It is done in two passes: all new cells with
    ``tight_padding`` (nearly every node lies inside the old mesh), then the cells with a node
    that was not found, with ``padding``. A padded search costs far more per point (every cell
    within the padding is a candidate), and only a few per cent of the nodes need it: those
    beyond the old anode or inside the old holes of fillers held in place. The values are those
    of one padded pass (the same cells own the same points).
    """
    f_new, f_old = pairs[0]
    V_new, V_old = f_new.function_space, f_old.function_space
    mesh_new = V_new.mesh
    cells = np.arange(mesh_new.topology.index_map(mesh_new.topology.dim).size_local, dtype=np.int32)
    data = dolfinx.fem.create_interpolation_data(V_new, V_old, cells, padding=tight_padding)
    points_per_cell = V_new.element.interpolation_points.shape[0]
    owner = np.asarray(data.src_owner).reshape(-1, points_per_cell)  # a rank may own no cell
    missed = cells[(owner < 0).any(axis=1)]
    passes = [(cells, data)]
    if mesh_new.comm.allreduce(missed.size) > 0:
        padded = dolfinx.fem.create_interpolation_data(V_new, V_old, missed, padding=padding)
        passes.append((missed, padded))
    for f_new, f_old in pairs:
        for these, located in passes:
            f_new.interpolate_nonmatching(f_old, these, located)
        f_new.x.scatter_forward()
