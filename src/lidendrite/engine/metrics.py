"""The metrics table: every column of ``metrics.csv`` defined here, and how it is computed.

A column is added in one place: a :class:`Column` in :data:`COLUMNS` and its value in
:func:`evaluate` (collective). Integrals are compiled once per mesh and cached on the state.
Values are SI, named with their units; the scaled→SI conversion uses the Case's scaling.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mpi4py import MPI

import basix.ufl
import numpy as np
import ufl

from lidendrite import fem
from lidendrite.case import Case
from lidendrite.engine.state import ElectrodeCurrents, MeshState
from lidendrite.fem import dolfinx
from lidendrite.geometry import tags
from lidendrite.geometry.polyline import polyline_length
from lidendrite.moving.front import mean_height, rms_height
from lidendrite.physics.cell import electrode_current
from lidendrite.physics.closures import (
    anion_concentration,
    cation_concentration,
    ion_fluxes,
    surface_state,
)
from lidendrite.physics.kinetics import overpotential
from lidendrite.physics.transport import current_density
from lidendrite.scaling import LENGTH_M


@dataclass(frozen=True)
class Column:
    """One column of ``metrics.csv``."""

    name: str
    unit: str
    description: str


COLUMNS: tuple[Column, ...] = (
    Column("time_s", "s", "simulated time"),
    Column("dt_s", "s", "time step that ended here"),
    Column("step", "-", "accepted step number"),
    Column("newton_iterations", "-", "Newton iterations of the step"),
    Column("cell_voltage_V", "V", "plating electrode vs counter electrode"),
    Column("anode_current_density_A_per_m2", "A/m^2", "mean plating current per projected width"),
    Column("counter_current_density_A_per_m2", "A/m^2", "same at the counter electrode"),
    Column("anode_overpotential_V", "V", "mean surface overpotential of the anode"),
    Column("counter_overpotential_V", "V", "mean surface overpotential of a Li counter"),
    Column("c_anode_min_mol_per_m3", "mol/m^3", "lowest Li+ concentration on the anode"),
    Column("c_anode_mean_mol_per_m3", "mol/m^3", "mean Li+ concentration on the anode"),
    Column("i_anode_max_A_per_m2", "A/m^2", "highest local plating current on the anode"),
    Column("i_anode_min_A_per_m2", "A/m^2", "lowest local plating current on the anode"),
    Column("li_plated_um", "um", "Faraday thickness of the Li plated so far"),
    Column("cation_inventory_mol_per_m", "mol/m", "Li+ in the electrolyte per unit depth"),
    Column("anion_inventory_mol_per_m", "mol/m", "mobile anions per unit depth"),
    Column("tip_height_um", "um", "highest anode point above the initial mean surface"),
    Column("mean_height_um", "um", "mean anode height above the initial mean surface"),
    Column("protrusion_height_um", "um", "tip height above the current mean surface"),
    Column("roughness_rms_um", "um", "RMS height of the anode about its mean"),
    Column("tip_current_ratio", "-", "plating current at the tip / mean per unit surface"),
    Column("anode_current_cv", "-", "coefficient of variation of the plating current on the anode"),
    Column("anode_length_um", "um", "length of the anode surface"),
    Column("anode_length_ratio", "-", "anode length / projected width"),
    Column("counter_mean_height_um", "um", "mean height of a Li counter electrode"),
    Column("min_element_quality", "-", "worst element quality of the mesh"),
    Column("remesh_count", "-", "remeshes so far"),
    Column("remesh_inventory_correction", "-", "relative salt correction of the last remesh"),
    Column(
        "salt_correction_cumulative_mol_per_m",
        "mol/m",
        "salt added (signed) by the inventory renormalisation of all remeshes so far",
    ),
    Column(
        "loop_area_removed_um2",
        "um^2",
        "Li area (per unit depth) the front swept twice, cut out of it as loops and given back "
        "as a uniform shift (the Li volume stays the Faraday charge)",
    ),
    Column(
        "pocket_area_um2",
        "um^2",
        "electrolyte area the Li front has closed over (voids in the deposit)",
    ),
    Column("pocket_salt_mol_per_m", "mol/m", "mobile salt trapped in those pockets"),
    Column("filler_contacts", "-", "fillers the Li front has reached so far"),
    Column("fillers_engulfed", "-", "fillers the Li front has closed over so far (now in the Li)"),
    Column("wall_time_s", "s", "wall-clock time since the run started"),
)
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)

#: Prefix of the per-material Li⁺ flux-share columns (:func:`flux_share_columns`).
FLUX_SHARE_PREFIX = "li_flux_share_"


def flux_share_columns(case: Case) -> list[str]:
    """``li_flux_share_<material>`` for every conducting material of a cell with several.

    The share of a material is ∫ N₊·ŷ dx over its cells / ∫ N₊·ŷ dx over the whole electrolyte:
    the part of the vertical Li⁺ transport (diffusion + migration, the scaled molar flux N₊ of
    the solver) that the material carries. The shares add up to 1. In a laminate of layers
    across the cell (in series) they are the thickness fractions at steady state (N₊ = i/F
    everywhere) and t₊ₖLₖ / Σ t₊L at a uniform composition; for strips side by side (in
    parallel) they are the current fractions. Blocking materials (holes) carry none and have
    no column.
    """
    names = [m.name for m in case.materials if not m.blocking]
    return [FLUX_SHARE_PREFIX + n for n in names] if len(names) > 1 else []


#: Column of the newly plated share of the anode surface (with ``kinetics.new_surface``).
NEW_SURFACE_COLUMN = "new_surface_fraction"


def extra_columns(case: Case) -> list[str]:
    """Columns beyond :data:`COLUMNS` that this case writes: flux shares, new Li surface."""
    new = [NEW_SURFACE_COLUMN] if case.electrode("anode").tracks_new_surface else []
    return flux_share_columns(case) + new


@dataclass
class RunCounters:
    """What the stepper accumulates between metrics rows."""

    remesh_count: int = 0
    inventory_correction: float = 0.0
    salt_correction_cumulative_mol_per_m: float = 0.0
    loop_area_removed_um2: float = 0.0
    pocket_area_um2: float = 0.0
    pocket_salt_mol_per_m: float = 0.0
    li_plated_um: float = 0.0
    initial_mean_height_um: float = 0.0
    filler_contact_log: list[dict] = field(default_factory=list)
    """One record per filler the front reached (see ``engine.contact.record_contacts``)."""


def current_cv(xy: np.ndarray, current: np.ndarray) -> float:
    """Standard deviation / mean of a vertex field along a polyline (linear between vertices).

    Two passes (mean, then the exact integral of the squared deviation of the piecewise-linear
    field), so a nearly uniform current gives a small CV without cancellation.
    """
    ds = np.hypot(*np.diff(xy, axis=0).T)
    length = float(ds.sum())
    mean = float(np.sum(0.5 * (current[1:] + current[:-1]) * ds)) / length
    a, b = current[:-1] - mean, current[1:] - mean
    var = float(np.sum((a * a + a * b + b * b) / 3.0 * ds)) / length
    return float(np.sqrt(max(var, 0.0)) / abs(mean)) if mean != 0 else float("nan")


def _forms(state: MeshState) -> tuple[list[str], dolfinx.fem.Form]:
    """The metric integrals as one form tested by a real space of one entry per integral.

    One assembly (one coefficient packing, one pass over the cells and each facet set) gives
    them all, instead of one scalar assembly each.
    """
    forms = state.cache.get("metric_forms")
    if forms is not None:
        return forms
    p = state.problem
    coef = p.coefficients
    columns = flux_share_columns(state.case)
    # one cell measure: the flux shares integrate over the materials' tagged cells
    dx = ufl.Measure("dx", domain=p.mesh, subdomain_data=state.cell_tags if columns else None)
    ds = p.ds
    region = coef.region
    _, phi_ref = surface_state(p.c, p.phi, region)
    c_plus = cation_concentration(p.c, region)
    raw = {
        "i_anode": (electrode_current(p.c, p.phi, p.anode, coef), ds(tags.ANODE)),
        "eta_anode": (
            overpotential(p.v, phi_ref, capillary=coef.capillary, curvature=p.anode.curvature),
            ds(tags.ANODE),
        ),
        "c_anode": (c_plus, ds(tags.ANODE)),
        "len_anode": (ufl.as_ufl(1.0), ds(tags.ANODE)),
        "cation": (c_plus, dx),
        "anion": (anion_concentration(p.c, region), dx),
    }
    if p.counter is not None:
        raw["i_counter"] = (electrode_current(p.c, p.phi, p.counter, coef), ds(tags.COUNTER))
        raw["eta_counter"] = (
            overpotential(0.0, phi_ref, capillary=coef.capillary, curvature=p.counter.curvature),
            ds(tags.COUNTER),
        )
        raw["len_counter"] = (ufl.as_ufl(1.0), ds(tags.COUNTER))
    else:
        n = ufl.FacetNormal(p.mesh)
        j = current_density(p.c, p.phi, region)
        # current leaving the electrolyte through the reservoir boundary = −(into the cell)
        raw["i_counter"] = (ufl.inner(j, n), ds(tags.COUNTER))
    if columns:
        n_plus_y = ion_fluxes(p.c, p.phi, region)[0][1]
        for m in state.case.materials:
            if FLUX_SHARE_PREFIX + m.name in columns:
                raw[FLUX_SHARE_PREFIX + m.name] = (n_plus_y, dx(m.tag))
    names = list(raw)
    space = dolfinx.fem.functionspace(
        p.mesh, basix.ufl.real_element(p.mesh.basix_cell().name, (len(names),))
    )
    test = ufl.TestFunction(space)
    form = fem.form(
        sum(
            (integrand * test[k] * measure for k, (integrand, measure) in enumerate(raw.values())),
            start=ufl.Form([]),
        )
    )
    forms = state.cache["metric_forms"] = (names, form)
    return forms


def integrals(state: MeshState) -> dict[str, float]:
    """All metric integrals, summed over ranks (scaled units, collective)."""
    names, form = _forms(state)
    # every rank holds the real space's entries (owned or ghost): its own share of each
    total = np.zeros(len(names))
    dolfinx.fem.assemble_vector(total, form)
    state.mesh.comm.Allreduce(MPI.IN_PLACE, total, op=MPI.SUM)
    return dict(zip(names, total, strict=True))


def anion_inventory(state: MeshState) -> float:
    """∫ c dx of the mobile anions (scaled, collective)."""
    return integrals(state)["anion"]


def evaluate(
    state: MeshState, counters: RunCounters, currents: ElectrodeCurrents | None = None
) -> dict[str, float]:
    """Every state-dependent column of the current state (collective).

    The stepper adds ``time_s``, ``dt_s``, ``step``, ``newton_iterations``; the recorder adds
    ``wall_time_s``. ``currents``: :meth:`~MeshState.electrode_currents` of the state where
    the caller has them.
    """
    case = state.case
    s = case.scaling
    vals = integrals(state)
    width = case.width_um
    v_scaled = state.cell_voltage_scaled()
    xy = state.anode.xy
    if currents is not None:
        surface, i_nodes = currents["anode"]
    else:
        surface = state.surface_state(state.anode)
        i_nodes = state.plating_current_nodal(state.anode, v_scaled, surface)
    c_nodes = surface.c_cation
    mean_h = mean_height(xy, width)
    tip = int(np.argmax(xy[:, 1]))
    anode_current = vals["i_anode"] / width * s.current_A_per_m2
    # mean plating current per unit of actual surface (not of projected width)
    i_mean = anode_current / s.current_A_per_m2 * width / polyline_length(xy)
    c_scale = s.concentration_mol_per_m3
    out = {
        "cell_voltage_V": v_scaled * s.thermal_voltage_V,
        "anode_current_density_A_per_m2": anode_current,
        "anode_overpotential_V": vals["eta_anode"] / vals["len_anode"] * s.thermal_voltage_V,
        "c_anode_mean_mol_per_m3": vals["c_anode"] / vals["len_anode"] * c_scale,
        "cation_inventory_mol_per_m": vals["cation"] * c_scale * LENGTH_M**2,
        "anion_inventory_mol_per_m": vals["anion"] * c_scale * LENGTH_M**2,
        "counter_current_density_A_per_m2": vals["i_counter"] / width * s.current_A_per_m2,
        "anode_length_um": vals["len_anode"],
        "c_anode_min_mol_per_m3": float(c_nodes.min()) * c_scale,
        "i_anode_max_A_per_m2": float(i_nodes.max()) * s.current_A_per_m2,
        "i_anode_min_A_per_m2": float(i_nodes.min()) * s.current_A_per_m2,
        "li_plated_um": counters.li_plated_um,
        "tip_height_um": float(xy[:, 1].max()) - counters.initial_mean_height_um,
        "mean_height_um": mean_h - counters.initial_mean_height_um,
        "protrusion_height_um": float(xy[:, 1].max()) - mean_h,
        "roughness_rms_um": rms_height(xy, width, mean_h),
        "tip_current_ratio": float(i_nodes[tip] / i_mean) if abs(i_mean) > 0 else np.nan,
        "anode_current_cv": current_cv(xy, i_nodes),
        "anode_length_ratio": polyline_length(xy) / width,
        "min_element_quality": state.min_quality(),
        "remesh_count": counters.remesh_count,
        "remesh_inventory_correction": counters.inventory_correction,
        "salt_correction_cumulative_mol_per_m": counters.salt_correction_cumulative_mol_per_m,
        "loop_area_removed_um2": counters.loop_area_removed_um2,
        "pocket_area_um2": counters.pocket_area_um2,
        "pocket_salt_mol_per_m": counters.pocket_salt_mol_per_m,
        "filler_contacts": len(counters.filler_contact_log),
        "fillers_engulfed": sum("engulfed_time_s" in r for r in counters.filler_contact_log),
    }
    if "eta_counter" in vals:
        out["counter_overpotential_V"] = (
            vals["eta_counter"] / vals["len_counter"] * s.thermal_voltage_V
        )
    if state.counter is not None:
        out["counter_mean_height_um"] = mean_height(state.counter.xy, width)
    if case.electrode("anode").tracks_new_surface:
        out[NEW_SURFACE_COLUMN] = state.new_surface_fraction()
    shares = {k: v for k, v in vals.items() if k.startswith(FLUX_SHARE_PREFIX)}
    total = sum(shares.values())
    for k, v in shares.items():
        out[k] = v / total if total != 0 else np.nan
    return out
