"""The fields the renderer can show: which frame array, how to label it, in which unit.

Pure numpy; no VTK. Values are handled in the SI units of the frame arrays; the colour bar shows
them in a display unit: one fixed default per field (:data:`DEFAULT_UNITS`, so that two runs, or
two panels, never disagree), or the unit the user names (:func:`resolve_unit`, which reads
``mmol/m2/s`` as well as ``mmol m⁻² s⁻¹``). Frame arrays are looked up
by today's names (:mod:`lidendrite.io.names`); frames written before a rename, or built in
memory with an old name, are read through :func:`point_fields`.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from lidendrite.errors import ConfigError
from lidendrite.geometry.tags import ELECTROLYTE
from lidendrite.io.frames import FrameData
from lidendrite.io.names import upgrade_fields

__all__ = [
    "DEFAULT_UNITS",
    "FIELDS",
    "FieldSpec",
    "data_range",
    "display_unit",
    "electrolyte_points",
    "field_spec",
    "field_values",
    "field_vectors",
    "format_time",
    "nice_length",
    "point_fields",
    "resolve_unit",
]


@dataclass(frozen=True)
class FieldSpec:
    """How to show one field.

    Attributes:
        name: Name used on the command line (``flux``, ``concentration``, ...).
        array: Point-data array of the frame.
        label: Colour-bar title (the quantity, without unit).
        units: Candidate display units ``(label, factor)``: display value = SI value x factor.
            The first unit in which the colour range reaches 1 is used (the last otherwise).
        cmap: Default colour map.
        vector: Whether the array is a 2D vector (the magnitude is shown, streamlines follow it).
    """

    name: str
    array: str
    label: str
    units: tuple[tuple[str, float], ...]
    cmap: str
    vector: bool


FIELDS: dict[str, FieldSpec] = {
    "flux": FieldSpec(
        "flux",
        "flux_cation_mol_per_m2_s",
        "Li⁺ flux",
        (
            ("mol m⁻² s⁻¹", 1.0),
            ("mmol m⁻² s⁻¹", 1e3),
            ("µmol m⁻² s⁻¹", 1e6),
            ("nmol m⁻² s⁻¹", 1e9),
        ),
        "viridis",
        True,
    ),
    "concentration": FieldSpec(
        "concentration",
        "c_cation_mol_per_m3",
        "Li⁺ concentration",
        (("mol m⁻³", 1.0), ("mM", 1.0), ("M", 1e-3)),
        "cividis",
        False,
    ),
    "potential": FieldSpec(
        "potential",
        "potential_V",
        "Electrolyte potential",
        (("V", 1.0), ("mV", 1e3), ("µV", 1e6)),
        "coolwarm",
        False,
    ),
    "current": FieldSpec(
        "current",
        "ionic_current_density_A_per_m2",
        "Ionic current density",
        (("A m⁻²", 1.0), ("mA m⁻²", 1e3), ("µA m⁻²", 1e6), ("mA cm⁻²", 0.1)),
        "plasma",
        True,
    ),
}


#: Display unit of each field unless the user names one: fixed, so that figures agree.
DEFAULT_UNITS = {
    "flux": "µmol m⁻² s⁻¹",
    "concentration": "mol m⁻³",
    "potential": "mV",
    "current": "A m⁻²",
}


def field_spec(field: str) -> FieldSpec:
    """The :class:`FieldSpec` of a field name.

    Raises:
        ConfigError: Unknown field name (with a did-you-mean).
    """
    try:
        return FIELDS[field]
    except KeyError:
        close = difflib.get_close_matches(str(field), list(FIELDS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(
            f"unknown field {field!r}{hint}; choose one of {', '.join(FIELDS)}"
        ) from None


_SUPERSCRIPTS = str.maketrans({"⁻": "-", "¹": "1", "²": "2", "³": "3", "µ": "u", "μ": "u"})


def _unit_key(text: str) -> tuple[tuple[str, int], ...]:
    """``"mmol/m2/s"`` and ``"mmol m⁻² s⁻¹"`` -> the same sorted (symbol, power) tuple."""
    text = text.translate(_SUPERSCRIPTS).replace("^", "").replace("*", " ").replace("·", " ")
    powers: dict[str, int] = {}
    for k, part in enumerate(text.split("/")):
        for token in part.split():
            m = re.fullmatch(r"([A-Za-z]+)(-?\d+)?", token)
            if m is None:
                return (("?" + text, 0),)
            power = int(m.group(2) or 1) * (-1 if k > 0 else 1)
            powers[m.group(1)] = powers.get(m.group(1), 0) + power
    return tuple(sorted((s, p) for s, p in powers.items() if p != 0))


def resolve_unit(field: str, unit: str | None = None) -> tuple[str, float]:
    """Display unit ``(label, factor)`` of a field: the named one, or :data:`DEFAULT_UNITS`.

    ``unit`` may be written as on the colour bar (``mmol m⁻² s⁻¹``) or in ASCII
    (``mmol/m2/s``, ``umol m-2 s-1``, ``mA/cm2``). Display value = SI value x factor.

    Raises:
        ConfigError: Unknown field, or a unit the field cannot be shown in (the message lists
            the units it can).
    """
    spec = field_spec(field)
    wanted = DEFAULT_UNITS.get(spec.name, spec.units[0][0]) if unit is None else str(unit)
    key = _unit_key(wanted)
    for label, factor in spec.units:
        if _unit_key(label) == key:
            return label, factor
    choices = ", ".join(label for label, _ in spec.units)
    raise ConfigError(f"unit {wanted!r} is not a unit of {spec.name}; choose one of {choices}")


def point_fields(frame: FrameData) -> dict[str, np.ndarray]:
    """The point data of a frame by today's names (legacy names replaced, arrays not copied)."""
    return upgrade_fields(frame.point_data)


