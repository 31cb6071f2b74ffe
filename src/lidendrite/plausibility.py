"""Warnings about a valid configuration: what is likely to go wrong, and values in a wrong unit.

One pure function, :func:`config_warnings`, used by ``lidendrite check`` (printed) and by every
run (printed, written to ``run.log`` and saved in ``status.json`` under ``warnings``). A
warning never stops anything; errors are the job of :mod:`lidendrite.config`.

Two kinds:

- physics: depletion above i_lim (with Sand's time), E_a = 0 away from T_ref, no capillarity,
  poor resolution of the anode shape, plated Li thicker than the gap to the counter electrode,
  output interval longer than the run;
- plausibility: numbers that look like the wrong unit — a current density of 0.3 A/m² (meant
  0.3 mA/cm² = 3 A/m²?), a length of ``10e-6`` in a ``_um`` key (metres?), a concentration
  in mol/L, a conductivity in mS/cm — with the conversion in the message.

Pure Python; no mesh, no DOLFINx.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from lidendrite.config import Config, config_to_dict
from lidendrite.config.schema import protocol_steps

__all__ = [
    "applicable_derived",
    "config_warnings",
    "plated_thickness_max_um",
    "unit_warnings",
]

#: 1 mA/cm² in A/m².
MA_PER_CM2 = 10.0


def _walk(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted key, value) of every leaf of nested dicts and lists."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            yield from _walk(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _walk(value, f"{prefix}[{i}]")
    else:
        yield prefix, data


def unit_warnings(cfg: Config) -> list[str]:
    """Values that look like they were written in another unit than the key's."""
    out = []
    for key, value in _walk(config_to_dict(cfg)):
        if isinstance(value, bool) or not isinstance(value, int | float) or value == 0:
            continue
        if key.endswith("_um") and abs(value) < 1e-3:
            out.append(
                f"{key} = {value:g} um is below 1 nm: lengths in '_um' keys are micrometres; "
                f"if you meant {value:g} m, write {value * 1e6:g} (1 m = 1e6 um)"
            )
        if key.endswith("current_density_A_per_m2") and "exchange" not in key:
            if abs(value) < 1.0:
                out.append(
                    f"{key} = {value:g} A/m^2 = {value / MA_PER_CM2:g} mA/cm^2 is unusually low "
                    f"for Li plating; if you meant {value:g} mA/cm^2, write "
                    f"{value * MA_PER_CM2:g} (1 mA/cm^2 = 10 A/m^2)"
                )
            elif abs(value) > 1e4:
                out.append(
                    f"{key} = {value:g} A/m^2 = {value / MA_PER_CM2:g} mA/cm^2 is unusually high; "
                    "current densities are in A/m^2 (1 mA/cm^2 = 10 A/m^2)"
                )
    kin = cfg.kinetics.exchange_current_density_A_per_m2
    if kin is not None and 0 < kin < 0.01:
        out.append(
            f"kinetics.exchange_current_density_A_per_m2 = {kin:g} A/m^2 is unusually low; if "
            f"you meant {kin:g} mA/cm^2, write {kin * MA_PER_CM2:g} (1 mA/cm^2 = 10 A/m^2)"
        )
    c0 = cfg.electrolyte.salt_concentration_mol_per_m3
    if 0 < c0 < 10.0:
        out.append(
            f"electrolyte.salt_concentration_mol_per_m3 = {c0:g} mol/m^3 = {c0 / 1000:g} M; if "
            f"you meant {c0:g} mol/L, write {c0 * 1000:g} (1 M = 1000 mol/m^3)"
        )
    sigma = cfg.electrolyte.conductivity_S_per_m
    if sigma is not None and sigma > 100.0:
        out.append(
            f"electrolyte.conductivity_S_per_m = {sigma:g} S/m = {sigma * 10:g} mS/cm is higher "
            "than any Li electrolyte; if you meant mS/cm, divide by 10 (1 mS/cm = 0.1 S/m)"
        )
    return out


def plated_thickness_max_um(cfg: Config) -> float:
    """Largest net Li thickness plated at any time of the protocol (Faraday), in µm."""
    if cfg.operation.mode != "galvanostatic":
        return 0.0
    from lidendrite.constants import FARADAY_C_PER_MOL

    omega = cfg.kinetics.molar_volume_m3_per_mol
    charge = peak = 0.0
    for step in protocol_steps(cfg):
        charge += (step.current_density_A_per_m2 or 0.0) * step.duration_s
        peak = max(peak, charge)
    return peak * omega / FARADAY_C_PER_MOL * 1e6


def _pattern_warnings(cfg: Config) -> list[str]:
    """Surface patterns the anode mesh cannot resolve, and patches outside the cell."""
    out = []
    h, w = cfg.mesh.size_at_anode_um, cfg.cell.width_um
    for i, p in enumerate(cfg.kinetics.patterns):
        key = f"kinetics.patterns[{i}]"
        if p.kind == "sinusoid" and h > p.wavelength_um / 10:
            out.append(
                f"{key}.wavelength_um = {p.wavelength_um:g}: fewer than 10 elements per "
                f"wavelength (mesh.size_at_anode_um = {h:g})"
            )
        elif p.kind == "random" and h > p.correlation_um / 2:
            out.append(
                f"{key}.correlation_um = {p.correlation_um:g}: fewer than 2 elements per "
                f"correlation length (mesh.size_at_anode_um = {h:g})"
            )
        for j, seg in enumerate(getattr(p, "segments", ())):
            x0, x1 = seg.x_um
            if x1 <= 0 or x0 >= w:
                out.append(f"{key}.segments[{j}].x_um = [{x0:g}, {x1:g}]: outside the cell")
            elif x1 - x0 < 2 * h:
                out.append(
                    f"{key}.segments[{j}].x_um = [{x0:g}, {x1:g}]: narrower than 2 elements "
                    f"(mesh.size_at_anode_um = {h:g})"
                )
    return out


