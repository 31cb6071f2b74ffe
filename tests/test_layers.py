"""Regions side by side: a fixed-anion layer in a binary matrix (Donnan interfaces, laminates).

References derived here, from the ion concentrations and potentials (nothing of the solver):

- **Donnan equilibrium.** Next to a binary salt c, a region with fixed anions X holds
  ``c± = (√(X² + 4c²) ± X)/2`` and sits at ``Δφ = −(RT/F) asinh(X/2c)``; solved below by
  Newton on ``c₊ − c₋ = X`` with ``c± = c e^{∓Δφ F/RT}`` (Boltzmann), not by the closed form.
- **Laminate at steady state.** The anions rest (``N₋ = 0``), so in each layer
  ``u = 2c₋ + X ln c₋`` is linear with slope ``i/(F D₊)``; across an interface ``c₊c₋`` is
  continuous (ideal partition); the anion inventory is that of the initial Donnan state; the
  Li-reference potential falls by ``∫ i RT/(F² D₊ c₊) dy``; each electrode adds its
  Butler–Volmer overpotential and a Nernst term with its own c_ref. At small current the cell
  resistance is ``2R_ct + Σ h_k/σ₊,k``, ``σ₊,k = F² D₊,k c₊,k/RT``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lidendrite.constants import FARADAY_C_PER_MOL as F
from lidendrite.constants import GAS_CONSTANT_J_PER_MOL_K as R
from validation_utils import (
    TEMPERATURE_K,
    THERMAL_VOLTAGE_V,
    bv_overpotential_V,
    merge,
    one_d_cell,
    read_frames,
    read_metrics,
    relative_error,
    run_case,
    shared_dir,
)

#: 1-D validations against references; under ``mpirun -n 2`` they would only repeat
#: themselves (serial vs 2 ranks is tested with several regions in test_mpi_agreement.py).
pytestmark = pytest.mark.serial

SIGMA, T_PLUS, C0 = 0.01, 0.4, 1000.0
LAYER_SIGMA, LAYER_T_PLUS = 0.02, 0.8
THICKNESS_UM, LAYER_UM = 3.0, (1.0, 2.0)


def donnan(fixed: float, c_salt: float) -> tuple[float, float, float]:
    """(c₊, c₋, Δφ in V) of a region with fixed anions next to a binary salt (Newton)."""
    x = 0.0  # F Δφ / RT
    for _ in range(100):
        f = c_salt * math.exp(-x) - c_salt * math.exp(x) - fixed
        step = f / (-c_salt * math.exp(-x) - c_salt * math.exp(x))
        x -= step
        if abs(step) < 1e-15:
            break
    return c_salt * math.exp(-x), c_salt * math.exp(x), x * THERMAL_VOLTAGE_V


def layered_cell(fixed: float, **operation) -> dict:
    """A 1-D cell (3 µm) with a fixed-anion layer between 1 and 2 µm."""
    return merge(
        one_d_cell(
            thickness_um=THICKNESS_UM,
            conductivity_S_per_m=SIGMA,
            transference_number=T_PLUS,
            exchange_current_density_A_per_m2=30.0,
            size_at_anode_um=0.05,
            size_bulk_um=0.05,
        ),
        {
            "materials": {
                "mof": {
                    "conductivity_S_per_m": LAYER_SIGMA,
                    "transference_number": LAYER_T_PLUS,
                    "fixed_anion_concentration_mol_per_m3": fixed,
                }
            },
            "cell": {"fillers": [{"kind": "layer", "y_um": list(LAYER_UM), "material": "mof"}]},
            "operation": operation,
        },
    )


def _inside(frame, y0: float, y1: float, margin: float = 0.1) -> np.ndarray:
    y = frame.points_um[:, 1]
    return (y > y0 + margin) & (y < y1 - margin)


@pytest.mark.parametrize("ratio", [1.0, 10.0])
def test_donnan_equilibrium_of_a_layer(comm, tmp_path, ratio):
    """X = c and X = 10c: no current at rest; after a pulse and a rest, the Donnan state."""
    fixed = ratio * C0
    data = layered_cell(
        fixed,
        protocol=[
            {"current_density_A_per_m2": 0.0, "duration_s": 1.0},
            {"current_density_A_per_m2": 20.0, "duration_s": 2.0},
            {"current_density_A_per_m2": 0.0, "duration_s": 20.0},
        ],
    )
    data["numerics"] = {"dt_initial_s": 1e-3, "dt_max_s": 2.0}
    data["output"] |= {"every_s": 1.0}
    out = shared_dir(tmp_path, comm) / f"donnan_{ratio:g}"
    cfg, result = run_case(data, out, comm)
    assert result.status == "completed"
    frames = read_frames(out, comm)
    scale = F * 1e-12 * C0 / 1e-6  # a current density scale F D c0 / L, A/m^2
    at_rest = frames[1]  # t = 1 s, before the pulse
    spurious = np.max(np.abs(at_rest.point_data["ionic_current_density_A_per_m2"]))
    assert spurious < 1e-10 * scale, spurious
    last = frames[-1]
    c_plus_ref, c_minus_ref, dphi_ref = donnan(fixed, C0)
    layer = _inside(last, *LAYER_UM)
    below = _inside(last, 0.0, LAYER_UM[0])
    c_plus = last.point_data["c_cation_mol_per_m3"]
    c_minus = last.point_data["c_anion_mol_per_m3"]
    phi = last.point_data["potential_V"]
    errors = {
        "c+": relative_error(np.mean(c_plus[layer]), c_plus_ref),
        "c-": relative_error(np.mean(c_minus[layer]), c_minus_ref),
        "matrix c": relative_error(np.mean(c_minus[below]), C0),
        "dphi": relative_error(np.mean(phi[layer]) - np.mean(phi[below]), dphi_ref),
    }
    print(f"\nDonnan X = {ratio:g} c: " + ", ".join(f"{k} {v:.1e}" for k, v in errors.items()))
    assert max(errors.values()) < 1e-3
    assert np.ptp(c_plus[layer]) < 1e-3 * c_plus_ref  # uniform inside the layer


def laminate_reference(current: float, fixed: float, i0: float, n: int = 3001):
    """1-D steady state of the layered cell at ``current`` (plating at y = 0): (c₋(0), V)."""
    rt_f2 = R * TEMPERATURE_K / F**2
    layers = [  # (y0, y1, X, D₊) in m, mol/m³, m²/s
        (0.0, LAYER_UM[0], 0.0, T_PLUS * SIGMA * rt_f2 / C0),
        (LAYER_UM[0], LAYER_UM[1], fixed, None),
        (LAYER_UM[1], THICKNESS_UM, 0.0, T_PLUS * SIGMA * rt_f2 / C0),
    ]
    c_plus_layer, c_minus_layer, _ = donnan(fixed, C0)
    layers[1] = (*layers[1][:3], LAYER_T_PLUS * LAYER_SIGMA * rt_f2 / c_plus_layer)
    inventory = C0 * (THICKNESS_UM - (LAYER_UM[1] - LAYER_UM[0])) + c_minus_layer * (
        LAYER_UM[1] - LAYER_UM[0]
    )

    def solve_u(u: np.ndarray, x: float) -> np.ndarray:
        lo, hi = np.full_like(u, 1e-14), np.full_like(u, 1e6)
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            above = 2 * mid + (x * np.log(mid) if x else 0.0) > u
            hi, lo = np.where(above, mid, hi), np.where(above, lo, mid)
        return 0.5 * (lo + hi)

    def profile(c_minus_0: float):
        out, c_start = [], c_minus_0
        for y0, y1, x, d_plus in layers:
            y = np.linspace(y0, y1, n) * 1e-6
            u0 = 2 * c_start + (x * math.log(c_start) if x else 0.0)
            c = solve_u(u0 + current / (F * d_plus) * (y - y[0]), x)
            out.append((y, c, x, d_plus))
            if y1 < THICKNESS_UM:  # Donnan across the interface: c₊c₋ continuous
                product = c[-1] * (c[-1] + x)
                x_next = layers[len(out)][2]
                c_start = 2 * product / (x_next + math.sqrt(x_next**2 + 4 * product))
        return out

    def excess(c_minus_0: float) -> float:
        total = sum(
            float(np.sum(0.5 * (c[1:] + c[:-1]) * np.diff(y))) for y, c, _, _ in profile(c_minus_0)
        )
        return total / 1e-6 - inventory

    lo, hi = 1e-9, C0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if excess(mid) < 0 else (lo, mid)
    parts = profile(0.5 * (lo + hi))
    delta_phi = 0.0
    for y, c, x, d_plus in parts:
        g = current * R * TEMPERATURE_K / (F**2 * d_plus * (c + x))
        delta_phi += float(np.sum(0.5 * (g[1:] + g[:-1]) * np.diff(y)))
    c_plus_0, c_plus_l = parts[0][1][0], parts[-1][1][-1]
    eta_a = bv_overpotential_V(current, c_plus_0 / C0, i0)
    eta_c = bv_overpotential_V(-current, c_plus_l / C0, i0)
    voltage = eta_a - eta_c - THERMAL_VOLTAGE_V * math.log(c_plus_0 / c_plus_l) - delta_phi
    return c_plus_0, voltage


@pytest.mark.parametrize("fraction", [0.002, 0.5])
def test_laminate_steady_state(comm, tmp_path, fraction):
    """A binary|fixed-anion|binary laminate: resistance at small current, 1-D solve at 0.5 i_lim."""
    fixed, i0 = 2 * C0, 30.0
    d_binary = 2 * T_PLUS * (1 - T_PLUS) * SIGMA * R * TEMPERATURE_K / (F**2 * C0)
    i_lim = 2 * F * d_binary * C0 / ((1 - T_PLUS) * THICKNESS_UM * 1e-6)
    current = fraction * i_lim
    duration = 8 * (THICKNESS_UM * 1e-6) ** 2 / d_binary
    data = layered_cell(fixed, current_density_A_per_m2=current, duration_s=duration)
    data["numerics"] = {"dt_initial_s": 1e-3, "dt_max_s": duration / 16}
    data["output"] |= {"every_s": duration}
    out = shared_dir(tmp_path, comm) / f"laminate_{fraction:g}"
    _, result = run_case(data, out, comm)
    assert result.status == "completed"
    m = read_metrics(out, comm)
    v_h = m["cell_voltage_V"][-1]
    c_plus_0, v_ref = laminate_reference(current, fixed, i0)
    err = relative_error(v_h, v_ref)
    err_c = relative_error(m["c_anode_min_mol_per_m3"][-1], c_plus_0)
    print(
        f"\nlaminate at {fraction:g} i_lim: V = {v_h:.6g}, 1-D {v_ref:.6g} (error {err:.1e}); "
        f"c+(0) error {err_c:.1e}"
    )
    assert err < 0.01 and err_c < 0.01
    if fraction < 0.01:  # linear response: 2 R_ct + sum h / sigma+
        c_plus_layer, _, _ = donnan(fixed, C0)
        rt = R * TEMPERATURE_K
        sigma_plus_layer = LAYER_T_PLUS * LAYER_SIGMA  # = F² D₊ c₊ / RT with the Donnan c₊
        resistance = (
            2 * rt / (F * F * i0 / F)
            + (THICKNESS_UM - 1.0) * 1e-6 / (T_PLUS * SIGMA)
            + 1e-6 / sigma_plus_layer
        )
        err_r = relative_error(abs(v_h) / current, resistance)
        print(
            f"laminate resistance {abs(v_h) / current:.6g} ohm m^2, formula {resistance:.6g} "
            f"(error {err_r:.1e}; c+ in the layer {c_plus_layer:.5g})"
        )
        assert err_r < 0.005
