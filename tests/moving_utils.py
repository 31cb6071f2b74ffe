"""Shared helpers of the moving-boundary tests: configs, runs, result files and references.

The references here are written from the physics (Faraday's law, the steady binary-salt cell,
Butler-Volmer kinetics, the linear stability of a flat Li surface) with their own constants, and
use nothing of the solver, so that a test compares the solver with an independent computation.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mpi4py import MPI

import numpy as np

from lidendrite.config import config_from_dict
from lidendrite.io.frames import list_frames, read_frame
from lidendrite.simulation import RunResult, run
from validation_utils import merge

# Reference constants, as given in the physics notes (not read from the package).
FARADAY_C_PER_MOL = 96485.33212
GAS_CONSTANT_J_PER_MOL_K = 8.314462618
LI_MOLAR_VOLUME_M3_PER_MOL = 6.94e-3 / 534.0  # M / rho of Li metal

# Cl-Li-G62 as measured (sigma at 25 C, t+); c0 = 1 M is the preset's assumption.
G62_CONDUCTIVITY_S_PER_M = 6.11e-4 * 100.0
G62_TRANSFERENCE_NUMBER = 0.80
SALT_CONCENTRATION_MOL_PER_M3 = 1000.0
TEMPERATURE_K = 298.15


# --------------------------------------------------------------------------------------------
# Configurations and runs
# --------------------------------------------------------------------------------------------


def moving_cell(**changes: Any) -> dict[str, Any]:
    """Config of a small Li|Cl-Li-G62|Li cell with a moving anode; ``changes`` are merged in."""
    base = {
        "title": "moving boundary test",
        "cell": {
            "width_um": 2.0,
            "thickness_um": 4.0,
            "counter_electrode": "lithium",
            "anode": {"shape": "flat"},
        },
        "mesh": {"size_at_anode_um": 0.2, "size_bulk_um": 0.5, "grading_distance_um": 1.0},
        "electrolyte": {"preset": "Cl-Li-G62"},
        "operation": {"temperature_K": TEMPERATURE_K},
        "numerics": {"moving_boundary": True, "dt_max_s": 1.0},
        "output": {"vtx": False, "progress_every_s": 0.0},
    }
    return merge(base, changes)


def remeshing_defect_cell(
    *,
    current_A_per_m2: float,
    duration_s: float,
    remesh_min_quality: float = 0.68,
    counter: str = "lithium",
    **changes: Any,
) -> dict[str, Any]:
    """A 3 um x 3 um cell with a 0.8 um Li defect that plates fast enough to remesh repeatedly.

    The case the remeshing, MPI, checkpoint and engine tests share; ``changes`` are merged in.
    """
    base = moving_cell(
        cell={
            "width_um": 3.0,
            "thickness_um": 3.0,
            "counter_electrode": counter,
            "anode": {"shape": "defect", "defect_radius_um": 0.8},
        },
        mesh={"size_at_anode_um": 0.1, "size_bulk_um": 0.5, "grading_distance_um": 1.5},
        operation={"current_density_A_per_m2": current_A_per_m2, "duration_s": duration_s},
        numerics={"dt_max_s": 1.0, "remesh_min_quality": remesh_min_quality},
        output={"every_s": duration_s},
    )
    return merge(base, changes)


def shared_dir(comm: MPI.Comm, path: Path) -> Path:
    """Rank 0's ``path`` on every rank (each rank gets its own ``tmp_path`` under pytest)."""
    return Path(comm.bcast(str(path), root=0))


@dataclass
class RunOutput:
    """What a finished run left behind, identical on every rank."""

    result: RunResult
    status: dict[str, Any]
    metrics: dict[str, np.ndarray]
    out_dir: Path

    @property
    def final(self) -> dict[str, float]:
        """The last row of ``metrics.csv``."""
        return {k: float(v[-1]) for k, v in self.metrics.items()}


