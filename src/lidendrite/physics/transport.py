"""Nernst–Planck transport of Li⁺ and the mobile anion under electroneutrality (scaled units).

Unknowns: the mobile-anion concentration ``c`` (= the salt concentration of a binary salt) and the
electrolyte potential ``φ``. Electroneutrality gives the cation concentration ``c₊ = c + c_f``,
``c_f`` being a fixed (immobilised) anion concentration, zero for a binary salt.

Fluxes (scaled, :mod:`lidendrite.scaling`)::

    N₊ = −d₊ (∇c₊ + c₊ ∇φ),     N₋ = −d₋ (∇c − c ∇φ)

The two balance laws are written as an anion balance (with storage) and a charge balance (the
difference of the cation and anion balances, which has no storage term). On a moving mesh the
fluxes are taken relative to the mesh velocity ``w`` (ALE): ``N − c w``.

Coefficients (``d``, ``c_f``) may be numbers or UFL expressions: the solver passes cell-wise
(DG0) fields filled from the material tags, so one form serves any number of materials.
"""

from __future__ import annotations

from collections.abc import Sequence

import ufl

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
    d_anion: Expr,
    storage_term: Expr,
    mesh_velocity: Expr | None = None,
    mobile: bool = True,
) -> ufl.Form:
    """Weak anion balance ``∫ ∂c/∂t q − ∫ (N₋ − c w)·∇q = 0``; metal boundaries block anions.

    ``mobile=False`` is the single-ion conductor (t₊ = 1, a property of the material, not of a
    coefficient value): the anions do not move and ``c`` keeps its initial value.
    """
    if not mobile:
        return storage_term * q * ufl.dx
    flux = nernst_planck_flux(c, phi, d_anion, -1)
    if mesh_velocity is not None:
        flux = flux - c * mesh_velocity
    return storage_term * q * ufl.dx - ufl.inner(flux, ufl.grad(q)) * ufl.dx


def charge_balance(
    c: Expr,
    phi: Expr,
    r: ufl.Argument,
    *,
    d_cation: Expr,
    d_anion: Expr,
    c_fixed: Expr,
    electrode_terms: ufl.Form,
) -> ufl.Form:
    """Weak charge balance ``−∫ (N₊ − N₋)·∇r + Σ ∫_Γ i_p r ds = 0``.

    ``electrode_terms`` is a form ``Σ_Γ ∫ i_p r ds`` with ``i_p`` the scaled plating current density
    (Li⁺ leaving the electrolyte into the metal, positive when plating).
    """
    cation = nernst_planck_flux(c + c_fixed, phi, d_cation, +1)
    anion = nernst_planck_flux(c, phi, d_anion, -1)
    return -ufl.inner(cation - anion, ufl.grad(r)) * ufl.dx + electrode_terms


def current_density(
    c: Expr, phi: Expr, *, d_cation: Expr, d_anion: Expr, c_fixed: Expr
) -> ufl.core.expr.Expr:
    """Scaled ionic current density ``N₊ − N₋`` (multiply by the current scale for A/m²)."""
    cation = nernst_planck_flux(c + c_fixed, phi, d_cation, +1)
    anion = nernst_planck_flux(c, phi, d_anion, -1)
    return cation - anion
