"""Coefficients as fields: per-material (cell) and per-electrode (surface) data on one mesh.

Transport coefficients (D₊, D₋, fixed-anion concentration) are DG0 functions filled cell by cell
from the material of each cell tag; electrode data (exchange current density, the fixed-anion
concentration seen by Butler–Volmer) are P1 functions set on the nodes of each electrode facet
tag; the exchange current carries the surface pattern (``kinetics.patterns``), evaluated at the
material coordinate ``material_x`` (the initial x of a surface point, which moves with the
nodes). Both are read from the :class:`~lidendrite.case.Case` through its tag registry, so a new
material or a surface pattern changes the data, never the forms. Values are scaled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import basix.ufl
import numpy as np

from lidendrite.errors import GeometryError
from lidendrite.fem import dolfinx

if TYPE_CHECKING:
    from lidendrite.case import Case


@dataclass
class CoefficientFields:
    """The coefficient fields of one mesh; attribute names match :class:`CellParameters`."""

    d_cation: dolfinx.fem.Function
    d_anion: dolfinx.fem.Function
    c_fixed: dolfinx.fem.Function
    exchange_current: dolfinx.fem.Function
    """P1; meaningful on the electrode nodes."""
    material_x: dolfinx.fem.Function
    """P1 material coordinate (µm): the x that a surface point had on the initial surface;
    meaningful on the anode nodes, where it sets the pattern of i₀ (it moves with the nodes)."""
    surface_c_fixed: dolfinx.fem.Function
    """P1 fixed-anion concentration seen by Butler–Volmer; meaningful on the electrode nodes."""
    alpha_anodic: float
    alpha_cathodic: float
    capillary: float
    front_speed: float


def build_coefficients(
    mesh: dolfinx.mesh.Mesh,
    cell_tags: dolfinx.mesh.MeshTags,
    facet_tags: dolfinx.mesh.MeshTags,
    case: Case,
) -> CoefficientFields:
    """Fill the coefficient fields of ``mesh`` from its tags and the Case (collective-free)."""
    cell = mesh.basix_cell()
    dg0 = dolfinx.fem.functionspace(mesh, basix.ufl.element("DG", cell.name, 0))
    p1 = dolfinx.fem.functionspace(mesh, basix.ufl.element("Lagrange", cell.name, 1))
    fn = dolfinx.fem.Function
    fields = {
        "d_cation": fn(dg0, name="d_cation"),
        "d_anion": fn(dg0, name="d_anion"),
        "c_fixed": fn(dg0, name="c_fixed"),
    }
    by_tag = {m.tag: m for m in case.materials}
    unknown = set(np.unique(cell_tags.values).tolist()) - set(by_tag)
    if unknown:
        raise GeometryError(
            f"mesh cell tags {sorted(unknown)} name no material "
            f"(known: {case.registry.to_dict()['materials']})"
        )
    for name, f in fields.items():  # untagged cells belong to the matrix electrolyte
        f.x.array[:] = getattr(case.matrix, name)
    for tag, material in by_tag.items():
        dofs = dg0.dofmap.list[cell_tags.find(tag)].ravel()
        for name, f in fields.items():
            f.x.array[dofs] = getattr(material, name)
    i0 = fn(p1, name="exchange_current")
    surface_cf = fn(p1, name="surface_c_fixed")
    matrix = case.matrix
    i0.x.array[:] = case.electrode("anode").exchange_current
    surface_cf.x.array[:] = matrix.c_fixed
    fdim = mesh.topology.dim - 1
    material_x = fn(p1, name="material_x")
    material_x.x.array[:] = p1.tabulate_dof_coordinates()[:, 0]
    for electrode in case.electrodes:
        dofs = dolfinx.fem.locate_dofs_topological(p1, fdim, facet_tags.find(electrode.tag))
        i0.x.array[dofs] = electrode.exchange_current_at(material_x.x.array[dofs])
    for f in (*fields.values(), i0, surface_cf, material_x):
        f.x.scatter_forward()
    prm = case.params
    return CoefficientFields(
        **fields,
        exchange_current=i0,
        material_x=material_x,
        surface_c_fixed=surface_cf,
        alpha_anodic=prm.alpha_anodic,
        alpha_cathodic=prm.alpha_cathodic,
        capillary=prm.capillary,
        front_speed=prm.front_speed,
    )
