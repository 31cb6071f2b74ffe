"""Manufactured solution of the coupled cell problem (c, φ, V) with P1 elements.

The residual is the one the simulator solves (:func:`lidendrite.physics.cell.cell_residual`:
anion and charge balances, Butler–Volmer at the plating and counter electrodes, the
galvanostatic constraint on the cell voltage V), for three electrolytes: an ideal binary salt,
fixed anions with a non-ideal partition (dilute Nernst–Planck), and a binary salt in the
concentrated-solution form with a thermodynamic factor. Smooth exact unknowns ``c_e`` (the salt
activity) and ``φ_e`` and a voltage ``V_e`` are chosen; the exact fluxes are written out here
from the textbook equations in the ion concentrations and the electrostatic potential
(Nernst–Planck) or in c and the Li-reference potential (Newman), not from the closures of
:mod:`lidendrite.physics.closures`; the volume sources, the boundary sources that make the
normal fluxes of the exact solution match the Butler–Volmer currents, and the applied current
are derived from them with UFL. The storage term is a backward-Euler step whose previous level
is the exact solution, so that ``c`` is fixed (not only up to a constant) and the exact solution
is steady.

Guards against: a sign or factor error in a flux, in the migration terms, in the Butler–Volmer
current or in its coupling to V, a wrong galvanostatic constraint, and a charge balance that is
not the difference of the ion balances. Each of these drops the L2 convergence rate of c or φ
below 2 or leaves V off by O(1).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from mpi4py import MPI

import basix.ufl
import numpy as np
import pytest
import ufl

from lidendrite.fem import PETSc, dolfinx
from lidendrite.geometry import tags
from lidendrite.physics.cell import Electrode, cell_residual
from lidendrite.physics.closures import RegionCoefficients, anion_concentration

_prefix = itertools.count()
QUADRATURE = {"quadrature_degree": 8}
WIDTH, THICKNESS = 1.0, 1.0
V_EXACT = -0.8  # scaled cell voltage


def exact_fields(x, mod):
    """Exact salt concentration and potential (scaled), for ``mod`` = ufl or numpy."""
    c = 1.0 + 0.3 * mod.sin(math.pi * x[0]) * mod.cos(1.3 * math.pi * x[1]) - 0.2 * x[1]
    phi = 0.4 * mod.cos(0.9 * math.pi * x[1]) + 0.25 * x[0] * x[1] - 0.3 * x[0] ** 2
    return c, phi


def _tagged_rectangle(comm: MPI.Comm, n: int):
    mesh = dolfinx.mesh.create_rectangle(
        comm,
        [np.array([0.0, 0.0]), np.array([WIDTH, THICKNESS])],
        [n, n],
        dolfinx.mesh.CellType.triangle,
        diagonal=dolfinx.mesh.DiagonalType.crossed,
    )
    fdim = mesh.topology.dim - 1
    sides = [
        (tags.ANODE, lambda x: np.isclose(x[1], 0.0)),
        (tags.COUNTER, lambda x: np.isclose(x[1], THICKNESS)),
        (tags.LEFT, lambda x: np.isclose(x[0], 0.0)),
        (tags.RIGHT, lambda x: np.isclose(x[0], WIDTH)),
    ]
    indices, values = [], []
    for tag, marker in sides:
        facets = dolfinx.mesh.locate_entities_boundary(mesh, fdim, marker)
        indices.append(facets)
        values.append(np.full_like(facets, tag))
    indices = np.concatenate(indices)
    order = np.argsort(indices)
    facet_tags = dolfinx.mesh.meshtags(
        mesh, fdim, indices[order], np.concatenate(values)[order].astype(np.int32)
    )
    return mesh, facet_tags


@dataclass(frozen=True)
class Params:
    """What :func:`cell_residual` reads of its coefficients, plus the test's own numbers."""

    region: RegionCoefficients
    exchange_current: float = 0.8
    alpha_anodic: float = 0.5
    alpha_cathodic: float = 0.5
    capillary: float = 0.0
    concentrated: tuple[float, float, float, float] | None = None
    """(σ̂, t₊, D̂, τ) of a concentrated-solution salt."""


