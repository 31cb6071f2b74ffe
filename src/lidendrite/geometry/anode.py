"""Initial profiles of the electrode boundaries as polylines (pure numpy).

All lengths are in µm. A profile is an array of shape ``(K, 2)`` of vertex coordinates
``(x, y)``, ordered by strictly increasing ``x`` from ``x = 0`` to ``x = W``. The plating anode
lies at the bottom of the cell with mean height ``y = 0``; the counter electrode is the line
``y = T`` at the top. The cell mesh (:func:`lidendrite.geometry.cell.build_cell`) puts a mesh node
at every vertex and at no other point of these polylines, so the vertex spacing chosen here is
the boundary resolution of the mesh.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from lidendrite.errors import ConfigError

if TYPE_CHECKING:
    from lidendrite.config import CellConfig

__all__ = ["ANODE_SHAPES", "anode_profile", "anode_profile_from_config", "counter_profile"]

ANODE_SHAPES = ("flat", "defect", "sinusoid", "rough")
DEFECT_FILLET_RATIO = 0.5
"""Radius of the fillets at the foot of a ``defect`` relative to the cap radius."""

#: Number of Fourier modes per unit of ``k·ℓ`` kept in the rough-profile synthesis; the Gaussian
#: spectrum ``exp(-k²ℓ²/4)`` is below 1e-15 of its peak beyond ``k·ℓ = 12``.
_ROUGH_K_CUTOFF = 12.0


def _check_positive(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value <= 0.0:
        raise ConfigError(f"{name} must be a positive number, got {value!r}")
    return value


def _segments(length_um: float, spacing_um: float) -> int:
    """Number of equal segments of length at most ``spacing_um`` that cover ``length_um``."""
    return max(1, math.ceil(length_um / spacing_um - 1e-9))


def _uniform_line(x0_um: float, x1_um: float, spacing_um: float) -> np.ndarray:
    n = _segments(x1_um - x0_um, spacing_um)
    x = np.linspace(x0_um, x1_um, n + 1)
    return np.column_stack([x, np.zeros_like(x)])


def _trapezoid_weights(x: np.ndarray) -> np.ndarray:
    """Weights ``w`` with ``sum(w * f) = trapezoid(f, x)``."""
    dx = np.diff(x)
    w = np.zeros_like(x)
    w[:-1] += 0.5 * dx
    w[1:] += 0.5 * dx
    return w


def _flat(width_um: float, spacing_um: float) -> np.ndarray:
    return _uniform_line(0.0, width_um, spacing_um)


def _defect(
    width_um: float, spacing_um: float, radius_um: float, centre_x_um: float | None
) -> np.ndarray:
    r = _check_positive("defect_radius_um", radius_um)
    x0 = 0.5 * width_um if centre_x_um is None else float(centre_x_um)
    if not (x0 - r > 0.0 and x0 + r < width_um):
        raise ConfigError(
            f"the defect of radius {r} µm at x = {x0} µm does not fit inside the cell "
            f"(0, {width_um}) µm: need defect_radius_um < defect_x_um < width_um - defect_radius_um"
        )
    # Concave fillets of radius f join the cap smoothly to the flat surface: a sharp re-entrant
    # corner has unbounded curvature and makes the moving boundary fold over itself.
    room = min(x0, width_um - x0)
    f = min(DEFECT_FILLET_RATIO * r, 0.9 * (room**2 - r**2) / (2.0 * r))
    d = math.sqrt(r * r + 2.0 * r * f)  # horizontal distance from the cap centre to a fillet centre
    theta_t = math.atan2(f, d)  # polar angle of the cap/fillet tangent point
    n_arc = max(16, _segments(r * (math.pi - 2 * theta_t), spacing_um))
    n_arc += n_arc % 2  # even: the apex (x0, r) is a vertex
    theta = np.linspace(math.pi - theta_t, theta_t, n_arc + 1)
    cap = np.column_stack([x0 + r * np.cos(theta), r * np.sin(theta)])
    n_fil = max(4, _segments(f * (0.5 * math.pi - theta_t), spacing_um))
    phi = np.linspace(math.pi + theta_t, 1.5 * math.pi, n_fil + 1)
    right_fillet = np.column_stack([x0 + d + f * np.cos(phi), f + f * np.sin(phi)])
    right_fillet[-1] = (x0 + d, 0.0)
    left_fillet = np.column_stack([2 * x0 - right_fillet[::-1, 0], right_fillet[::-1, 1]])
    left = _uniform_line(0.0, x0 - d, spacing_um)
    right = _uniform_line(x0 + d, width_um, spacing_um)
    return np.vstack([left[:-1], left_fillet, cap[1:-1], right_fillet, right[1:]])


def _sinusoid(
    width_um: float, spacing_um: float, amplitude_um: float, wavelength_um: float
) -> np.ndarray:
    a = float(amplitude_um)
    if not math.isfinite(a):
        raise ConfigError(f"amplitude_um must be a finite number, got {a!r}")
    lam = _check_positive("wavelength_um", wavelength_um)
    k = 2.0 * math.pi / lam
    # A chord of y = A cos(kx) over dx is at most dx * sqrt(1 + (A k)^2) long.
    dx_max = spacing_um / math.sqrt(1.0 + (a * k) ** 2)
    n = _segments(width_um, dx_max)
    # If the cell holds a whole number of half periods, put a vertex on every crest and trough.
    half_periods = width_um / (0.5 * lam)
    m = round(half_periods)
    if m >= 1 and abs(half_periods - m) < 1e-9 * max(1.0, half_periods):
        n = m * _segments(0.5 * lam, dx_max)
    x = np.linspace(0.0, width_um, n + 1)
    return np.column_stack([x, a * np.cos(k * x)])


def _rough(
    width_um: float,
    spacing_um: float,
    rms_um: float,
    correlation_um: float,
    seed: int,
    periodic: bool = False,
) -> np.ndarray:
    rms = float(rms_um)
    if not math.isfinite(rms) or rms < 0.0:
        raise ConfigError(f"rms_um must be a non-negative number, got {rms!r}")
    ell = _check_positive("correlation_um", correlation_um)
    # Fourier series on a period longer than the cell, so that the two ends are uncorrelated;
    # with periodic sides the period is the cell width.
    period = width_um if periodic else width_um + 4.0 * ell
    n_modes = max(1, math.ceil(_ROUGH_K_CUTOFF / ell * period / (2.0 * math.pi)))
    k = 2.0 * math.pi / period * np.arange(1, n_modes + 1)
    # Gaussian correlation C(r) = rms^2 exp(-r^2/ell^2) has the spectrum ~ exp(-k^2 ell^2 / 4).
    amp = np.exp(-((k * ell) ** 2) / 8.0)
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n_modes) * amp
    b = rng.standard_normal(n_modes) * amp
    block = max(1, 2**20 // n_modes)

    def sample(n: int) -> np.ndarray:
        x = np.linspace(0.0, width_um, n + 1)
        y = np.empty_like(x)
        for start in range(0, x.size, block):
            kx = np.outer(x[start : start + block], k)
            y[start : start + block] = np.cos(kx) @ a + np.sin(kx) @ b
        w = _trapezoid_weights(x) / width_um
        y = y - np.dot(w, y)
        s = math.sqrt(float(np.dot(w, y * y)))
        y = y * (rms / s) if s > 0.0 else np.zeros_like(y)
        y = y - np.dot(w, y)  # remove the rounding residue of the rescaling
        return np.column_stack([x, y])

    n = _segments(width_um, spacing_um)
    for _ in range(50):
        xy = sample(n)
        longest = float(np.max(np.hypot(*np.diff(xy, axis=0).T)))
        if longest <= spacing_um * (1.0 + 1e-12):
            return xy
        n = max(n + 1, math.ceil(n * longest / spacing_um * 1.01))
    raise ConfigError(  # pragma: no cover - the loop converges in a few steps
        f"could not sample the rough profile (rms_um={rms}, correlation_um={ell}) "
        f"with spacing {spacing_um} µm"
    )


def anode_profile(
    shape: str,
    width_um: float,
    spacing_um: float,
    *,
    defect_radius_um: float = 0.5,
    defect_x_um: float | None = None,
    amplitude_um: float = 0.1,
    wavelength_um: float = 1.0,
    rms_um: float = 0.05,
    correlation_um: float = 0.5,
    seed: int = 0,
    periodic: bool = False,
) -> np.ndarray:
    """Initial anode surface as a polyline from ``x = 0`` to ``x = width_um``.

    Shapes:

    - ``"flat"``: ``y = 0``.
    - ``"defect"``: a circular Li protrusion of radius ``r = defect_radius_um`` centred at
      ``(x0, 0)`` (``x0 = defect_x_um``, the cell centre if None), apex ``(x0, r)``, joined to the
      flat surface by two concave fillets of radius ``f = r/2`` (smaller if the cell is too
      narrow) so the surface has no corner. The cap arc has an even number (≥ 16) of segments
      equal in angle; the apex and the two fillet feet ``(x0 ± sqrt(r² + 2rf), 0)`` are vertices.
    - ``"sinusoid"``: ``y = A cos(2πx/λ)``, uniform in ``x``; when the width is a whole number of
      half wavelengths every crest and trough is a vertex.
    - ``"rough"``: a Gaussian random profile with correlation ``rms² exp(-r²/ℓ²)``
      (``ℓ = correlation_um``) made by spectral synthesis with ``numpy.random.default_rng(seed)``;
      the same seed and width give the same surface at any spacing. It is then shifted and
      rescaled so that its x-average is exactly zero and its root mean square exactly
      ``rms_um``, both as trapezoid-rule averages over ``[0, W]``.

    Args:
        shape: One of :data:`ANODE_SHAPES`.
        width_um: Cell width W (µm).
        spacing_um: Largest distance between consecutive vertices (µm).
        defect_radius_um: Radius of the ``defect`` protrusion (µm).
        defect_x_um: Centre of the ``defect`` protrusion (µm); None for the cell centre.
        amplitude_um: Amplitude of the ``sinusoid`` (µm).
        wavelength_um: Wavelength of the ``sinusoid`` (µm).
        rms_um: Root-mean-square height of the ``rough`` profile (µm).
        correlation_um: Gaussian correlation length of the ``rough`` profile (µm).
        seed: Random seed of the ``rough`` profile.
        periodic: ``rough`` only: make the profile periodic over the width (for periodic sides).

    Returns:
        Array ``(K, 2)`` of vertices with ``x`` strictly increasing from 0 to ``width_um``.

    Raises:
        ConfigError: Unknown shape or a parameter out of range.
    """
    width = _check_positive("width_um", width_um)
    spacing = _check_positive("spacing_um", spacing_um)
    if shape == "flat":
        xy = _flat(width, spacing)
    elif shape == "defect":
        xy = _defect(width, spacing, defect_radius_um, defect_x_um)
    elif shape == "sinusoid":
        xy = _sinusoid(width, spacing, amplitude_um, wavelength_um)
    elif shape == "rough":
        xy = _rough(width, spacing, rms_um, correlation_um, int(seed), periodic)
    else:
        raise ConfigError(f"unknown anode shape {shape!r}; allowed: {', '.join(ANODE_SHAPES)}")
    xy[0, 0] = 0.0
    xy[-1, 0] = width
    return xy


def anode_profile_from_config(cell: CellConfig, spacing_um: float) -> np.ndarray:
    """Initial anode polyline described by a cell configuration.

    Args:
        cell: The ``cell`` section of the configuration (``width_um`` and the ``anode``
            sub-section: ``shape``, ``defect_radius_um``, ``defect_x_um``, ``amplitude_um``,
            ``wavelength_um``, ``rms_um``, ``correlation_um``, ``seed``).
        spacing_um: Largest distance between consecutive vertices (µm).

    Returns:
        Array ``(K, 2)`` of vertices, see :func:`anode_profile`.
    """
    anode = cell.anode
    return anode_profile(
        anode.shape,
        cell.width_um,
        spacing_um,
        defect_radius_um=anode.defect_radius_um,
        defect_x_um=anode.defect_x_um,
        amplitude_um=anode.amplitude_um,
        wavelength_um=anode.wavelength_um,
        rms_um=anode.rms_um,
        correlation_um=anode.correlation_um,
        seed=anode.seed,
        periodic=cell.sides == "periodic",
    )


def counter_profile(width_um: float, thickness_um: float, spacing_um: float) -> np.ndarray:
    """Flat counter electrode ``y = thickness_um`` from ``x = 0`` to ``x = width_um``.

    Args:
        width_um: Cell width W (µm).
        thickness_um: Cell thickness T, the height of the counter electrode (µm).
        spacing_um: Largest distance between consecutive vertices (µm).

    Returns:
        Array ``(K, 2)`` of equally spaced vertices ordered by increasing ``x``.
    """
    width = _check_positive("width_um", width_um)
    thickness = _check_positive("thickness_um", thickness_um)
    spacing = _check_positive("spacing_um", spacing_um)
    xy = _uniform_line(0.0, width, spacing)
    xy[:, 1] = thickness
    return xy