def _array(frame: FrameData, spec: FieldSpec) -> np.ndarray:
    fields = point_fields(frame)
    try:
        return fields[spec.array]
    except KeyError:
        have = ", ".join(sorted(fields)) or "none"
        raise ConfigError(
            f"field {spec.name!r} needs point data {spec.array!r}, which the frame lacks "
            f"(it has: {have})"
        ) from None


def field_values(frame: FrameData, field: str) -> np.ndarray:
    """(N,) nodal values shown in colour, in SI units: the magnitude for vector fields."""
    spec = field_spec(field)
    values = _array(frame, spec)
    if spec.vector:
        if values.ndim != 2:
            raise ConfigError(f"point data {spec.array!r} must be a 2D vector field")
        return np.hypot(values[:, 0], values[:, 1])
    if values.ndim != 1:
        raise ConfigError(f"point data {spec.array!r} must be a scalar field")
    return values


def field_vectors(frame: FrameData, field: str) -> np.ndarray | None:
    """(N, 2) vectors the streamlines follow, or ``None`` for scalar fields."""
    spec = field_spec(field)
    return _array(frame, spec) if spec.vector else None


def electrolyte_points(frame: FrameData) -> np.ndarray:
    """Boolean (N,) mask of the vertices of electrolyte cells (the coloured part)."""
    mask = np.zeros(frame.n_points, dtype=bool)
    mask[frame.triangles[frame.cell_tags == ELECTROLYTE].ravel()] = True
    return mask


def data_range(frames: Iterable[FrameData], field: str) -> tuple[float, float]:
    """Min and max of a field over the electrolyte vertices of one or several frames (SI)."""
    lo, hi = math.inf, -math.inf
    for frame in frames:
        values = field_values(frame, field)[electrolyte_points(frame)]
        values = values[np.isfinite(values)]
        if values.size:
            lo, hi = min(lo, float(values.min())), max(hi, float(values.max()))
    if lo > hi:
        raise ConfigError(f"field {field!r} has no finite values to show")
    return lo, hi


def display_unit(field: str, clim: tuple[float, float]) -> tuple[str, float]:
    """Display unit ``(label, factor)`` for a colour range given in SI units.

    The first candidate unit in which the largest magnitude of the range is at least 1 is
    used; for example a flux range up to 3.1e-5 mol m⁻² s⁻¹ is shown in µmol m⁻² s⁻¹.
    """
    units = field_spec(field).units
    peak = max(abs(clim[0]), abs(clim[1]))
    if peak == 0.0 or not math.isfinite(peak):
        return units[0]
    for label, factor in units:
        if peak * factor >= 1.0:
            return label, factor
    return units[-1]


def format_time(time_s: float) -> str:
    """Time stamp such as ``t = 12.3 s``, ``t = 4.5 min`` or ``t = 2.25 h``."""
    t = float(time_s)
    if abs(t) < 60.0:
        value, unit = t, "s"
    elif abs(t) < 3600.0:
        value, unit = t / 60.0, "min"
    else:
        value, unit = t / 3600.0, "h"
    text = f"{value:.3g}" if abs(value) >= 1e-3 or value == 0.0 else f"{value:.2e}"
    return f"t = {text} {unit}"


def nice_length(length: float) -> float:
    """Largest 1, 2 or 5 x 10^k not above ``length`` (for scale bars); ``length`` > 0."""
    if not (length > 0.0 and math.isfinite(length)):
        raise ValueError(f"length must be positive and finite, got {length}")
    exponent = math.floor(math.log10(length))
    base = 10.0**exponent
    for mantissa in (5.0, 2.0, 1.0):
        if mantissa * base <= length * (1.0 + 1e-12):
            return mantissa * base
    return base