def exact_fluxes(a, psi, params: Params):
    """Exact N₊, N₋ and the Butler–Volmer current of the exact state, from textbook forms."""
    reg = params.region

    def bv(c_ratio, eta):
        return params.exchange_current * (
            c_ratio * ufl.exp(-params.alpha_cathodic * eta) - ufl.exp(params.alpha_anodic * eta)
        )

    if params.concentrated is None:
        # dilute Nernst–Planck in c₊, c₋ and the electrostatic potential φ
        x, p = reg.c_fixed, reg.product
        c_minus = (ufl.sqrt(x * x + 4 * p * a * a) - x) / 2
        c_plus = c_minus + x
        phi = psi + ufl.ln(a / c_plus)
        n_plus = -reg.d_cation * (ufl.grad(c_plus) + c_plus * ufl.grad(phi))
        n_minus = -reg.d_anion * (ufl.grad(c_minus) - c_minus * ufl.grad(phi))
        c_ref = (math.sqrt(x * x + 4 * p) + x) / 2
        return n_plus, n_minus, lambda phi_s: bv(c_plus / c_ref, phi_s - phi - math.log(c_ref))
    # Newman: i = −σ∇Φ + 2τ(1 − t₊)σ ∇ln c, N₋ = −(1 − t₊) i − D∇c, c = a^{1/τ}, Φ = ψ + ln a
    sigma, t_plus, d_salt, tdf = params.concentrated
    c = a ** (1.0 / tdf)
    li_potential = psi + ufl.ln(a)
    i = -sigma * ufl.grad(li_potential) + 2 * tdf * (1 - t_plus) * sigma * ufl.grad(ufl.ln(c))
    n_minus = -(1 - t_plus) * i - d_salt * ufl.grad(c)
    return n_minus + i, n_minus, lambda phi_s: bv(c, phi_s - li_potential + ufl.ln(c))


