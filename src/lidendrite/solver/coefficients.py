"""Coefficients as fields: per-material (cell) and per-electrode (surface) data on one mesh.

The per-region closure data (D₊, D₋, fixed anions, partition, thermodynamic factor, the
concentrated-solution properties) are numbers where every material agrees and DG0 functions
filled cell by cell from the material of each cell tag where they differ; the exchange current
density is a P1 function set on the nodes of each electrode facet tag, and so is the interphase
film resistance when there is a film; they carry the surface pattern (``kinetics.patterns``),
evaluated at the material coordinate ``material_x`` (the initial x of a surface point, which
moves with the nodes). Both are read from the :class:`~lidendrite.case.Case` through its tag
registry, so a new material or a surface pattern changes the data, never the forms. Values
are scaled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import basix.ufl
import numpy as np

from lidendrite.case import CLOSURE_FIELDS
from lidendrite.errors import GeometryError
from lidendrite.fem import dolfinx
from lidendrite.physics.closures import RegionCoefficients

if TYPE_CHECKING:
    from lidendrite.case import Case


@dataclass
class CoefficientFields:
    """The coefficient fields of one mesh."""

    region: RegionCoefficients
    """Per-region closure data: numbers where every conducting material agrees, else DG0."""
    nodal_region: RegionCoefficients
    """The same as numbers or P1 functions (a node takes the value of one adjacent cell, an
    electrode node that of a cell on the electrode): the NumPy closures at the nodes."""
    exchange_current: dolfinx.fem.Function
    """P1; meaningful on the electrode nodes."""
    film_resistance: dolfinx.fem.Function | None
    """P1 interphase film resistance on the electrode nodes (its pattern as for i₀), or
    ``None`` without a film (plain Butler–Volmer)."""
    material_x: dolfinx.fem.Function
    """P1 material coordinate (µm): the x that a surface point had on the initial surface;
    meaningful on the anode nodes, where it sets the pattern of i₀ (it moves with the nodes)."""
    alpha_anodic: float
    alpha_cathodic: float
    capillary: float
    front_speed: float

    def nodal_closure(self, nodes: np.ndarray | None = None) -> RegionCoefficients:
        """The nodal closure data as numbers or arrays over ``nodes`` (all local nodes)."""
        values = {}
        for name in CLOSURE_FIELDS:
            v = getattr(self.nodal_region, name)
            if isinstance(v, dolfinx.fem.Function):
                v = v.x.array if nodes is None else v.x.array[nodes]
            values[name] = v
        return RegionCoefficients(**values)


def _region_fields(
    mesh: dolfinx.mesh.Mesh,
    cell_tags: dolfinx.mesh.MeshTags,
    facet_tags: dolfinx.mesh.MeshTags,
    case: Case,
) -> tuple[RegionCoefficients, RegionCoefficients]:
    """DG0 (and P1 nodal) closure fields, or numbers for the data all materials share."""
    materials = case.conducting_materials
    by_tag = {m.tag: m for m in materials}
    present = set(np.unique(cell_tags.values).tolist())
    unknown = present - {m.tag for m in case.materials}
    if unknown:
        raise GeometryError(
            f"mesh cell tags {sorted(unknown)} name no material "
            f"(known: {case.registry.to_dict()['materials']})"
        )
    cell = mesh.basix_cell()
    dg0 = dolfinx.fem.functionspace(mesh, basix.ufl.element("DG", cell.name, 0))
    p1 = dolfinx.fem.functionspace(mesh, basix.ufl.element("Lagrange", cell.name, 1))
    tdim = mesh.topology.dim
    mesh.topology.create_connectivity(tdim - 1, tdim)
    f2c = mesh.topology.connectivity(tdim - 1, tdim)
    electrode_cells = np.unique(
        np.concatenate(
            [
                f2c.array[f2c.offsets[f] : f2c.offsets[f + 1]]
                for e in case.electrodes
                for f in facet_tags.find(e.tag)
            ]
            or [np.zeros(0, dtype=np.int32)]
        )
    )
    cell_values, nodal_values = {}, {}
    for name in CLOSURE_FIELDS:
        values = {getattr(m, name) for m in materials}
        if len(values) == 1:
            cell_values[name] = nodal_values[name] = float(values.pop())
            continue
        f = dolfinx.fem.Function(dg0, name=name)
        g = dolfinx.fem.Function(p1, name=f"nodal_{name}")
        f.x.array[:] = getattr(case.matrix, name)  # untagged cells: the matrix electrolyte
        for tag, material in by_tag.items():
            f.x.array[dg0.dofmap.list[cell_tags.find(tag)].ravel()] = getattr(material, name)
        f.x.scatter_forward()
        dofs = p1.dofmap.list
        cells_order = np.concatenate(
            [np.setdiff1d(np.arange(len(dofs)), electrode_cells), electrode_cells]
        )
        # a node takes one adjacent cell's value; electrode cells are written last
        g.x.array[dofs[cells_order].ravel()] = np.repeat(
            f.x.array[dg0.dofmap.list[cells_order].ravel()], dofs.shape[1]
        )
        g.x.scatter_forward()
        cell_values[name], nodal_values[name] = f, g
    return RegionCoefficients(**cell_values), RegionCoefficients(**nodal_values)


def build_coefficients(
    mesh: dolfinx.mesh.Mesh,
    cell_tags: dolfinx.mesh.MeshTags,
    facet_tags: dolfinx.mesh.MeshTags,
    case: Case,
) -> CoefficientFields:
    """Fill the coefficient fields of ``mesh`` from its tags and the Case (collective-free)."""
    cell = mesh.basix_cell()
    p1 = dolfinx.fem.functionspace(mesh, basix.ufl.element("Lagrange", cell.name, 1))
    fn = dolfinx.fem.Function
    region, nodal = _region_fields(mesh, cell_tags, facet_tags, case)
    i0 = fn(p1, name="exchange_current")
    i0.x.array[:] = case.electrode("anode").exchange_current
    fdim = mesh.topology.dim - 1
    material_x = fn(p1, name="material_x")
    material_x.x.array[:] = p1.tabulate_dof_coordinates()[:, 0]
    film = fn(p1, name="film_resistance") if case.filmed else None
    for electrode in case.electrodes:
        dofs = dolfinx.fem.locate_dofs_topological(p1, fdim, facet_tags.find(electrode.tag))
        i0.x.array[dofs] = electrode.exchange_current_at(material_x.x.array[dofs])
        if film is not None:
            film.x.array[dofs] = electrode.film_resistance_at(material_x.x.array[dofs])
    for f in (i0, material_x, film):
        if f is not None:
            f.x.scatter_forward()
    prm = case.params
    return CoefficientFields(
        region=region,
        nodal_region=nodal,
        exchange_current=i0,
        film_resistance=film,
        material_x=material_x,
        alpha_anodic=prm.alpha_anodic,
        alpha_cathodic=prm.alpha_cathodic,
        capillary=prm.capillary,
        front_speed=prm.front_speed,
    )
