"""Semi-implicit capillarity for the explicit front step (pure NumPy, µm).

The Gibbs–Thomson term makes the plating current depend on the curvature of the front, and
an explicit front step is then only conditionally stable. With the Menger curvature of a
polyline of spacing ``h`` a small normal displacement ``δn`` changes the curvature by
``δκ = −D₂ δn`` (D₂ the second difference along the arc), and the Butler–Volmer current by
``δi = −i_η (γΩ/F) (F/RT) δκ``, ``i_η = α_c i_c + α_a i_a``. The worst discrete mode is the
zigzag, ``D₂ → −4/h²``, and the explicit (forward-Euler) step of ``n`` is stable only for

    Δt ≤ 2 F R T h² / (4 Ω² γ i_η) = F R T h² / (2 Ω² γ i_η)          (kinetics-limited)

(the continuous estimate ``2FRTh²/(π²Ω²γ i_η)`` with ``k = π/h``, times π²/4: D₂ of the
zigzag is 4/h², not π²/h²). Transport only lowers the current response (by
``F D₊ k̃ / (F D₊ k̃ + K)``), so this kinetic bound is the binding one at the mesh scale.

The step here is linearly implicit in the curvature: the normal displacement solves
``(I − σ D₂) Δn = Δn_explicit`` with ``σ = (Ω/F)Δt · i_η · γΩ/RT`` per vertex, i.e. the
curvature of the end of the step enters the kinetics (linearised about the current state).
The amplification factor of a capillary mode becomes ``(1 + λ(1 − T))/(1 + λ)`` with
``λ = σ μ`` (μ ≥ 0 an eigenvalue of −D₂) and ``T ∈ (0, 1]`` the transport factor: in
``(0, 1]`` for every Δt. Resolved modes (``σ k² ≪ 1``) are changed only at O(Δt).
"""

from __future__ import annotations

import numpy as np


def solve_tridiagonal(
    lower: np.ndarray, diag: np.ndarray, upper: np.ndarray, rhs: np.ndarray
) -> np.ndarray:
    """Thomas algorithm for ``lower[j] x[j−1] + diag[j] x[j] + upper[j] x[j+1] = rhs[j]``.

    ``lower[0]`` and ``upper[-1]`` are ignored. The matrix must be diagonally dominant.
    The recurrences run on Python floats: the same operations as on NumPy scalars (the same
    result to the bit), 2.5x faster at a hundred vertices.
    """
    a, b, c, d = lower.tolist(), diag.tolist(), upper.tolist(), rhs.tolist()
    n = len(b)
    cp = [0.0] * n
    dp = [0.0] * n
    cp[0] = c[0] / b[0] if n > 1 else 0.0
    dp[0] = d[0] / b[0]
    for j in range(1, n):
        m = b[j] - a[j] * cp[j - 1]
        cp[j] = c[j] / m if j < n - 1 else 0.0
        dp[j] = (d[j] - a[j] * dp[j - 1]) / m
    x = [0.0] * n
    x[-1] = dp[-1]
    for j in range(n - 2, -1, -1):
        x[j] = dp[j] - cp[j] * x[j + 1]
    return np.array(x)


def solve_cyclic_tridiagonal(
    lower: np.ndarray, diag: np.ndarray, upper: np.ndarray, rhs: np.ndarray
) -> np.ndarray:
    """Periodic tridiagonal system: ``lower[0]`` couples x[0] to x[−1], ``upper[−1]`` x[−1] to x[0].

    Sherman–Morrison on the Thomas algorithm.
    """
    n = len(diag)
    if n < 3:
        full = np.diag(diag.astype(float))
        for j in range(n):
            full[j, (j - 1) % n] += lower[j]
            full[j, (j + 1) % n] += upper[j]
        return np.linalg.solve(full, rhs)
    gamma = -diag[0]
    b = diag.astype(float).copy()
    b[0] -= gamma
    b[-1] -= lower[0] * upper[-1] / gamma
    x = solve_tridiagonal(lower, b, upper, rhs)
    u = np.zeros(n)
    u[0], u[-1] = gamma, upper[-1]
    z = solve_tridiagonal(lower, b, upper, u)
    factor = (x[0] + lower[0] * x[-1] / gamma) / (1.0 + z[0] + lower[0] * z[-1] / gamma)
    return x - factor * z


def implicit_capillary_step(
    xy: np.ndarray, normal_step: np.ndarray, stiffness: np.ndarray, *, periodic: bool
) -> np.ndarray:
    """Normal steps Δn solving ``(I − σ D₂) Δn = normal_step`` along a polyline.

    Args:
        xy: Vertices ``(K, 2)`` (µm); with ``periodic`` the last is the first shifted by W.
        normal_step: Explicit normal displacement of every vertex over the step (µm).
        stiffness: σ = (normal step per unit current) × i_η × (capillary shift per unit
            curvature) at every vertex (µm²).
        periodic: The polyline is one period; otherwise the ends are mirrored (zero slope at
            the side walls), as in the curvature.
    """
    xy = np.asarray(xy, dtype=float)
    rhs = np.asarray(normal_step, dtype=float)
    sigma = np.maximum(np.asarray(stiffness, dtype=float), 0.0)
    if len(xy) < 3 or not np.any(sigma > 0.0):
        return rhs.copy()
    seg = np.hypot(*np.diff(xy, axis=0).T)
    seg = np.maximum(seg, 1e-12 * max(float(seg.max()), 1e-300))
    if periodic:
        m = len(xy) - 1  # unknowns 0..m−1; vertex m is vertex 0
        h_a = np.concatenate([[seg[-1]], seg[:-1]])  # to the previous vertex
        h_b = seg  # to the next vertex
        s = sigma[:m]
        lower = -2.0 * s / (h_a * (h_a + h_b))
        upper = -2.0 * s / (h_b * (h_a + h_b))
        diag = 1.0 - lower - upper
        x = solve_cyclic_tridiagonal(lower, diag, upper, rhs[:m])
        return np.concatenate([x, x[:1]])
    h_a = np.concatenate([[seg[0]], seg])  # mirrored ghost at the first vertex
    h_b = np.concatenate([seg, [seg[-1]]])  # and at the last
    lower = -2.0 * sigma / (h_a * (h_a + h_b))
    upper = -2.0 * sigma / (h_b * (h_a + h_b))
    diag = 1.0 - lower - upper
    # the ghost's value is that of the mirrored neighbour
    upper[0] += lower[0]
    lower[-1] += upper[-1]
    return solve_tridiagonal(lower, diag, upper, rhs)