def solve_manufactured(comm: MPI.Comm, n: int, params: Params) -> tuple[float, float, float]:
    """Solve on an n x n mesh; return the L2 errors of c and φ and the error of V."""
    mesh, facet_tags = _tagged_rectangle(comm, n)
    cell = mesh.basix_cell()
    p1 = basix.ufl.element("Lagrange", cell.name, 1)
    Vc = dolfinx.fem.functionspace(mesh, p1)
    Vp = dolfinx.fem.functionspace(mesh, p1)
    Rs = dolfinx.fem.functionspace(mesh, basix.ufl.real_element(cell.name, ()))
    c, phi, v = dolfinx.fem.Function(Vc), dolfinx.fem.Function(Vp), dolfinx.fem.Function(Rs)
    tests = (ufl.TestFunction(Vc), ufl.TestFunction(Vp), ufl.TestFunction(Rs))
    q, r, _ = tests

    x = ufl.SpatialCoordinate(mesh)
    n_out = ufl.FacetNormal(mesh)
    c_e, phi_e = exact_fields(x, ufl)
    ds = ufl.Measure("ds", domain=mesh, subdomain_data=facet_tags)
    dsq = ds(metadata=QUADRATURE)
    dxq = ufl.dx(domain=mesh, metadata=QUADRATURE)

    n_plus_e, n_minus_e, bv_exact = exact_fluxes(c_e, phi_e, params)
    j_e = n_plus_e - n_minus_e

    i_anode_e = bv_exact(V_EXACT)
    i_counter_e = bv_exact(0.0)

    # Applied current: the mean plating current of the exact solution over the anode.
    total = dolfinx.fem.assemble_scalar(dolfinx.fem.form(i_anode_e * dsq(tags.ANODE)))
    applied = comm.allreduce(total, op=MPI.SUM) / WIDTH
    control = dolfinx.fem.Constant(mesh, PETSc.ScalarType(applied))
    width_over_length = dolfinx.fem.Constant(mesh, PETSc.ScalarType(1.0))  # flat anode: W = |Γ|

    # Backward-Euler storage with the exact solution as the previous level, plus the source.
    dt = 1.0
    c_minus_e = anion_concentration(c_e, params.region)
    storage_term = (anion_concentration(c, params.region) - c_minus_e) / dt - ufl.div(n_minus_e)
    residual = cell_residual(
        c,
        phi,
        v,
        tests,
        params,
        ds=ds,
        storage_term=storage_term,
        anode=Electrode(tags.ANODE, v),
        counter=Electrode(tags.COUNTER, 0.0),
        galvanostatic=True,
        control=control,
        width_over_length=width_over_length,
    )
    # Boundary sources: the normal fluxes of the exact solution minus what Butler–Volmer gives.
    boundary = dsq(tags.ANODE) + dsq(tags.COUNTER) + dsq(tags.LEFT) + dsq(tags.RIGHT)
    residual[0] += ufl.inner(n_minus_e, n_out) * q * boundary
    residual[1] += (
        -ufl.div(j_e) * r * dxq
        + ufl.inner(j_e, n_out) * r * boundary
        - i_anode_e * r * dsq(tags.ANODE)
        - i_counter_e * r * dsq(tags.COUNTER)
    )

    # A rough initial guess: uniform salt, linear potential.
    c.x.array[:] = 1.0
    phi.interpolate(lambda xx: 0.4 - 0.8 * xx[1])
    v.x.array[:] = 0.0
    problem = dolfinx.fem.petsc.NonlinearProblem(
        residual,
        [c, phi, v],
        kind="mpi",
        petsc_options_prefix=f"test_mms_{next(_prefix)}_",
        petsc_options={
            "snes_type": "newtonls",
            "snes_linesearch_type": "bt",
            "snes_rtol": 1e-12,
            "snes_atol": 1e-12,
            "snes_max_it": 30,
            "ksp_type": "preonly",
            "pc_type": "lu",
            "pc_factor_mat_solver_type": "mumps",
        },
    )
    problem.solve()
    reason = problem.solver.getConvergedReason()
    assert reason > 0, f"Newton did not converge (reason {reason}) on the {n}x{n} mesh"

    def l2(expr) -> float:
        local = dolfinx.fem.assemble_scalar(dolfinx.fem.form(expr**2 * dxq))
        return math.sqrt(comm.allreduce(local, op=MPI.SUM))

    v_local = v.x.array[0] if v.x.array.size else -np.inf
    v_h = comm.allreduce(v_local, op=MPI.MAX)
    return l2(c - c_e), l2(phi - phi_e), abs(v_h - V_EXACT)


CASES = {
    "binary-salt": Params(RegionCoefficients(d_cation=1.0, d_anion=0.45)),
    "fixed-anions-partition-asymmetric-bv": Params(
        RegionCoefficients(d_cation=1.0, d_anion=0.45, c_fixed=0.6, product=1.3),
        alpha_anodic=0.3,
        alpha_cathodic=0.7,
    ),
    "concentrated-solution": Params(
        RegionCoefficients(
            d_cation=0.0,
            d_anion=0.0,
            inv_tdf=1.0 / 1.6,
            sigma=1.7,
            t_plus=0.35,
            g_salt=0.6 / (2 * 1.6),
        ),
        concentrated=(1.7, 0.35, 0.6, 1.6),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_mms_convergence(comm, name):
    params = CASES[name]
    sizes = [8, 16, 32]
    errors = np.array([solve_manufactured(comm, n, params) for n in sizes])
    rates = np.log2(errors[:-1] / errors[1:])
    print(f"\nL2 errors (c, phi, V):\n{errors}\nrates:\n{rates}")
    assert np.all(rates[:, 0] >= 1.9), f"c: L2 rates {rates[:, 0]}"
    assert np.all(rates[:, 1] >= 1.9), f"phi: L2 rates {rates[:, 1]}"
    # V is recovered to the discretisation error: as small as the field errors, and converging.
    assert errors[-1, 2] <= max(errors[-1, 0], errors[-1, 1])
    assert np.all(rates[:, 2] >= 1.9), f"V: rates {rates[:, 2]}"
