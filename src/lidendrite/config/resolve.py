"""Preset resolution and cross-field checks: raw mapping -> resolved :class:`Config`.

This module owns :func:`config_from_dict`: it applies the ``--set`` overrides, expands the
one-step shorthand of ``operation``, validates the schema (:mod:`~lidendrite.config.errors`),
then resolves what depends on other values and checks what spans several keys:

- the electrolyte preset fills in the conductivity, transference number and activation energy
  the user did not give; the exchange current density becomes a number;
- ``cell.anode.defect_x_um`` (centre of the cell) and ``output.every_s`` (40 frames) get their
  value-dependent defaults;
- the defect or sinusoid fits in the cell, ``dt_min < dt_initial <= dt_max``, mesh sizes are
  ordered, every protocol step matches the control mode.
"""

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from lidendrite.config.errors import show, validate
from lidendrite.config.overrides import apply_override
from lidendrite.config.resolve_materials import (
    resolve_fillers,
    resolve_materials,
    resolve_transport,
)
from lidendrite.config.schema import (
    CellConfig,
    Config,
    ElectrolyteConfig,
    KineticsConfig,
    MeshConfig,
    NumericsConfig,
    OperationConfig,
)
from lidendrite.errors import ConfigError
from lidendrite.presets import DEFAULT_EXCHANGE_CURRENT_DENSITY_A_PER_M2, get_preset

__all__ = ["DEFAULT_FRAME_COUNT", "config_from_dict"]

#: Number of output frames over the protocol when ``output.every_s`` is not given.
DEFAULT_FRAME_COUNT = 40


def _resolve_electrolyte(el: ElectrolyteConfig, raw: Mapping[str, Any]) -> ElectrolyteConfig:
    return resolve_transport(el, raw, "electrolyte", material=False)


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
    m = cell.membrane_thickness_um
    if m is not None and m < t:
        raise ConfigError(
            f"cell.membrane_thickness_um = {m:g}: must be >= cell.thickness_um = {t:g} "
            "(the meshed window near the plating electrode)"
        )
    if m is not None and m > t and getattr(cell, "mesh_file", None):
        raise ConfigError(
            f"cell.membrane_thickness_um = {m:g}: a far field needs a built cell, not "
            f"cell.mesh_file; mesh the whole membrane or leave it out"
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


def _check_patterns(kin: KineticsConfig) -> None:
    new = kin.new_surface
    if new is not None and new.film_resistance_ohm_m2 > 0.0 and kin.film_resistance_ohm_m2 == 0.0:
        raise ConfigError(
            f"kinetics.new_surface.film_resistance_ohm_m2 = {new.film_resistance_ohm_m2:g}: a "
            "film on new Li needs the film law, kinetics.film_resistance_ohm_m2 > 0 (it is 0)"
        )
    for i, pattern in enumerate(kin.patterns):
        if pattern.quantity == "film_resistance" and kin.film_resistance_ohm_m2 == 0.0:
            raise ConfigError(
                f"kinetics.patterns[{i}].quantity = film_resistance: patterns multiply, so it "
                "needs kinetics.film_resistance_ohm_m2 > 0 (it is 0)"
            )
        for j, seg in enumerate(getattr(pattern, "segments", ())):
            x0, x1 = seg.x_um
            if not x0 < x1:
                raise ConfigError(
                    f"kinetics.patterns[{i}].segments[{j}].x_um = [{x0:g}, {x1:g}]: "
                    "must be [x0, x1] with x0 < x1"
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
                f"{path}.{other} = {show(bad)}: {op.mode} steps take {need}, not {other} "
                f"(or set operation.mode: {'potentiostatic' if galvano else 'galvanostatic'})"
            )
        if getattr(step, need) is None:
            raise ConfigError(f"{path}.{need}: missing; {op.mode} steps need it")


def _expand_shorthand(data: dict) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Turn ``operation``'s one-step shorthand into ``operation.protocol`` in place.

    Returns:
        The error-location renaming that reports the step's keys as ``operation.<key>``.
    """
    op = data.get("operation")
    field, item_cls = OperationConfig.SHORTHAND
    if not isinstance(op, Mapping):
        return {}
    keys = [f.name for f in dataclasses.fields(item_cls) if f.name in op]
    if not keys:
        return {}
    if field in op:
        raise ConfigError(
            f"operation.{keys[0]}: give either operation.protocol or the one-step "
            "shorthand (current_density_A_per_m2 or voltage_V, plus duration_s), not both"
        )
    op = dict(op)
    op[field] = [{key: op.pop(key) for key in keys}]
    data["operation"] = op
    return {("operation", field, 0): ("operation",)}


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
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"config = {show(data)}: expected a mapping of keys")
    data = copy.deepcopy(dict(data))
    for dotted in overrides:
        apply_override(data, dotted)
    rename = _expand_shorthand(data)
    cfg: Config = validate(data, Config, rename)

    op = cfg.operation
    op_raw = data.get("operation") or {}
    if rename:
        step_paths = ["operation"]
    else:
        if "protocol" not in op_raw and op.mode == "potentiostatic":
            raise ConfigError(
                "operation.protocol: missing; potentiostatic runs need steps with voltage_V "
                "(or operation.voltage_V + operation.duration_s)"
            )
        step_paths = [f"operation.protocol[{i}]" for i in range(len(op.protocol))]
    _check_steps(op, step_paths)
    el = _resolve_electrolyte(cfg.electrolyte, data.get("electrolyte") or {})
    kin = _resolve_kinetics(cfg.kinetics, el)
    materials = resolve_materials(cfg.materials, data.get("materials") or {})
    cell = resolve_fillers(_check_cell(cfg.cell), materials)
    _check_mesh(cfg.mesh, cell)
    _check_numerics(cfg.numerics)
    _check_patterns(kin)
    if kin.new_surface is not None and getattr(cell, "mesh_file", None):
        raise ConfigError(
            "kinetics.new_surface: new Li is measured against the initial surface a built cell "
            "knows; not with cell.mesh_file (leave new_surface out)"
        )
    output = cfg.output
    if output.every_s is None:
        total = op.repeat * sum(s.duration_s for s in op.protocol)
        output = dataclasses.replace(output, every_s=total / DEFAULT_FRAME_COUNT)
    return dataclasses.replace(
        cfg, cell=cell, electrolyte=el, kinetics=kin, output=output, materials=materials
    )
