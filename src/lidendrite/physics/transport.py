"""Transport of Li⁺ and the mobile anion under electroneutrality (scaled units).

Unknowns: the salt activity ``c`` and the potential ``φ`` of
:mod:`~lidendrite.physics.closures` (in an ideal binary electrolyte, the salt concentration and
the electrostatic potential), continuous across regions; the closures give each region's ion
concentrations and fluxes. In an ideal binary dilute electrolyte (scaled,
:mod:`lidendrite.scaling`)::

    N₊ = −d₊ (∇c + c ∇φ),     N₋ = −d₋ (∇c − c ∇φ)

The two balance laws are written as an anion balance (with storage) and a charge balance (the
difference of the cation and anion balances, which has no storage term). On a moving mesh the
fluxes are taken relative to the mesh velocity ``w`` (ALE): ``N − c w``.

Coefficients may be numbers or UFL expressions: the solver passes cell-wise (DG0) fields filled
from the material tags where materials differ, so one form serves any number of materials.
"""

from __future__ import annotations

from collections.abc import Sequence

import ufl

from lidendrite.physics.closures import RegionCoefficients, anion_concentration, ion_fluxes

#: A UFL expression or a number (coefficients may be either).
Expr = ufl.core.expr.Expr | float


def nernst_planck_flux(c: Expr, phi: Expr, d: Expr, z: int) -> ufl.core.expr.Expr:
    """Scaled Nernst–Planck flux ``−d (∇c + z c ∇φ)`` of a species of charge number ``z``."""
    return -d * (ufl.grad(c) + z * c * ufl.grad(phi))


def storage(
    c: ufl.core.expr.Expr,
    history: Sequence[tuple[float, ufl.core.expr.Expr]],
    a0: float,
    dt: ufl.core.expr.Expr,
) -> ufl.core.expr.Expr:
    """BDF storage term ``(a₀ c + Σ aₖ c̃ₖ) / Δt``.

    ``history`` holds the coefficients and the earlier levels, each already pulled back onto the
    current mesh (on a moving mesh ``c̃ₖ = cₖ det(I − ∇uₖ)``, ``uₖ`` the mesh displacement since
    that level), so that ``∫ c̃ₖ v dx`` on the current mesh equals ``∫ cₖ v dx`` on the old one and
    the scheme conserves mass exactly.
    """
    acc = a0 * c
    for coeff, c_old in history:
        acc = acc + coeff * c_old
    return acc / dt


def anion_balance(
    c: Expr,
    phi: Expr,
    q: ufl.Argument,
    *,
    region: RegionCoefficients,
    storage_term: Expr,
    mesh_velocity: Expr | None = None,
    mobile: bool = True,
) -> ufl.Form:
    """Weak anion balance ``∫ ∂c₋/∂t q − ∫ (N₋ − c₋ w)·∇q = 0``; metal boundaries block anions.

    ``c`` and ``phi`` are the continuous unknowns of :mod:`~lidendrite.physics.closures` (the
    salt concentration and the potential in an ideal binary electrolyte). ``mobile=False`` is
    the single-ion conductor (t₊ = 1 everywhere, a property of the materials, not of a
    coefficient value): the anions do not move and ``c`` keeps its initial value.
    """
    if not mobile:
        return storage_term * q * ufl.dx
    _, flux = ion_fluxes(c, phi, region)
    if mesh_velocity is not None:
        flux = flux - anion_concentration(c, region) * mesh_velocity
    return storage_term * q * ufl.dx - ufl.inner(flux, ufl.grad(q)) * ufl.dx


def charge_balance(
    c: Expr,
    phi: Expr,
    r: ufl.Argument,
    *,
    region: RegionCoefficients,
    electrode_terms: ufl.Form,
) -> ufl.Form:
    """Weak charge balance ``−∫ (N₊ − N₋)·∇r + Σ ∫_Γ i_p r ds = 0``.

    ``electrode_terms`` is a form ``Σ_Γ ∫ i_p r ds`` with ``i_p`` the scaled plating current density
    (Li⁺ leaving the electrolyte into the metal, positive when plating).
    """
    return -ufl.inner(current_density(c, phi, region), ufl.grad(r)) * ufl.dx + electrode_terms


def current_density(c: Expr, phi: Expr, region: RegionCoefficients) -> ufl.core.expr.Expr:
    """Scaled ionic current density ``N₊ − N₋`` (multiply by the current scale for A/m²)."""
    cation, anion = ion_fluxes(c, phi, region)
    return cation - anion
