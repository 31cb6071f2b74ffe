"""Butler–Volmer kinetics at a Li metal/electrolyte boundary (scaled units).

Plating current density (positive when Li⁺ is reduced to Li, i.e. current flows from the
electrolyte into the metal)::

    i_p = i₀ [ (c₊ / c_ref) exp(−α_c η) − exp(α_a η) ],     η = φ_s − φ − E_cap

with the Gibbs–Thomson shift ``E_cap = −γΩκ/F`` (scaled: ``−capillary · κ``), ``κ`` the
curvature of the metal surface, positive where the metal bulges into the electrolyte. A convex
tip therefore has a higher η and plates less: capillarity stabilises short wavelengths.
An interphase (SEI) film of area resistance R_film between the metal and the electrolyte
carries the current through an ohmic drop: the metal sees η + R_film i_p, and the current solves
the implicit law ``i_p = BV(η + R_film i_p)`` (:func:`film_limited_current`).
These functions work on UFL expressions and on NumPy arrays alike.
"""

from __future__ import annotations

import numpy as np
import ufl

#: What these functions accept and return: UFL expressions, NumPy arrays or numbers.
Value = ufl.core.expr.Expr | np.ndarray | float


def _exp(x: Value) -> Value:
    return ufl.exp(x) if isinstance(x, ufl.core.expr.Expr) else np.exp(x)


def overpotential(
    phi_s: Value, phi: Value, *, capillary: float = 0.0, curvature: Value | None = None
) -> Value:
    """Scaled surface overpotential ``η = φ_s − φ + capillary·κ``."""
    eta = phi_s - phi
    if curvature is not None and capillary != 0.0:
        eta = eta + capillary * curvature
    return eta


def plating_current(
    c_cation: Value,
    eta: Value,
    *,
    exchange_current: Value,
    alpha_anodic: float,
    alpha_cathodic: float,
    c_ref: float = 1.0,
) -> Value:
    """Scaled Butler–Volmer plating current density (positive: Li plates)."""
    return exchange_current * (
        (c_cation / c_ref) * _exp(-alpha_cathodic * eta) - _exp(alpha_anodic * eta)
    )


def overpotential_for_current(
    i_p: float,
    *,
    exchange_current: float,
    alpha_anodic: float,
    alpha_cathodic: float,
    c_ratio: float = 1.0,
    film_resistance: float = 0.0,
) -> float:
    """Invert Butler–Volmer for a scalar plating current (Newton on η) at c₊/c_ref = c_ratio.

    With a film (scaled resistance R, see :func:`film_limited_current`) the overpotential
    between metal and electrolyte is that of Butler–Volmer minus the film's drop R i.
    """
    eta = 0.0
    for _ in range(100):
        cathodic = c_ratio * np.exp(-alpha_cathodic * eta)
        f = exchange_current * (cathodic - np.exp(alpha_anodic * eta)) - i_p
        df = -exchange_current * (
            alpha_cathodic * cathodic + alpha_anodic * np.exp(alpha_anodic * eta)
        )
        step = f / df
        eta -= step
        if abs(step) < 1e-14 * max(1.0, abs(eta)):
            break
    return float(eta) - film_resistance * i_p


#: Newton updates of the film-limited current unrolled in the UFL form (see
#: :func:`film_limited_current`); the NumPy copy iterates to convergence instead.
FILM_NEWTON_STEPS = 5


def _log1p(x: Value) -> Value:
    return ufl.ln(1.0 + x) if isinstance(x, ufl.core.expr.Expr) else np.log1p(x)


def _positive(x: Value) -> Value:
    return ufl.max_value(x, 0.0) if isinstance(x, ufl.core.expr.Expr) else np.maximum(x, 0.0)


def _lambert_w(z: Value) -> Value:
    """Winitzki's closed form of the Lambert W function for z ≥ 0 (a few % accurate)."""
    log = _log1p(z)
    return log * (1.0 - _log1p(log) / (2.0 + log))


def _bv_and_slope(
    c_ratio: Value, x: Value, i0: Value, alpha_anodic: float, alpha_cathodic: float
) -> tuple[Value, Value]:
    """Butler–Volmer current and its (negative) derivative ∂i/∂η at overpotential ``x``."""
    cathodic = i0 * c_ratio * _exp(-alpha_cathodic * x)
    anodic = i0 * _exp(alpha_anodic * x)
    return cathodic - anodic, -(alpha_cathodic * cathodic + alpha_anodic * anodic)


def film_limited_current(
    c_ratio: Value,
    eta: Value,
    *,
    exchange_current: Value,
    alpha_anodic: float,
    alpha_cathodic: float,
    film_resistance: Value,
    newton_steps: int = FILM_NEWTON_STEPS,
) -> Value:
    """Plating current through an interphase film of resistance R (scaled): i = BV(η + R i).

    The film's ohmic drop ``R i`` makes the overpotential at the metal less cathodic while Li
    plates (i > 0). The implicit equation g(i) = i − BV(η + R i) = 0 has one root (g' ≥ 1). It
    is solved by Newton's method from a start that is exact when one branch of Butler–Volmer
    dominates: with the cathodic branch alone, i = a e^{−α_c(η + R i)} gives
    i = W(α_c R a e^{−α_c η}) / (α_c R) (W: Lambert's function, here in closed form to a few
    per cent), and likewise for the anodic branch; the start is the difference of the two.

    On UFL expressions ``newton_steps`` updates are unrolled (UFL differentiates them for the
    Jacobian: at convergence the derivative of a Newton update is the implicit derivative);
    on NumPy arrays it iterates to round-off. ``film_resistance`` must be > 0.
    """
    i0, resistance = exchange_current, film_resistance
    z_c = _positive(alpha_cathodic * resistance * i0 * c_ratio * _exp(-alpha_cathodic * eta))
    z_a = alpha_anodic * resistance * i0 * _exp(alpha_anodic * eta)
    current = _lambert_w(z_c) / (alpha_cathodic * resistance) - _lambert_w(z_a) / (
        alpha_anodic * resistance
    )
    symbolic = isinstance(current, ufl.core.expr.Expr)
    for k in range(newton_steps if symbolic else 100):
        bv, slope = _bv_and_slope(
            c_ratio, eta + resistance * current, i0, alpha_anodic, alpha_cathodic
        )
        step = (current - bv) / (1.0 - resistance * slope)
        current = current - step
        if not symbolic and k >= newton_steps - 1:
            scale = np.abs(current) + 1e-300
            if np.all(np.abs(step) <= 2e-15 * scale):
                break
    return current


def film_limited_slope(
    c_ratio: Value,
    eta: Value,
    current: Value,
    *,
    exchange_current: Value,
    alpha_anodic: float,
    alpha_cathodic: float,
    film_resistance: Value,
) -> Value:
    """−∂i/∂η of the film-limited current ``current`` (NumPy): |BV'| / (1 + R |BV'|)."""
    _, slope = _bv_and_slope(
        c_ratio, eta + film_resistance * current, exchange_current, alpha_anodic, alpha_cathodic
    )
    return -slope / (1.0 - film_resistance * slope)
