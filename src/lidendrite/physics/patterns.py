"""Surface heterogeneity: multipliers of the exchange current along the plating surface.

A pattern is a function of the *material coordinate* of a surface point, the x (µm) that the
point had on the initial surface; the engine carries that coordinate with the surface as it moves
and across remeshes (see :meth:`lidendrite.engine.state.MeshState.assign_anode_material`), so a
patch stays attached to the Li it was on. Several patterns multiply.

Pure NumPy, evaluated on the full polyline (identical on every rank): a random pattern is drawn on
a fixed grid over the cell width from its seed, never per rank.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lidendrite.config.schema import PatchesPattern, RandomPattern, SinusoidPattern

__all__ = [
    "mix_new_surface",
    "new_surface_fraction",
    "pattern_factor",
    "random_field",
    "smallest_pattern_length_um",
]

Pattern = SinusoidPattern | PatchesPattern | RandomPattern


def random_field(pattern: RandomPattern, width_um: float) -> tuple[np.ndarray, np.ndarray]:
    """Grid (µm) and values of a smooth log-normal multiplier of mean 1.

    White noise from ``seed`` on a grid of spacing ℓ/8 over [−4ℓ, W + 4ℓ] is convolved with a
    Gaussian kernel exp(−x²/ℓ²) (correlation exp(−x²/(2ℓ²))) and scaled to unit variance: g.
    The multiplier is exp(s g − s²/2), s² = ln(1 + relative_std²), whose mean is 1 and whose
    relative standard deviation is ``relative_std``.
    """
    ell = pattern.correlation_um
    h = ell / 8.0
    pad = 4.0 * ell
    n = int(np.ceil((width_um + 2 * pad) / h)) + 1
    x = -pad + h * np.arange(n)
    noise = np.random.default_rng(pattern.seed).standard_normal(n)
    k = np.arange(-32, 33) * h  # ± 4ℓ
    kernel = np.exp(-(k**2) / ell**2)
    kernel /= np.sqrt(np.sum(kernel**2))
    g = np.convolve(noise, kernel, mode="same")
    s2 = np.log1p(pattern.relative_std**2)
    return x, np.exp(np.sqrt(s2) * g - 0.5 * s2)


def _factor(pattern: Pattern, x_um: np.ndarray, width_um: float) -> np.ndarray:
    if isinstance(pattern, SinusoidPattern):
        k = 2.0 * np.pi / pattern.wavelength_um
        return 1.0 + pattern.relative_amplitude * np.cos(k * (x_um - pattern.offset_um))
    if isinstance(pattern, PatchesPattern):
        out = np.ones_like(x_um)
        for seg in pattern.segments:
            x0, x1 = seg.x_um
            out[(x_um >= x0) & (x_um <= x1)] *= seg.factor
        return out
    grid, values = random_field(pattern, width_um)
    return np.interp(x_um, grid, values)


def pattern_factor(
    patterns: Sequence[Pattern], x_um: np.ndarray, width_um: float, quantity: str
) -> np.ndarray:
    """The product of the multipliers of ``quantity`` at material coordinates ``x_um``."""
    x_um = np.asarray(x_um, dtype=float)
    out = np.ones_like(x_um)
    for pattern in patterns:
        if pattern.quantity == quantity:
            out *= _factor(pattern, x_um, width_um)
    return out


def smallest_pattern_length_um(patterns: Sequence[Pattern]) -> float | None:
    """The shortest length over which a pattern changes: λ/2π, a segment half-width, or ℓ."""
    lengths = []
    for p in patterns:
        if isinstance(p, SinusoidPattern):
            lengths.append(p.wavelength_um / (2.0 * np.pi))
        elif isinstance(p, PatchesPattern):
            lengths += [0.5 * (s.x_um[1] - s.x_um[0]) for s in p.segments]
        else:
            lengths.append(p.correlation_um)
    return min(lengths) if lengths else None


def new_surface_fraction(
    xy_um: np.ndarray, material_x_um: np.ndarray, initial_xy_um: np.ndarray
) -> np.ndarray:
    """Fraction of the surface around each vertex of ``xy_um`` that is newly plated Li.

    A segment of the current polyline between material coordinates X₁ and X₂ came from the arc
    |S₀(X₂) − S₀(X₁)| of the initial surface (S₀: arc length of ``initial_xy_um`` as a function
    of its x, the material coordinate); where it is longer than that, the excess is new
    surface: f = max(0, 1 − |ΔS₀|/Δs). A vertex takes the length-weighted mean of its two
    segments. Compressed surface (Δs < |ΔS₀|) keeps its properties (f = 0). Under normal growth
    by d of a surface of curvature κ, f = dκ/(1 + dκ) where it is convex.
    """
    xy = np.asarray(xy_um, dtype=float)
    x0 = np.asarray(initial_xy_um, dtype=float)
    s0 = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(x0, axis=0).T))])
    arc0 = np.interp(np.asarray(material_x_um, dtype=float), x0[:, 0], s0)
    length = np.hypot(*np.diff(xy, axis=0).T)
    frac = np.clip(1.0 - np.abs(np.diff(arc0)) / np.maximum(length, 1e-300), 0.0, 1.0)
    new = frac * length
    left = np.concatenate([[0.0], new])
    right = np.concatenate([new, [0.0]])
    total = np.concatenate([[0.0], length]) + np.concatenate([length, [0.0]])
    return (left + right) / np.maximum(total, 1e-300)


def mix_new_surface(old: np.ndarray, new_value: float, fraction: np.ndarray) -> np.ndarray:
    """Area-weighted value of a surface property: (1 − f) old + f new."""
    return (1.0 - fraction) * np.asarray(old, dtype=float) + fraction * new_value
