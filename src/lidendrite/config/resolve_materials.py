"""Resolution and cross-field checks of the transport keys, the ``materials`` and ``cell.fillers``.

Which keys choose which model (the same for ``electrolyte`` and every material):

- ``conductivity_S_per_m`` + ``transference_number`` → dilute Nernst–Planck (Nernst–Einstein);
- ``diffusivity_cation_m2_per_s`` + ``diffusivity_anion_m2_per_s`` → dilute Nernst–Planck;
- the first pair + ``salt_diffusivity_m2_per_s`` (+ ``thermodynamic_factor``) → the
  concentrated-solution (Newman) form of a binary salt; it takes no fixed anions.

Every problem is a one-line :class:`~lidendrite.errors.ConfigError` naming the key.
"""

import dataclasses
import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lidendrite.config.material_schema import ElectrolyteConfig, MaterialConfig
from lidendrite.config.schema import CellConfig
from lidendrite.errors import ConfigError
from lidendrite.geometry.fillers import resolve_shapes
from lidendrite.presets import get_preset

__all__ = [
    "MATRIX_NAME",
    "check_concentrated",
    "resolve_fillers",
    "resolve_materials",
    "resolve_transport",
]


#: The name of the matrix electrolyte among the materials (reserved).
MATRIX_NAME = "electrolyte"

_SIGMA = ("conductivity_S_per_m", "transference_number")
_D = ("diffusivity_cation_m2_per_s", "diffusivity_anion_m2_per_s")
_TRANSPORT = (*_SIGMA, *_D, "salt_diffusivity_m2_per_s", "preset")


def _given(raw: Mapping[str, Any], key: str) -> bool:
    return raw.get(key) is not None


def check_concentrated(el: ElectrolyteConfig | MaterialConfig, path: str) -> None:
    """The concentrated-solution keys: ``salt_diffusivity`` needs σ + t₊ and no fixed anions."""
    if el.salt_diffusivity_m2_per_s is None:
        if el.thermodynamic_factor != 1.0:
            raise ConfigError(
                f"{path}.thermodynamic_factor = {el.thermodynamic_factor:g}: needs "
                f"{path}.salt_diffusivity_m2_per_s (the concentrated-solution form)"
            )
        return
    if el.diffusivity_cation_m2_per_s is not None or el.diffusivity_anion_m2_per_s is not None:
        raise ConfigError(
            f"{path}.salt_diffusivity_m2_per_s: goes with conductivity_S_per_m + "
            "transference_number, not with the ion diffusivities"
        )
    if el.fixed_anion_concentration_mol_per_m3 > 0.0:
        raise ConfigError(
            f"{path}.salt_diffusivity_m2_per_s: the concentrated-solution form is for a binary "
            f"salt; it cannot be combined with {path}.fixed_anion_concentration_mol_per_m3 = "
            f"{el.fixed_anion_concentration_mol_per_m3:g}"
        )
    if el.transference_number is not None and el.transference_number >= 1.0:
        raise ConfigError(
            f"{path}.transference_number = 1: a single-ion conductor has no salt diffusion; "
            f"remove {path}.salt_diffusivity_m2_per_s"
        )


def resolve_transport[T: (ElectrolyteConfig, MaterialConfig)](
    spec: T, raw: Mapping[str, Any], path: str, *, material: bool
) -> T:
    """Fill a preset in and check that exactly one complete set of transport keys is given.

    The same rules for ``electrolyte`` and for every material; ``path`` names the section in
    the messages, ``material`` adds ``blocking: true`` to what may be given instead.
    """
    sigma = [k for k in _SIGMA if _given(raw, k)]
    d = [k for k in _D if _given(raw, k)]
    if spec.preset is not None:
        preset = get_preset(spec.preset)
        if d:
            raise ConfigError(
                f"{path}.{d[0]}: cannot be combined with {path}.preset = '{preset.name}' (the "
                "preset gives conductivity_S_per_m and transference_number); remove the preset "
                "or the diffusivities"
            )
        spec = dataclasses.replace(
            spec,
            preset=preset.name,
            conductivity_S_per_m=spec.conductivity_S_per_m or preset.conductivity_S_per_m,
            transference_number=spec.transference_number or preset.transference_number,
            activation_energy_eV=(
                spec.activation_energy_eV
                if _given(raw, "activation_energy_eV")
                else preset.activation_energy_eV
            ),
            salt_concentration_mol_per_m3=(
                spec.salt_concentration_mol_per_m3
                if _given(raw, "salt_concentration_mol_per_m3")
                or preset.salt_concentration_mol_per_m3 is None
                else preset.salt_concentration_mol_per_m3
            ),
        )
    elif sigma and d:
        raise ConfigError(
            f"{path}: give either {' + '.join(_SIGMA)} or {' + '.join(_D)}, not both "
            f"(found {sigma[0]} and {d[0]})"
        )
    elif not sigma and not d:
        raise ConfigError(
            f"{path}: no transport properties; set {path}.preset (see 'lidendrite presets'), "
            f"or {' + '.join(_SIGMA)}, or {' + '.join(_D)}"
            + (", or blocking: true" if material else "")
        )
    else:
        for group, found in ((_SIGMA, sigma), (_D, d)):
            if found and len(found) < len(group):
                missing = next(k for k in group if k not in found)
                raise ConfigError(f"{path}.{missing}: missing; {path}.{found[0]} needs it")
    check_concentrated(spec, path)
    return spec


