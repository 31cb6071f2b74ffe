"""Butler–Volmer kinetics at a Li metal/electrolyte boundary (scaled units).

Plating current density (positive when Li⁺ is reduced to Li, i.e. current flows from the
electrolyte into the metal)::

    i_p = i₀ [ (c₊ / c_ref) exp(−α_c η) − exp(α_a η) ],     η = φ_s − φ − E_cap

with the Gibbs–Thomson shift ``E_cap = −γΩκ/F`` (scaled: ``−capillary · κ``), ``κ`` the
curvature of the metal surface, positive where the metal bulges into the electrolyte. A convex
tip therefore has a higher η and plates less: capillarity stabilises short wavelengths.
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
) -> float:
    """Invert Butler–Volmer for a scalar plating current (Newton on η) at c₊/c_ref = c_ratio."""
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
    return float(eta)
