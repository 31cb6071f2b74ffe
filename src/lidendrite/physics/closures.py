"""Per-region closures: ion concentrations and fluxes from unknowns continuous across regions.

**Unknowns.** Where regions of different fixed-anion concentration ``X`` (or salt partition) meet,
the ion concentrations and the electrostatic potential jump (Donnan); the electrochemical
potentials ``μ̃₊`` and ``μ̃₋`` do not. The solver therefore uses (scaled, see
:mod:`lidendrite.scaling`)

- ``a`` — the salt activity, ``w = (μ̃₊ + μ̃₋)/RT = 2 ln a`` (+ const): the salt concentration
  of the matrix electrolyte that would be in equilibrium with the local state;
- ``ψ = Φ − ln a`` with ``Φ = μ̃₊/F`` (in thermal voltages): the potential a Li reference
  electrode reads, less the salt term,

both continuous. In an ideal binary region (``X = 0``, ideal partition, thermodynamic factor 1)
``a = c`` and ``ψ = φ``: the unknowns are the salt concentration and the electrostatic potential,
and every formula below reduces to the dilute Nernst–Planck equations term by term.

**Concentrations.** ``c₊ c₋ = P a^{2/τ}`` (``P = K c₊,m c₋,m``: partition times the matrix
product, τ the thermodynamic factor) and ``c₊ − c₋ = X`` give
``c₋ = 2 P a^{2/τ} / (X + √(X² + 4 P a^{2/τ}))`` (no cancellation), ``c₊ = c₋ + X``.

**Fluxes.** With Onsager coefficients ``L₊₊, L₋₋, L₊₋`` and driving forces ``∇Φ = ∇ψ + ∇a/a``,
``∇(μ̃₋/RT) = ∇a/a − ∇ψ``::

    N₊ = −A₊ ∇ψ − B₊ ∇a,   N₋ = A₋ ∇ψ − B₋ ∇a,
    A± = L±± − L₊₋,        B± = (L±± + L₊₋)/a.

Dilute Nernst–Planck: ``L₊₊ = d₊c₊``, ``L₋₋ = d₋c₋``, ``L₊₋ = 0``. A binary salt in the
concentrated-solution form (Newman; σ̂, t₊, salt diffusivity D̂, τ given): ``L₊₊ − L₊₋ = t₊σ̂``,
``L₋₋ − L₊₋ = (1 − t₊)σ̂``, ``L₊₋ = gc − t₊(1 − t₊)σ̂`` with ``g = D̂/(2τ)``, so that the current
at uniform composition is ``−σ̂∇Φ`` with the share t₊ carried by Li⁺, and the salt flux at zero
current is ``−D̂∇c``.

A coefficient is a number when it is the same in every region (the Case decides), else a
cell-wise field; numbers let the common single-electrolyte case keep the plain forms. The
functions work on UFL expressions and on NumPy arrays (the front motion evaluates
Butler–Volmer at the surface nodes with the same closures).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import ufl

#: A coefficient: a number, a UFL expression/field or a NumPy array.
Coef = float | ufl.core.expr.Expr | np.ndarray


def _is(value: Coef, number: float) -> bool:
    return isinstance(value, float | int) and float(value) == number


def _sqrt(x: Coef) -> Coef:
    return ufl.sqrt(x) if isinstance(x, ufl.core.expr.Expr) else np.sqrt(x)


def _ln(x: Coef) -> Coef:
    return ufl.ln(x) if isinstance(x, ufl.core.expr.Expr) else np.log(x)


@dataclass(frozen=True)
class RegionCoefficients:
    """Scaled per-region data: each entry a number (uniform) or a field (cell-wise)."""

    d_cation: Coef
    """Dilute Li⁺ diffusivity D₊/D_ref (0 in a concentrated-solution region)."""
    d_anion: Coef
    """Dilute anion diffusivity D₋/D_ref."""
    c_fixed: Coef = 0.0
    """Immobilised anions X/c₀."""
    product: Coef = 1.0
    """P = c₊c₋/c₀² at a = 1 (partition × matrix product)."""
    inv_tdf: Coef = 1.0
    """1/τ, the inverse thermodynamic factor."""
    sigma: Coef = 0.0
    """Concentrated-solution conductivity σ̂ = σRT/(F² D_ref c₀) (0: dilute region)."""
    t_plus: Coef = 0.0
    """Concentrated-solution transference number."""
    g_salt: Coef = 0.0
    """Concentrated-solution D̂/(2τ)."""

    @property
    def ideal_binary(self) -> bool:
        """Every region is an ideal binary salt: a = c₊ = c₋ (the plain dilute forms)."""
        return _is(self.c_fixed, 0.0) and _is(self.product, 1.0) and _is(self.inv_tdf, 1.0)

    @property
    def dilute_only(self) -> bool:
        """No region uses the concentrated-solution form."""
        return _is(self.sigma, 0.0) and _is(self.g_salt, 0.0)


def anion_concentration(a: Coef, r: RegionCoefficients) -> Coef:
    """Mobile-anion concentration c₋ (scaled) of activity ``a``."""
    if r.ideal_binary:
        return a
    p = r.product * (a * a if _is(r.inv_tdf, 1.0) else a ** (2.0 * r.inv_tdf))
    if _is(r.c_fixed, 0.0):
        return _sqrt(p)
    return 2.0 * p / (r.c_fixed + _sqrt(r.c_fixed * r.c_fixed + 4.0 * p))


def cation_concentration(a: Coef, r: RegionCoefficients) -> Coef:
    """Li⁺ concentration c₊ = c₋ + X (scaled)."""
    c_minus = anion_concentration(a, r)
    return c_minus if _is(r.c_fixed, 0.0) else c_minus + r.c_fixed


def reference_cation_concentration(r: RegionCoefficients) -> Coef:
    """c₊ of the region at a = 1 (the initial equilibrium): Butler–Volmer's c_ref."""
    return 1.0 if r.ideal_binary else cation_concentration(1.0, r)


