"""Run configuration: YAML -> validated, frozen, typed dataclasses.

Every field carries its allowed range in ``field(metadata=...)``; :func:`config_from_dict`
checks types and ranges generically from the annotations and that metadata, then runs the
cross-field checks (the defect fits in the cell, ``dt_min < dt_initial <= dt_max``, ...).
Every problem is reported as a one-line :class:`~lidendrite.errors.ConfigError` naming the
dotted key, the offending value and what is allowed, e.g.::

    cell.widht_um: unknown key (did you mean 'width_um'?)
    electrolyte.transference_number = 1.3: must be in (0, 1]

The returned :class:`Config` is fully resolved: an electrolyte preset has filled in the
conductivity, transference number and activation energy the user did not give, the exchange
current density is a number, ``output.every_s`` and ``cell.anode.defect_x_um`` are numbers.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import hashlib
import json
import math
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

import yaml

from lidendrite import constants
from lidendrite.errors import ConfigError
from lidendrite.presets import DEFAULT_EXCHANGE_CURRENT_DENSITY_A_PER_M2, get_preset

__all__ = [
    "AnodeConfig",
    "CellConfig",
    "Config",
    "DEFAULT_EXCHANGE_CURRENT_DENSITY_A_PER_M2",
    "ElectrolyteConfig",
    "KineticsConfig",
    "MeshConfig",
    "NumericsConfig",
    "OperationConfig",
    "OutputConfig",
    "ProtocolStep",
    "apply_override",
    "config_from_dict",
    "config_hash",
    "config_to_dict",
    "load_config",
    "protocol_steps",
]

#: Number of output frames over the protocol when ``output.every_s`` is not given.
DEFAULT_FRAME_COUNT = 40


def _f(
    default: Any = dataclasses.MISSING,
    *,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    factory: Any = dataclasses.MISSING,
    doc: str = "",
    special: Mapping[float, str] | None = None,
) -> Any:
    """A dataclass field with its allowed range kept next to it.

    Args:
        default: Default value (omit for a required field).
        gt: Exclusive lower bound.
        ge: Inclusive lower bound.
        lt: Exclusive upper bound.
        le: Inclusive upper bound.
        factory: Default factory (for nested sections).
        doc: One-line description, with units.
        special: Values that get an extra explanation when rejected.
    """
    meta = {"gt": gt, "ge": ge, "lt": lt, "le": le, "doc": doc, "special": special or {}}
    if factory is not dataclasses.MISSING:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnodeConfig:
    """Initial shape of the plating (Li) electrode surface."""

    shape: Literal["flat", "defect", "sinusoid", "rough"] = _f("flat", doc="surface shape")
    defect_radius_um: float = _f(
        0.5, gt=0, doc="radius of the (filleted) circular Li protrusion, um"
    )
    defect_x_um: float | None = _f(None, gt=0, doc="centre of the defect, um (None = centre)")
    amplitude_um: float = _f(0.1, ge=0, doc="sinusoid amplitude, um")
    wavelength_um: float = _f(1.0, gt=0, doc="sinusoid wavelength, um")
    rms_um: float = _f(0.05, ge=0, doc="RMS height of a rough surface, um")
    correlation_um: float = _f(0.5, gt=0, doc="correlation length of a rough surface, um")
    seed: int = _f(0, ge=0, doc="random seed of a rough surface")


@dataclass(frozen=True)
class CellConfig:
    """The 2-D cell: plating electrode at the bottom, counter electrode at the top."""

    width_um: float = _f(5.0, gt=0, doc="cell width, um")
    thickness_um: float = _f(3.0, gt=0, doc="plating electrode to counter electrode, um")
    sides: Literal["insulating", "periodic"] = _f(
        "insulating", doc="side walls: insulating (mirror) or periodic"
    )
    counter_electrode: Literal["lithium", "reservoir"] = _f(
        "lithium", doc="Li metal, or a bulk-electrolyte reservoir at c0"
    )
    anode: AnodeConfig = _f(factory=AnodeConfig)


@dataclass(frozen=True)
class MeshConfig:
    """Target element sizes of the Gmsh mesh."""

    size_at_anode_um: float = _f(0.05, gt=0, doc="element size at the plating electrode, um")
    size_bulk_um: float = _f(0.25, gt=0, doc="element size far from it, um")
    grading_distance_um: float = _f(1.0, gt=0, doc="distance over which the size grows, um")


@dataclass(frozen=True)
class ElectrolyteConfig:
    """Binary-salt electrolyte: either (conductivity, transference number) or diffusivities."""

    preset: str | None = _f(None, doc="name of an electrolyte preset (lidendrite presets)")
    conductivity_S_per_m: float | None = _f(None, gt=0, doc="ionic conductivity at T_ref, S/m")
    transference_number: float | None = _f(
        None,
        gt=0,
        le=1,
        doc="Li+ transference number (1: single-ion conductor, the anions do not move)",
    )
    salt_concentration_mol_per_m3: float = _f(1000.0, gt=0, doc="salt concentration c0, mol/m^3")
    activation_energy_eV: float = _f(0.0, ge=0, lt=2, doc="Arrhenius activation energy, eV")
    reference_temperature_K: float = _f(298.15, gt=0, doc="temperature of the given values, K")
    diffusivity_cation_m2_per_s: float | None = _f(None, gt=0, doc="Li+ diffusivity at T_ref")
    diffusivity_anion_m2_per_s: float | None = _f(None, gt=0, doc="anion diffusivity at T_ref")


@dataclass(frozen=True)
class KineticsConfig:
    """Butler-Volmer kinetics and capillarity of the Li/electrolyte interface."""

    exchange_current_density_A_per_m2: float | None = _f(
        None, gt=0, doc="i0 at T_ref, A/m^2 (None: from the preset, else 10)"
    )
    alpha_anodic: float = _f(0.5, gt=0, le=1, doc="anodic transfer coefficient")
    alpha_cathodic: float = _f(0.5, gt=0, le=1, doc="cathodic transfer coefficient")
    activation_energy_eV: float = _f(0.0, ge=0, lt=2, doc="Arrhenius activation energy of i0")
    reference_temperature_K: float = _f(298.15, gt=0, doc="temperature of i0, K")
    surface_energy_J_per_m2: float = _f(0.5, ge=0, doc="Li/electrolyte surface energy")
    molar_volume_m3_per_mol: float = _f(
        constants.LI_MOLAR_VOLUME_M3_PER_MOL, gt=0, doc="molar volume of Li metal"
    )


@dataclass(frozen=True, kw_only=True)
class ProtocolStep:
    """One step of the operating protocol.

    Galvanostatic steps give ``current_density_A_per_m2`` (plating > 0, stripping < 0, 0 = rest);
    potentiostatic steps give ``voltage_V``, the potential of the plating electrode relative to
    the counter electrode (negative plates Li).
    """

    current_density_A_per_m2: float | None = _f(None, doc="applied current density, A/m^2")
    voltage_V: float | None = _f(None, doc="plating electrode vs counter electrode, V")
    duration_s: float = _f(gt=0, doc="step duration, s")


def _default_protocol() -> tuple[ProtocolStep, ...]:
    # Seed 002's finite-element model plates at 0.3 mA/cm^2 = 3 A/m^2.
    return (ProtocolStep(current_density_A_per_m2=3.0, duration_s=600.0),)


@dataclass(frozen=True)
class OperationConfig:
    """How the cell is driven."""

    mode: Literal["galvanostatic", "potentiostatic"] = _f("galvanostatic", doc="control mode")
    temperature_K: float = _f(298.15, gt=200, lt=500, doc="cell temperature, K")
    protocol: tuple[ProtocolStep, ...] = _f(factory=_default_protocol, doc="protocol steps")
    repeat: int = _f(1, ge=1, doc="number of times the protocol is run")
    stop_on_depletion: bool = _f(True, doc="stop when the plating surface depletes")
    depletion_threshold: float = _f(
        1e-3, gt=0, lt=1, doc="surface concentration / c0 counted as depleted"
    )


@dataclass(frozen=True)
class NumericsConfig:
    """Time stepping, nonlinear solver and moving-boundary settings."""

    time_scheme: Literal["bdf1", "bdf2"] = _f("bdf2", doc="time integration scheme")
    dt_initial_s: float = _f(1e-3, gt=0, doc="first time step, s")
    dt_min_s: float = _f(1e-9, gt=0, doc="smallest time step before giving up, s")
    dt_max_s: float = _f(60.0, gt=0, doc="largest time step, s")
    dt_growth_max: float = _f(2.0, gt=1, le=10, doc="largest dt growth factor per step")
    target_newton_iterations: int = _f(4, ge=1, le=20, doc="Newton iterations aimed at")
    max_concentration_change: float = _f(0.05, gt=0, le=1, doc="relative change of c per step")
    solver: Literal["direct", "iterative"] = _f("direct", doc="linear solver")
    newton_rtol: float = _f(1e-10, gt=0, lt=1, doc="Newton relative tolerance")
    newton_atol: float = _f(1e-12, gt=0, doc="Newton absolute tolerance")
    newton_max_iterations: int = _f(25, ge=1, doc="Newton iteration limit")
    moving_boundary: bool = _f(False, doc="move the Li surface (ALE + remeshing)")
    mesh_motion: Literal["harmonic", "elastic"] = _f("harmonic", doc="mesh displacement smoother")
    remesh_min_quality: float = _f(0.3, gt=0, lt=1, doc="remesh below this element quality")
    short_circuit_distance_um: float = _f(0.1, gt=0, doc="stop when Li gets this close, um")


@dataclass(frozen=True)
class OutputConfig:
    """What is written, and how often."""

    dir: str = _f("results/run", doc="output directory")
    every_s: float | None = _f(None, gt=0, doc="simulated seconds between frames (None: 40)")
    vtx: bool = _f(True, doc="also write VTX/ADIOS2 .bp files")
    progress_every_s: float = _f(2.0, ge=0, doc="wall-clock seconds between progress lines")


@dataclass(frozen=True)
class Config:
    """A complete, validated run configuration."""

    title: str = _f("lidendrite run", doc="free-text title")
    cell: CellConfig = _f(factory=CellConfig)
    mesh: MeshConfig = _f(factory=MeshConfig)
    electrolyte: ElectrolyteConfig = _f(factory=ElectrolyteConfig)
    kinetics: KineticsConfig = _f(factory=KineticsConfig)
    operation: OperationConfig = _f(factory=OperationConfig)
    numerics: NumericsConfig = _f(factory=NumericsConfig)
    output: OutputConfig = _f(factory=OutputConfig)

    @property
    def total_duration_s(self) -> float:
        """Duration of the whole protocol including repeats, s."""
        return self.operation.repeat * sum(s.duration_s for s in self.operation.protocol)


def protocol_steps(cfg: Config) -> list[ProtocolStep]:
    """The protocol expanded by ``operation.repeat``, in the order it is run."""
    return list(cfg.operation.protocol) * cfg.operation.repeat


# --------------------------------------------------------------------------------------------
# Generic validation
# --------------------------------------------------------------------------------------------

#: Keys of ``operation`` that define a one-step protocol.
_SHORTHAND = ("current_density_A_per_m2", "voltage_V", "duration_s")
_ELECTROLYTE_SIGMA = ("conductivity_S_per_m", "transference_number")
_ELECTROLYTE_D = ("diffusivity_cation_m2_per_s", "diffusivity_anion_m2_per_s")


def _show(value: Any) -> str:
    """A value as it appears in a message."""
    if isinstance(value, float):
        return f"{value:g}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _unknown_key(path: str, key: Any, allowed: Sequence[str]) -> ConfigError:
    where = _join(path, str(key))
    close = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
    if close:
        return ConfigError(f"{where}: unknown key (did you mean '{close[0]}'?)")
    return ConfigError(f"{where}: unknown key (allowed: {', '.join(allowed)})")


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _range_text(meta: Mapping[str, Any]) -> str | None:
    lo = ("(", meta["gt"]) if meta.get("gt") is not None else ("[", meta.get("ge"))
    hi = (")", meta["lt"]) if meta.get("lt") is not None else ("]", meta.get("le"))
    if lo[1] is not None and hi[1] is not None:
        return f"in {lo[0]}{lo[1]:g}, {hi[1]:g}{hi[0]}"
    if lo[1] is not None:
        return f"{'>' if lo[0] == '(' else '>='} {lo[1]:g}"
    if hi[1] is not None:
        return f"{'<' if hi[0] == ')' else '<='} {hi[1]:g}"
    return None


def _check_range(value: float, meta: Mapping[str, Any], path: str) -> None:
    ok = (
        (meta.get("gt") is None or value > meta["gt"])
        and (meta.get("ge") is None or value >= meta["ge"])
        and (meta.get("lt") is None or value < meta["lt"])
        and (meta.get("le") is None or value <= meta["le"])
    )
    if not ok:
        message = f"{path} = {_show(value)}: must be {_range_text(meta)}"
        note = meta.get("special", {}).get(value)
        raise ConfigError(f"{message}; {note}" if note else message)


def _coerce(value: Any, tp: Any, path: str, meta: Mapping[str, Any]) -> Any:
    """Check ``value`` against the annotation ``tp`` and the range in ``meta``."""
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _coerce(value, args[0], path, meta)
    if origin is Literal:
        choices = typing.get_args(tp)
        if value not in choices or not isinstance(value, str):
            allowed = ", ".join(repr(c) for c in choices)
            raise ConfigError(f"{path} = {_show(value)}: must be one of {allowed}")
        return value
    if origin is tuple:
        (item_type, _ellipsis) = typing.get_args(tp)
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{path} = {_show(value)}: expected a list")
        return tuple(_build(item_type, v, f"{path}[{i}]") for i, v in enumerate(value))
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, path)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{path} = {_show(value)}: expected true or false")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{path} = {_show(value)}: expected a number")
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError(f"{path} = {_show(value)}: must be a finite number")
        _check_range(value, meta, path)
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{path} = {_show(value)}: expected an integer")
        _check_range(value, meta, path)
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{path} = {_show(value)}: expected a string")
        return value
    raise TypeError(f"unsupported annotation {tp!r} of {path}")  # pragma: no cover


def _as_mapping(raw: Any, path: str) -> Mapping[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path or 'config'} = {_show(raw)}: expected a mapping of keys")
    return raw


def _build(cls: type, raw: Any, path: str, extra_keys: Sequence[str] = ()) -> Any:
    """Build dataclass ``cls`` from a raw mapping, checking keys, types and ranges."""
    raw = _as_mapping(raw, path)
    names = [f.name for f in fields(cls)]
    for key in raw:
        if key not in names and key not in extra_keys:
            raise _unknown_key(path, key, names + list(extra_keys))
    hints = _hints(cls)
    kwargs = {}
    for f in fields(cls):
        if f.name in raw:
            kwargs[f.name] = _coerce(raw[f.name], hints[f.name], _join(path, f.name), f.metadata)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(f"{_join(path, f.name)}: missing (required)")
    return cls(**kwargs)


# --------------------------------------------------------------------------------------------
# Resolution and cross-field checks
# --------------------------------------------------------------------------------------------


def _given(raw: Mapping[str, Any], key: str) -> bool:
    return raw.get(key) is not None


def _resolve_electrolyte(el: ElectrolyteConfig, raw: Mapping[str, Any]) -> ElectrolyteConfig:
    sigma_keys = [k for k in _ELECTROLYTE_SIGMA if _given(raw, k)]
    d_keys = [k for k in _ELECTROLYTE_D if _given(raw, k)]
    if el.preset is not None:
        preset = get_preset(el.preset)
        if d_keys:
            raise ConfigError(
                f"electrolyte.{d_keys[0]}: cannot be combined with electrolyte.preset "
                f"= '{preset.name}' (the preset gives conductivity_S_per_m and "
                "transference_number); remove the preset or the diffusivities"
            )
        return dataclasses.replace(
            el,
            preset=preset.name,
            conductivity_S_per_m=el.conductivity_S_per_m or preset.conductivity_S_per_m,
            transference_number=el.transference_number or preset.transference_number,
            activation_energy_eV=(
                el.activation_energy_eV
                if _given(raw, "activation_energy_eV")
                else preset.activation_energy_eV
            ),
        )
    if sigma_keys and d_keys:
        raise ConfigError(
            f"electrolyte: give either {' + '.join(_ELECTROLYTE_SIGMA)} or "
            f"{' + '.join(_ELECTROLYTE_D)}, not both (found {sigma_keys[0]} and {d_keys[0]})"
        )
    if not sigma_keys and not d_keys:
        raise ConfigError(
            "electrolyte: no transport properties; set electrolyte.preset "
            "(see 'lidendrite presets'), or conductivity_S_per_m + transference_number, "
            "or diffusivity_cation_m2_per_s + diffusivity_anion_m2_per_s"
        )
    for group, found in ((_ELECTROLYTE_SIGMA, sigma_keys), (_ELECTROLYTE_D, d_keys)):
        if found and len(found) < len(group):
            missing = next(k for k in group if k not in found)
            raise ConfigError(f"electrolyte.{missing}: missing; electrolyte.{found[0]} needs it")
    return el


def _resolve_kinetics(kin: KineticsConfig, el: ElectrolyteConfig) -> KineticsConfig:
    if kin.exchange_current_density_A_per_m2 is not None:
        return kin
    i0 = DEFAULT_EXCHANGE_CURRENT_DENSITY_A_PER_M2
    if el.preset is not None:
        preset_i0 = get_preset(el.preset).exchange_current_density_A_per_m2
        i0 = preset_i0 if preset_i0 is not None else i0
    return dataclasses.replace(kin, exchange_current_density_A_per_m2=i0)


def _check_cell(cell: CellConfig) -> CellConfig:
    a, w, t = cell.anode, cell.width_um, cell.thickness_um
    if cell.sides == "periodic" and a.shape == "sinusoid":
        periods = w / a.wavelength_um
        if abs(periods - round(periods)) > 1e-9 * max(1.0, periods):
            raise ConfigError(
                f"cell.anode.wavelength_um = {a.wavelength_um:g}: with periodic sides the cell "
                f"width ({w:g} um) must hold a whole number of wavelengths"
            )
    if a.shape == "defect":
        r = a.defect_radius_um
        if 2 * r >= w:
            raise ConfigError(
                f"cell.anode.defect_radius_um = {r:g}: the defect (diameter {2 * r:g} um) must "
                f"be narrower than the cell (cell.width_um = {w:g})"
            )
        if r >= t / 2:
            raise ConfigError(
                f"cell.anode.defect_radius_um = {r:g}: must be < cell.thickness_um / 2 = {t / 2:g}"
            )
        x = w / 2 if a.defect_x_um is None else a.defect_x_um
        if not r < x < w - r:
            raise ConfigError(
                f"cell.anode.defect_x_um = {x:g}: the defect must lie inside the cell, "
                f"in ({r:g}, {w - r:g}) (radius to width - radius)"
            )
    elif a.shape == "sinusoid":
        if a.amplitude_um >= t / 2:
            raise ConfigError(
                f"cell.anode.amplitude_um = {a.amplitude_um:g}: must be < "
                f"cell.thickness_um / 2 = {t / 2:g}"
            )
        if a.wavelength_um > w:
            raise ConfigError(
                f"cell.anode.wavelength_um = {a.wavelength_um:g}: must be <= cell.width_um = {w:g}"
            )
    elif a.shape == "rough" and a.rms_um >= t / 4:
        raise ConfigError(
            f"cell.anode.rms_um = {a.rms_um:g}: must be < cell.thickness_um / 4 = {t / 4:g}"
        )
    if cell.anode.defect_x_um is None:
        cell = dataclasses.replace(cell, anode=dataclasses.replace(cell.anode, defect_x_um=w / 2))
    return cell


def _check_mesh(mesh: MeshConfig, cell: CellConfig) -> None:
    if mesh.size_at_anode_um > mesh.size_bulk_um:
        raise ConfigError(
            f"mesh.size_at_anode_um = {mesh.size_at_anode_um:g}: must be <= "
            f"mesh.size_bulk_um = {mesh.size_bulk_um:g}"
        )
    if mesh.size_bulk_um > cell.thickness_um:
        raise ConfigError(
            f"mesh.size_bulk_um = {mesh.size_bulk_um:g}: must be <= "
            f"cell.thickness_um = {cell.thickness_um:g}"
        )


def _check_numerics(num: NumericsConfig) -> None:
    if num.dt_min_s >= num.dt_initial_s:
        raise ConfigError(
            f"numerics.dt_min_s = {num.dt_min_s:g}: must be < "
            f"numerics.dt_initial_s = {num.dt_initial_s:g}"
        )
    if num.dt_initial_s > num.dt_max_s:
        raise ConfigError(
            f"numerics.dt_initial_s = {num.dt_initial_s:g}: must be <= "
            f"numerics.dt_max_s = {num.dt_max_s:g}"
        )


def _check_steps(op: OperationConfig, step_paths: Sequence[str]) -> None:
    if not op.protocol:
        raise ConfigError("operation.protocol = []: must have at least one step")
    galvano = op.mode == "galvanostatic"
    need, other = (
        ("current_density_A_per_m2", "voltage_V")
        if galvano
        else ("voltage_V", "current_density_A_per_m2")
    )
    for step, path in zip(op.protocol, step_paths, strict=True):
        bad = getattr(step, other)
        if bad is not None:
            raise ConfigError(
                f"{path}.{other} = {_show(bad)}: {op.mode} steps take {need}, not {other} "
                f"(or set operation.mode: {'potentiostatic' if galvano else 'galvanostatic'})"
            )
        if getattr(step, need) is None:
            raise ConfigError(f"{path}.{need}: missing; {op.mode} steps need it")


def _build_operation(raw: Any) -> OperationConfig:
    raw = dict(_as_mapping(raw, "operation"))
    shorthand = {k: raw.pop(k) for k in _SHORTHAND if k in raw}
    if shorthand and "protocol" in raw:
        raise ConfigError(
            f"operation.{next(iter(shorthand))}: give either operation.protocol or the one-step "
            "shorthand (current_density_A_per_m2 or voltage_V, plus duration_s), not both"
        )
    op = _build(OperationConfig, raw, "operation", extra_keys=_SHORTHAND)
    if shorthand:
        step = _build(ProtocolStep, shorthand, "operation")
        op = dataclasses.replace(op, protocol=(step,))
        paths = ["operation"]
    else:
        if "protocol" not in raw and op.mode == "potentiostatic":
            raise ConfigError(
                "operation.protocol: missing; potentiostatic runs need steps with voltage_V "
                "(or operation.voltage_V + operation.duration_s)"
            )
        paths = [f"operation.protocol[{i}]" for i in range(len(op.protocol))]
    _check_steps(op, paths)
    return op


def config_from_dict(data: Mapping[str, Any], overrides: Sequence[str] = ()) -> Config:
    """Validate a configuration mapping and return the resolved :class:`Config`.

    Args:
        data: Parsed YAML (nested mappings); it is not modified.
        overrides: ``dotted.key=value`` strings applied first (see :func:`apply_override`).

    Returns:
        The frozen, fully resolved configuration.

    Raises:
        ConfigError: On the first unknown key, wrong type, out-of-range value or inconsistency.
    """
    data = copy.deepcopy(dict(_as_mapping(data, "")))
    for dotted in overrides:
        apply_override(data, dotted)
    names = [f.name for f in fields(Config)]
    for key in data:
        if key not in names:
            raise _unknown_key("", key, names)
    op = _build_operation(data.get("operation"))
    cfg = _build(Config, {k: v for k, v in data.items() if k != "operation"}, "")
    el_raw = _as_mapping(data.get("electrolyte"), "electrolyte")
    el = _resolve_electrolyte(cfg.electrolyte, el_raw)
    kin = _resolve_kinetics(cfg.kinetics, el)
    cell = _check_cell(cfg.cell)
    _check_mesh(cfg.mesh, cell)
    _check_numerics(cfg.numerics)
    cfg = dataclasses.replace(cfg, cell=cell, electrolyte=el, kinetics=kin, operation=op)
    if cfg.output.every_s is None:
        every = cfg.total_duration_s / DEFAULT_FRAME_COUNT
        cfg = dataclasses.replace(cfg, output=dataclasses.replace(cfg.output, every_s=every))
    return cfg


# --------------------------------------------------------------------------------------------
# YAML, overrides, serialisation
# --------------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """Safe YAML loader that also reads ``1e-3`` (no decimal point) as a float."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def _yaml_error(source: str, exc: yaml.YAMLError) -> ConfigError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return ConfigError(f"{source}: invalid YAML{where}: {problem}")