def read_metrics(path: Path) -> dict[str, np.ndarray]:
    """Columns of a ``metrics.csv`` as float arrays (empty cells become NaN)."""
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        return {}
    return {
        key: np.array([float(r[key]) if r[key] != "" else math.nan for r in rows])
        for key in rows[0]
    }


def run_case(config: Mapping[str, Any], out_dir: Path, comm: MPI.Comm) -> RunOutput:
    """Run ``config`` into ``out_dir`` (collective) and read its results on every rank."""
    result = run(config_from_dict(config), out_dir, comm)
    comm.barrier()
    files = None
    if comm.rank == 0:
        status = json.loads((out_dir / "status.json").read_text())
        files = (status, read_metrics(out_dir / "metrics.csv"))
    status, metrics = comm.bcast(files, root=0)
    return RunOutput(result, status, metrics, out_dir)


def anode_mode_amplitudes(
    out_dir: Path, comm: MPI.Comm, width_um: float, wavelength_um: float
) -> tuple[np.ndarray, np.ndarray]:
    """Times (s) and cosine-mode amplitudes (µm) of the anode in every frame of a run."""
    data = None
    if comm.rank == 0:
        times, amps = [], []
        for path in list_frames(out_dir):
            frame = read_frame(path)
            times.append(frame.time_s)
            amps.append(mode_amplitude_um(frame.boundaries["anode"], width_um, wavelength_um))
        data = (np.array(times), np.array(amps))
    return comm.bcast(data, root=0)


# --------------------------------------------------------------------------------------------
# References
# --------------------------------------------------------------------------------------------


def faraday_thickness_um(current_density_A_per_m2: float, time_s: float) -> float:
    """Thickness of Li plated by a uniform current in ``time_s``: i Ω t / F, in µm."""
    return current_density_A_per_m2 * LI_MOLAR_VOLUME_M3_PER_MOL * time_s / FARADAY_C_PER_MOL * 1e6


def mode_amplitude_um(xy: np.ndarray, width_um: float, wavelength_um: float) -> float:
    """Amplitude a of the mode a·cos(kx) of a polyline: (2/W) ∫ (y − ȳ) cos(kx) dx (trapezoid)."""
    x, y = xy[:, 0], xy[:, 1]
    mean = np.trapezoid(y, x) / width_um
    k = 2.0 * np.pi / wavelength_um
    return float(2.0 / width_um * np.trapezoid((y - mean) * np.cos(k * x), x))


def fitted_growth_rate_per_s(times_s: np.ndarray, amplitudes: np.ndarray, t_min_s: float) -> float:
    """Least-squares slope of log|a| against t for t ≥ ``t_min_s``."""
    keep = times_s >= t_min_s
    return float(np.polyfit(times_s[keep], np.log(np.abs(amplitudes[keep])), 1)[0])


def binary_salt_diffusivities(
    conductivity_S_per_m: float,
    transference_number: float,
    concentration_mol_per_m3: float,
    temperature_K: float,
) -> tuple[float, float, float]:
    """Nernst-Einstein D+, D- and the ambipolar salt D = 2 D+ D- / (D+ + D-), in m²/s."""
    scale = (
        conductivity_S_per_m
        * GAS_CONSTANT_J_PER_MOL_K
        * temperature_K
        / (FARADAY_C_PER_MOL**2 * concentration_mol_per_m3)
    )
    d_plus = transference_number * scale
    d_minus = (1.0 - transference_number) * scale
    return d_plus, d_minus, 2.0 * d_plus * d_minus / (d_plus + d_minus)