def _region_warnings(cfg: Config) -> list[str]:
    """Butler–Volmer's transfer coefficients against several regions or fixed anions."""
    kin = cfg.kinetics
    a_sum = kin.alpha_anodic + kin.alpha_cathodic
    several = bool(cfg.materials) or cfg.electrolyte.fixed_anion_concentration_mol_per_m3 > 0
    if abs(a_sum - 1.0) > 1e-12 and several:
        return [
            f"kinetics.alpha_anodic + alpha_cathodic = {a_sum:g} != 1: the seed form of "
            "Butler-Volmer is then not at rest when the Li+ concentration at the surface differs "
            "from c_ref (open-circuit offsets of (1 - a_sum)/a_sum * (RT/F) ln(c+/c_ref)); use "
            "a sum of 1 with fixed anions or several regions"
        ]
    return []


def config_warnings(cfg: Config, derived: Mapping[str, tuple[float, str, str]]) -> list[str]:
    """Problems worth knowing before a run: depletion, ill-posedness, resolution, units.

    Args:
        cfg: Validated configuration.
        derived: Its :func:`~lidendrite.materials.derived_quantities` (``Case.derived``).

    Returns:
        One line per warning (empty when nothing stands out).
    """
    out = unit_warnings(cfg)
    if cfg.kinetics.surface_energy_J_per_m2 == 0:
        out.append(
            "kinetics.surface_energy_J_per_m2 = 0: without capillarity the moving-boundary "
            "problem is ill-posed at short wavelengths (growth rate does not fall at large "
            "wavenumber); results will depend on the mesh"
        )
    if "current_ratio" in derived and derived["current_ratio"][0] >= 1:
        ratio, sand = derived["current_ratio"][0], derived["sand_time"][0]
        out.append(
            f"i/i_lim = {ratio:.3g} >= 1: the cell will deplete at the plating electrode; "
            f"Sand's time ~ {sand:.3g} s (protocol {cfg.total_duration_s:.3g} s)"
            + ("; the run stops there" if cfg.operation.stop_on_depletion else "")
        )
    out += _region_warnings(cfg)
    el = cfg.electrolyte
    if (
        el.activation_energy_eV == 0
        and abs(cfg.operation.temperature_K - el.reference_temperature_K) > 1
    ):
        out.append(
            f"electrolyte.activation_energy_eV = 0 at T = {cfg.operation.temperature_K:g} K: "
            f"transport properties keep their {el.reference_temperature_K:g} K values"
        )
    anode, h = cfg.cell.anode, cfg.mesh.size_at_anode_um
    if anode.shape == "defect" and h > anode.defect_radius_um / 3:
        out.append(
            f"mesh.size_at_anode_um = {h:g}: fewer than 3 elements across the defect radius "
            f"({anode.defect_radius_um:g} um)"
        )
    if anode.shape == "sinusoid" and h > anode.wavelength_um / 10:
        out.append(
            f"mesh.size_at_anode_um = {h:g}: fewer than 10 elements per wavelength "
            f"({anode.wavelength_um:g} um)"
        )
    out += _pattern_warnings(cfg)
    per_lambda = derived.get("elements_per_neutral_wavelength")
    if cfg.numerics.moving_boundary and per_lambda is not None:
        from lidendrite.stability import MIN_ELEMENTS_PER_NEUTRAL_WAVELENGTH as need

        if per_lambda[0] < need:
            lam = derived["neutral_wavelength"][0]
            out.append(
                f"mesh.size_at_anode_um = {h:g}: {per_lambda[0]:.2g} elements on the neutral "
                f"wavelength ({lam:.3g} um; fastest growing "
                f"{derived['fastest_wavelength'][0]:.3g} um): shapes below a few wavelengths "
                f"depend on the mesh; use size_at_anode_um <= {lam / need:.2g} for "
                f"{need:g} elements per wavelength"
            )
    plated = plated_thickness_max_um(cfg)
    gap = cfg.cell.membrane_thickness_um or cfg.cell.thickness_um
    if plated > gap:
        out.append(
            f"up to {plated:.3g} um of Li is plated (Faraday) but the gap to the counter "
            f"electrode is {gap:g} um: a protrusion will reach it (short circuit) before the end"
            + ("" if cfg.numerics.moving_boundary else " in a real cell (the boundary is fixed)")
        )
    every = cfg.output.every_s
    if every is not None and every > cfg.total_duration_s:
        out.append(
            f"output.every_s = {every:g}: longer than the protocol ({cfg.total_duration_s:g} s); "
            "only the first and last frames are written"
        )
    return out


def applicable_derived(
    derived: Mapping[str, tuple[float, str, str]],
) -> dict[str, tuple[float, str, str]]:
    """The derived quantities that apply: Sand's time only for a cell that can deplete."""
    out = dict(derived)
    ratio = out.get("current_ratio")
    if "sand_time" in out and (
        ratio is None or ratio[0] < 1 or not math.isfinite(out["sand_time"][0])
    ):
        del out["sand_time"]
    return out