def _schema_child(tp: Any, key: str, path: str) -> Any:
    """The annotation of ``key`` inside the section annotated ``tp`` (for override paths)."""
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        tp = next(a for a in typing.get_args(tp) if a is not type(None))
    if not dataclasses.is_dataclass(tp):
        raise ConfigError(
            f"{_join(path, key)}: {path} is not a section; set {path} as a whole "
            "(e.g. --set 'operation.protocol=[{current_density_A_per_m2: 5, duration_s: 60}]')"
        )
    hints = _hints(tp)
    extra = {k: float for k in _SHORTHAND} if tp is OperationConfig else {}
    if key in hints:
        return hints[key]
    if key in extra:
        return extra[key]
    raise _unknown_key(path, key, [f.name for f in fields(tp)] + list(extra))


def apply_override(data: dict, dotted: str) -> None:
    """Apply one ``dotted.key=value`` override to a raw configuration mapping in place.

    The value is parsed as YAML (``20`` is a number, ``true`` a boolean, ``[1, 2]`` a list,
    ``{a: 1}`` a mapping). The key path is checked against the schema, with a did-you-mean
    for an unknown key.

    Args:
        data: Raw configuration mapping, modified in place.
        dotted: Override such as ``operation.current_density_A_per_m2=20``.

    Raises:
        ConfigError: Malformed override, unknown key or unparsable value.
    """
    key, sep, text = dotted.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"--set {dotted!r}: expected KEY=VALUE, e.g. cell.width_um=10")
    parts = key.split(".")
    if any(not p for p in parts):
        raise ConfigError(f"--set {dotted!r}: empty part in the key {key!r}")
    tp: Any = Config
    path = ""
    for part in parts:
        tp = _schema_child(tp, part, path)
        path = _join(path, part)
    try:
        value = yaml.load(text, Loader=_Loader) if text.strip() else None
    except yaml.YAMLError as exc:
        raise _yaml_error(f"--set {key}", exc) from None
    node = data
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def load_config(path: str | Path, overrides: Sequence[str] = ()) -> Config:
    """Read a YAML configuration file, apply overrides, validate and resolve it.

    Args:
        path: YAML file.
        overrides: ``dotted.key=value`` strings (see :func:`apply_override`).

    Returns:
        The frozen, fully resolved configuration.

    Raises:
        ConfigError: Missing or unreadable file, YAML syntax error, or invalid content.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc})") from None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise _yaml_error(str(path), exc) from None
    if data is not None and not isinstance(data, Mapping):
        raise ConfigError(f"{path}: the config file must be a mapping of sections")
    return config_from_dict(data or {}, overrides)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def config_to_dict(cfg: Config) -> dict:
    """The resolved configuration as plain nested dicts and lists (YAML/JSON ready).

    Loading the result with :func:`config_from_dict` gives back an equal :class:`Config`.
    """
    return _plain(dataclasses.asdict(cfg))


def config_hash(cfg: Config) -> str:
    """Short, stable identifier of a configuration.

    Returns:
        The first 16 hex digits of the SHA-256 of the canonical JSON of :func:`config_to_dict`.
    """
    canonical = json.dumps(config_to_dict(cfg), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