def _resolve_material(name: str, mat: MaterialConfig, raw: Mapping[str, Any]) -> MaterialConfig:
    path = f"materials.{name}"
    if mat.blocking:
        given = [k for k in (*_TRANSPORT, "fixed_anion_concentration_mol_per_m3") if _given(raw, k)]
        if given:
            raise ConfigError(
                f"{path}.{given[0]}: a blocking material conducts no ions; remove "
                f"{path}.{given[0]} or {path}.blocking"
            )
        return mat
    return resolve_transport(mat, raw, path, material=True)


def resolve_materials(
    materials: Mapping[str, MaterialConfig], raw: Mapping[str, Any]
) -> dict[str, MaterialConfig]:
    """Check and complete every named material (presets filled in)."""
    out = {}
    for name, mat in materials.items():
        if name == MATRIX_NAME or not name.strip():
            raise ConfigError(
                f"materials.{name}: the name '{name}' is reserved for the matrix electrolyte "
                "(the electrolyte section); choose another"
                if name == MATRIX_NAME
                else "materials: a material needs a non-empty name"
            )
        out[name] = _resolve_material(name, mat, raw.get(name) or {})
    return out


def _check_material_name(
    path: str, name: str, materials: Mapping[str, MaterialConfig], key: str = "material"
) -> None:
    if name in materials:
        return
    close = difflib.get_close_matches(name, list(materials), n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    known = ", ".join(f"'{m}'" for m in materials) or "none defined"
    raise ConfigError(
        f"{path}.{key} = '{name}': unknown material{hint}; the materials section has {known}"
    )


def _material_keys(filler: Any) -> list[tuple[str, str]]:
    """(key, material name) of every material a filler item names."""
    out = [("material", filler.material)]
    for key in ("shell", "coating"):
        part = getattr(filler, key, None)
        if part is not None:
            out.append((f"{key}.material", part.material))
    if filler.kind == "grain_boundaries" and filler.grain_material != MATRIX_NAME:
        out.append(("grain_material", filler.grain_material))
    return out


def resolve_fillers(cell: CellConfig, materials: Mapping[str, MaterialConfig]) -> CellConfig:
    """Check that fillers name known materials and fit in the cell (layers: order, overlap).

    Every filler is placed (:func:`~lidendrite.geometry.fillers.resolve_shapes`: overlaps,
    leaving the cell, impossible area fractions are errors) and the area fraction a random
    layout reached is written into its ``realised_area_fraction``.
    """
    if cell.mesh_file is not None:
        if cell.fillers:
            raise ConfigError(
                f"cell.mesh_file = '{cell.mesh_file}': a user mesh carries its own regions; "
                "remove cell.fillers"
            )
        if not Path(cell.mesh_file).is_file():
            raise ConfigError(f"cell.mesh_file = '{cell.mesh_file}': no such file")
        if Path(cell.mesh_file).suffix not in (".msh", ".geo"):
            raise ConfigError(f"cell.mesh_file = '{cell.mesh_file}': must be a .msh or .geo file")
    layers = []
    for i, filler in enumerate(cell.fillers):
        path = f"cell.fillers[{i}]"
        for key, name in _material_keys(filler):
            _check_material_name(path, name, materials, key)
        if filler.kind == "layer":
            y0, y1 = filler.y_um
            if not 0.0 <= y0 < y1 < cell.thickness_um:
                raise ConfigError(
                    f"{path}.y_um = [{y0:g}, {y1:g}]: must satisfy 0 <= y0 < y1 < "
                    f"cell.thickness_um = {cell.thickness_um:g}"
                )
            if materials[filler.material].blocking:
                raise ConfigError(
                    f"{path}.material = '{filler.material}': a blocking layer would cut the "
                    "cell in two; use a conducting material"
                )
            for j, (a0, a1) in layers:
                if y0 < a1 and a0 < y1:
                    raise ConfigError(
                        f"{path}.y_um = [{y0:g}, {y1:g}]: overlaps cell.fillers[{j}] "
                        f"([{a0:g}, {a1:g}])"
                    )
            layers.append((i, (y0, y1)))
    realised: dict[int, float] = {}
    resolve_shapes(cell, materials, realised=realised)
    if realised:
        items = list(cell.fillers)
        for i, phi in realised.items():
            layout = dataclasses.replace(items[i].layout, realised_area_fraction=round(phi, 6))
            items[i] = dataclasses.replace(items[i], layout=layout)
        cell = dataclasses.replace(cell, fillers=tuple(items))
    return cell