def butler_volmer_partial_currents(
    current_density_A_per_m2: float,
    exchange_current_density_A_per_m2: float,
    concentration_ratio: float,
    alpha_anodic: float,
    alpha_cathodic: float,
    temperature_K: float,
) -> tuple[float, float, float]:
    """Cathodic and anodic partial currents and η (V) with i_c − i_a = i (plating > 0).

    i_c = i₀ (c/c₀) exp(−α_c f η), i_a = i₀ exp(α_a f η), f = F/RT; η by bisection (i_c − i_a
    falls monotonically with η).
    """
    f = FARADAY_C_PER_MOL / (GAS_CONSTANT_J_PER_MOL_K * temperature_K)
    i0 = exchange_current_density_A_per_m2

    def net(eta: float) -> float:
        return (
            i0 * concentration_ratio * math.exp(-alpha_cathodic * f * eta)
            - i0 * math.exp(alpha_anodic * f * eta)
            - current_density_A_per_m2
        )

    lo, hi = -5.0, 5.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if net(mid) > 0.0:
            lo = mid
        else:
            hi = mid
    eta = 0.5 * (lo + hi)
    i_c = i0 * concentration_ratio * math.exp(-alpha_cathodic * f * eta)
    i_a = i0 * math.exp(alpha_anodic * f * eta)
    return i_c, i_a, eta


def linear_growth_rate_per_s(
    wavelength_um: float,
    *,
    current_density_A_per_m2: float,
    exchange_current_density_A_per_m2: float,
    surface_energy_J_per_m2: float,
    thickness_um: float,
    conductivity_S_per_m: float = G62_CONDUCTIVITY_S_PER_M,
    transference_number: float = G62_TRANSFERENCE_NUMBER,
    concentration_mol_per_m3: float = SALT_CONCENTRATION_MOL_PER_M3,
    alpha_anodic: float = 0.5,
    alpha_cathodic: float = 0.5,
    temperature_K: float = TEMPERATURE_K,
) -> float:
    """Growth rate ω(k) of a perturbation a·cos(kx) of a flat plating surface (binary salt).

    Quasi-steady linear stability about the steady symmetric cell. The anions are at rest
    (ln c − Fφ/RT uniform), so the salt obeys Laplace's equation with the surface current
    i = 2 F D₊ ∂c/∂n and the base gradient G = i / (2 F D₊). A perturbation c₁ ∝ sinh(k(δ − y))
    gives ∂c₁/∂y = −k̃ c₁ with k̃ = k coth(kδ). Linearising Butler-Volmer (with the Gibbs-Thomson
    shift γΩκ/F, κ = a k² cos kx) at the surface concentration c_s gives
    δi = K' (G a + c₁) − i_η (γΩ/RT) k² a, K' = (i_c + i_η)/c_s, i_η = α_c i_c + α_a i_a,
    and the surface moves at Ω δi / F, hence

        ω = Ω D₊ k̃ [K G_u − i_η (γΩ/RT) k²] / (F D₊ k̃ + K),  G_u = i/(F D₊), K = K'/2,

    which is the formula of the physics notes for c_f = 0. δ is the cell thickness.
    """
    F, R = FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K
    omega = LI_MOLAR_VOLUME_M3_PER_MOL
    i = current_density_A_per_m2
    d_plus, _, d_salt = binary_salt_diffusivities(
        conductivity_S_per_m, transference_number, concentration_mol_per_m3, temperature_K
    )
    thickness = thickness_um * 1e-6
    c_s = concentration_mol_per_m3 - (1.0 - transference_number) * i * thickness / (
        2.0 * F * d_salt
    )
    i_c, i_a, _ = butler_volmer_partial_currents(
        i,
        exchange_current_density_A_per_m2,
        c_s / concentration_mol_per_m3,
        alpha_anodic,
        alpha_cathodic,
        temperature_K,
    )
    i_eta = alpha_cathodic * i_c + alpha_anodic * i_a
    big_k = (i_c / c_s + i_eta / c_s) / 2.0
    g_u = i / (F * d_plus)
    k = 2.0 * math.pi / (wavelength_um * 1e-6)
    k_tilde = k / math.tanh(k * thickness)
    capillary = i_eta * surface_energy_J_per_m2 * omega / (R * temperature_K) * k**2
    return omega * d_plus * k_tilde * (big_k * g_u - capillary) / (F * d_plus * k_tilde + big_k)
