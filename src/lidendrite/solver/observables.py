"""Scalar outputs of the cell model: currents, overpotentials, inventories (collective).

Forms are compiled once per mesh; evaluating them after each step is cheap. Values returned
are SI quantities named with their units.
"""

from __future__ import annotations

from mpi4py import MPI

import numpy as np
import ufl

from lidendrite.fem import dolfinx
from lidendrite.geometry import tags
from lidendrite.physics.cell import electrode_current
from lidendrite.physics.kinetics import overpotential
from lidendrite.physics.transport import current_density, nernst_planck_flux
from lidendrite.scaling import LENGTH_M, Scaling
from lidendrite.solver.problem import CellProblem


class Observables:
    """Compiled functionals of a :class:`CellProblem`."""

    def __init__(self, problem: CellProblem, scaling: Scaling):
        self.problem = problem
        self.scaling = scaling
        p = problem
        ds, dx = p.ds, ufl.dx(domain=p.mesh)
        cf = p.params.c_fixed
        forms = {
            "i_anode": electrode_current(p.c, p.phi, p.anode, p.params) * ds(tags.ANODE),
            "eta_anode": overpotential(
                p.v, p.phi, capillary=p.params.capillary, curvature=p.anode.curvature
            )
            * ds(tags.ANODE),
            "c_anode": (p.c + cf) * ds(tags.ANODE),
            "len_anode": 1.0 * ds(tags.ANODE),
            "cation": (p.c + cf) * dx,
            "anion": p.c * dx,
        }
        if p.counter is not None:
            forms["i_counter"] = electrode_current(p.c, p.phi, p.counter, p.params) * ds(
                tags.COUNTER
            )
            forms["eta_counter"] = overpotential(
                0.0, p.phi, capillary=p.params.capillary, curvature=p.counter.curvature
            ) * ds(tags.COUNTER)
            forms["len_counter"] = 1.0 * ds(tags.COUNTER)
        else:
            n = ufl.FacetNormal(p.mesh)
            j = current_density(
                p.c, p.phi, d_cation=p.params.d_cation, d_anion=p.params.d_anion, c_fixed=cf
            )
            # current leaving the electrolyte through the reservoir boundary = −(into the cell)
            forms["i_counter"] = ufl.inner(j, n) * ds(tags.COUNTER)
        self._forms = {k: dolfinx.fem.form(v) for k, v in forms.items()}
        self._vector_forms = None

    def integrals(self) -> dict[str, float]:
        """All compiled integrals, summed over ranks (scaled units)."""
        total = np.array([dolfinx.fem.assemble_scalar(f) for f in self._forms.values()])
        self.problem.mesh.comm.Allreduce(MPI.IN_PLACE, total, op=MPI.SUM)
        return dict(zip(self._forms, total, strict=True))

    def evaluate(self) -> dict[str, float]:
        """SI metrics of the current state."""
        s = self.scaling
        p = self.problem
        vals = self.integrals()
        width = p.width_um
        out = {
            "cell_voltage_V": float(p.v.x.array[0]) * s.thermal_voltage_V
            if p.v.x.array.size
            else np.nan,
            "current_density_A_per_m2": vals["i_anode"] / width * s.current_A_per_m2,
            "anode_overpotential_V": vals["eta_anode"] / vals["len_anode"] * s.thermal_voltage_V,
            "c_anode_mean_mol_per_m3": vals["c_anode"]
            / vals["len_anode"]
            * s.concentration_mol_per_m3,
            "cation_inventory_mol_per_m": vals["cation"] * s.concentration_mol_per_m3 * LENGTH_M**2,
            "anion_inventory_mol_per_m": vals["anion"] * s.concentration_mol_per_m3 * LENGTH_M**2,
            "counter_current_density_A_per_m2": vals["i_counter"] / width * s.current_A_per_m2,
            "anode_length_um": vals["len_anode"],
        }
        if "eta_counter" in vals:
            out["counter_overpotential_V"] = (
                vals["eta_counter"] / vals["len_counter"] * s.thermal_voltage_V
            )
        # the scalar V lives on one rank in parallel: share it
        comm = p.mesh.comm
        v_local = p.v.x.array[0] if p.v.x.array.size else -np.inf
        out["cell_voltage_V"] = comm.allreduce(v_local, op=MPI.MAX) * s.thermal_voltage_V
        return out

    def vector_fields(self) -> tuple[np.ndarray, np.ndarray]:
        """Li⁺ flux (mol/m²/s) and ionic current density (A/m²) as P1 vector dof arrays.

        Lumped L2 projection of the cell-wise gradients onto the vertices:
        ``f_i = ∫ N φ_i dx / ∫ φ_i dx`` (collective; ghost entries updated).
        """
        p = self.problem
        prm = p.params
        if self._vector_forms is None:
            q = ufl.TestFunction(p.W)
            one = ufl.as_vector([1.0] * p.mesh.geometry.dim)
            n_plus = nernst_planck_flux(p.c + prm.c_fixed, p.phi, prm.d_cation, 1)
            j = current_density(
                p.c, p.phi, d_cation=prm.d_cation, d_anion=prm.d_anion, c_fixed=prm.c_fixed
            )
            self._vector_forms = [
                dolfinx.fem.form(ufl.inner(v, q) * ufl.dx) for v in (n_plus, j, one)
            ]
        out = []
        for form in self._vector_forms:
            b = dolfinx.fem.assemble_vector(form)
            b.scatter_reverse(dolfinx.la.InsertMode.add)
            b.scatter_forward()
            out.append(b.array.copy())
        flux, current, mass = out
        s = self.scaling
        return flux / mass * s.flux_mol_per_m2_s, current / mass * s.current_A_per_m2