def electrostatic_potential(a: Coef, psi: Coef, r: RegionCoefficients) -> Coef:
    """φ = Φ − ln c₊ = ψ + ln(a / c₊) (scaled; ideal solution, one reference for all regions)."""
    if r.ideal_binary:
        return psi
    return psi + _ln(a / cation_concentration(a, r))


def flux_coefficients(a: Coef, r: RegionCoefficients) -> tuple[Coef, Coef, Coef, Coef]:
    """``(A₊, A₋, B₊, B₋)`` of the fluxes ``N₊ = −A₊∇ψ − B₊∇a``, ``N₋ = A₋∇ψ − B₋∇a``."""
    c_minus = anion_concentration(a, r)
    c_plus = cation_concentration(a, r)
    if r.ideal_binary:
        a_p, a_m, b_p, b_m = r.d_cation * a, r.d_anion * a, r.d_cation, r.d_anion
    else:
        a_p, a_m = r.d_cation * c_plus, r.d_anion * c_minus
        b_p, b_m = r.d_cation * c_plus / a, r.d_anion * c_minus / a
    if not r.dilute_only:
        s, t, g = r.sigma, r.t_plus, r.g_salt
        a_p, a_m = a_p + t * s, a_m + (1.0 - t) * s
        b_p = b_p + (t * s * (2.0 * t - 1.0) + 2.0 * g * c_minus) / a
        b_m = b_m + ((1.0 - t) * (1.0 - 2.0 * t) * s + 2.0 * g * c_minus) / a
    return a_p, a_m, b_p, b_m


def ion_fluxes(
    a: ufl.core.expr.Expr, psi: ufl.core.expr.Expr, r: RegionCoefficients
) -> tuple[ufl.core.expr.Expr, ufl.core.expr.Expr]:
    """Scaled molar fluxes ``(N₊, N₋)`` (UFL)."""
    if r.ideal_binary and r.dilute_only:  # −d (∇c ± c∇φ), exactly today's dilute forms
        n_plus = -r.d_cation * (ufl.grad(a) + a * ufl.grad(psi))
        n_minus = -r.d_anion * (ufl.grad(a) - a * ufl.grad(psi))
        return n_plus, n_minus
    a_p, a_m, b_p, b_m = flux_coefficients(a, r)
    return -a_p * ufl.grad(psi) - b_p * ufl.grad(a), a_m * ufl.grad(psi) - b_m * ufl.grad(a)


def conductivity(a: Coef, r: RegionCoefficients) -> Coef:
    """Scaled conductivity A₊ + A₋ at activity ``a`` (uniform composition)."""
    a_p, a_m, _, _ = flux_coefficients(a, r)
    return a_p + a_m


def surface_state(a: Coef, psi: Coef, r: RegionCoefficients) -> tuple[Coef, Coef]:
    """``(c₊/c_ref, φ_ref)`` seen by Butler–Volmer at a Li surface in region ``r``.

    ``c_ref`` is the region's initial Li⁺ concentration and ``φ_ref = φ + ln c_ref`` the
    electrostatic potential measured from the Li equilibrium at ``c_ref``, so that the seed form
    ``i₀[(c₊/c_ref) e^{−α_c η} − e^{α_a η}]`` with ``η = φ_s − φ_ref`` is at rest when
    ``φ_s = Φ`` (for α_a + α_c = 1), whatever the region: two Li electrodes in different
    regions are at the same potential at equilibrium.
    """
    if r.ideal_binary:
        return a, psi
    c_plus = cation_concentration(a, r)
    c_ref = reference_cation_concentration(r)
    return c_plus / c_ref, psi + _ln(a * c_ref / c_plus)
