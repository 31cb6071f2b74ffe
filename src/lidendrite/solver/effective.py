"""Effective conductivity and Li⁺ transference number of a composite cell (steady, linear).

Two small-signal solves on the meshed cell (P1, DOLFINx): ∇·(σ∇φ) = 0 with σ per region (a DG0
field from the cell tags), blocking fillers as holes, insulating side walls and filler
boundaries, φ = ±ΔV/2 on the anode and counter electrode. The current follows from the energy
identity ``I ΔV = ∫ σ |∇φ|² dA`` (the Galerkin reaction current, which converges faster than a
boundary flux), and ``σ_eff = I H / (W ΔV)`` with W the electrode width and H the mean
electrode distance. The second solve takes σ₊ = t₊σ of every region (the steady state with the
anions at rest: only Li⁺ carries the current), so ``t₊,eff = σ₊,eff / σ_eff``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import basix.ufl
import numpy as np
import ufl

from lidendrite import fem
from lidendrite.errors import GeometryError
from lidendrite.fem import dolfinx, remove_options
from lidendrite.geometry import tags
from lidendrite.geometry.tags import TagRegistry
from lidendrite.regions import regions

if TYPE_CHECKING:
    from lidendrite.config import Config
    from lidendrite.geometry.cell import CellMesh

__all__ = ["effective_conductivity", "effective_properties"]

_prefix = itertools.count()


def _integral(mesh: dolfinx.mesh.Mesh, form: Any) -> float:
    value = dolfinx.fem.assemble_scalar(fem.form(form))
    return float(mesh.comm.allreduce(value))


def electrode_geometry(cell: CellMesh) -> tuple[float, float]:
    """Width W (projected length of the anode) and mean distance H between the electrodes (µm)."""
    mesh = cell.mesh
    ds = ufl.Measure("ds", domain=mesh, subdomain_data=cell.facet_tags)
    n = ufl.FacetNormal(mesh)
    y = ufl.SpatialCoordinate(mesh)[1]
    out = []
    for tag in (tags.ANODE, tags.COUNTER):
        w = _integral(mesh, abs(n[1]) * ds(tag))
        out.append((w, _integral(mesh, y * abs(n[1]) * ds(tag)) / w if w > 0 else 0.0))
    (w_a, y_a), (w_c, y_c) = out
    if w_a <= 0.0 or w_c <= 0.0:
        raise GeometryError("the mesh has no anode or no counter-electrode facets")
    return w_a, y_c - y_a


def effective_conductivity(
    cell: CellMesh, sigma_by_tag: Mapping[int, float], delta_v: float = 1.0
) -> dict[str, float]:
    """σ_eff of the cell for conductivities per cell tag (collective).

    Args:
        cell: The meshed cell (cell tags name the regions; blocking fillers are holes).
        sigma_by_tag: Conductivity of each cell tag (any unit; σ_eff comes in the same unit).
        delta_v: Applied potential difference (the problem is linear; it only scales φ).

    Returns:
        ``sigma_eff``, the current per unit depth and unit σ ``current`` (σ-unit × V),
        ``width_um``, ``height_um`` and the number of ``cells``.
    """
    mesh, cell_tags = cell.mesh, cell.cell_tags
    present = set(np.concatenate(mesh.comm.allgather(np.unique(cell_tags.values))).tolist())
    missing = present - set(sigma_by_tag)
    if missing:
        raise GeometryError(f"mesh cell tags {sorted(missing)} have no conductivity")
    scale = max(float(sigma_by_tag[t]) for t in present)
    dg0 = dolfinx.fem.functionspace(mesh, basix.ufl.element("DG", mesh.basix_cell().name, 0))
    k = dolfinx.fem.Function(dg0)
    k.x.array[:] = np.nan
    for tag in present:
        k.x.array[dg0.dofmap.list[cell_tags.find(tag)].ravel()] = sigma_by_tag[tag] / scale
    k.x.scatter_forward()
    local_cells = mesh.topology.index_map(mesh.topology.dim).size_local
    if np.isnan(k.x.array[:local_cells]).any():
        raise GeometryError("some mesh cells carry no cell tag")
    V = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    a = k * ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx
    L = dolfinx.fem.Constant(mesh, 0.0) * v * ufl.dx
    fdim = mesh.topology.dim - 1
    bcs = []
    for tag, value in ((tags.ANODE, 0.5 * delta_v), (tags.COUNTER, -0.5 * delta_v)):
        dofs = dolfinx.fem.locate_dofs_topological(V, fdim, cell.facet_tags.find(tag))
        bcs.append(dolfinx.fem.dirichletbc(dolfinx.default_scalar_type(value), dofs, V))
    phi = dolfinx.fem.Function(V)
    problem = dolfinx.fem.petsc.LinearProblem(
        fem.form(a),  # compiled into lidendrite's JIT cache shards
        fem.form(L),
        bcs=bcs,
        u=phi,
        petsc_options={
            "ksp_type": "preonly",
            "pc_type": "lu",
            "pc_factor_mat_solver_type": "mumps",
        },
        petsc_options_prefix=(prefix := f"lidendrite_effective_{next(_prefix)}_"),
        jit_options=fem.JIT_OPTIONS,
    )
    try:
        problem.solve()
    finally:
        remove_options(prefix)  # the solve is done: leave nothing in PETSc's global table
    energy = _integral(mesh, k * ufl.inner(ufl.grad(phi), ufl.grad(phi)) * ufl.dx)
    width, height = electrode_geometry(cell)
    current = energy * scale / delta_v
    return {
        "sigma_eff": current * height / (width * delta_v),
        "current": current,
        "width_um": width,
        "height_um": height,
        "cells": float(mesh.topology.index_map(mesh.topology.dim).size_global),
    }


def effective_properties(comm: Any, cfg: Config, cell: CellMesh | None = None) -> dict[str, Any]:
    """σ_eff and t₊,eff of the cell of a configuration (collective); a JSON-able mapping.

    Args:
        comm: Communicator of the mesh.
        cfg: The configuration (cell, fillers, materials, temperature).
        cell: An already meshed cell of ``cfg`` (default: mesh it).
    """
    from lidendrite.geometry.cell import cell_from_config

    start = time.perf_counter()
    if cell is None:
        cell = cell_from_config(comm, cfg)
    registry = TagRegistry.for_materials(cfg.materials)
    regs = regions(cfg)
    conducting = {n: r for n, r in regs.items() if not r.blocking}
    sigma = {registry.material_tag(n): r.conductivity_S_per_m for n, r in conducting.items()}
    sigma_plus = {
        registry.material_tag(n): r.cation_conductivity_S_per_m for n, r in conducting.items()
    }
    total = effective_conductivity(cell, sigma)
    cation = effective_conductivity(cell, sigma_plus)
    matrix = regs["electrolyte"]
    mesh = cell.mesh
    dx = ufl.Measure("dx", domain=mesh, subdomain_data=cell.cell_tags)
    areas = {n: _integral(mesh, 1.0 * dx(registry.material_tag(n))) for n in conducting}
    cell_area = total["width_um"] * total["height_um"]
    return {
        "effective_conductivity_S_per_m": total["sigma_eff"],
        "effective_cation_conductivity_S_per_m": cation["sigma_eff"],
        "effective_transference_number": cation["sigma_eff"] / total["sigma_eff"],
        "relative_conductivity": total["sigma_eff"] / matrix.conductivity_S_per_m,
        "matrix_conductivity_S_per_m": matrix.conductivity_S_per_m,
        "matrix_transference_number": matrix.transference_number,
        "temperature_K": cfg.operation.temperature_K,
        "width_um": total["width_um"],
        "height_um": total["height_um"],
        "area_fractions": {n: a / cell_area for n, a in areas.items()},
        "blocking_area_fraction": 1.0 - sum(areas.values()) / cell_area,
        "mesh_cells": int(total["cells"]),
        "elapsed_s": time.perf_counter() - start,
    }
