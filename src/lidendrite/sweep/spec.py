"""Sweep files: YAML -> a checked list of cases, each a resolved configuration with a stable id.

A sweep file has a ``base`` (a config file, relative to the sweep file, or an inline mapping),
optional fixed overrides ``set`` (``{dotted.key: value}``), a ``mode`` (``grid``: the cartesian
product of the axes; ``zip``: the axes side by side, all of one length), ``axes``
(``{dotted.key: values}``) and optional ``repeats`` (more axes, always crossed with the rest:
replicas of stochastic geometry). Values of an axis are a list, a scalar (one value), a range
``{start, stop, num, scale: linear|log}``, or a mapping (one whole sub-section).

Every problem with the file itself (unknown key, empty axis, zip axes of different lengths, a
range with ``num < 1``, a missing base) is a one-line :class:`~lidendrite.errors.ConfigError`.
A case whose *values* are invalid (``transference_number = 1.3``) is not an error of the file:
it becomes a case with ``error`` set, which the sweep records as failed without running it.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import itertools
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lidendrite.config import Config, OperationConfig, apply_override, config_from_dict
from lidendrite.config import config_hash as _config_hash
from lidendrite.config.overrides import parse_key
from lidendrite.config.yaml_io import parse_yaml
from lidendrite.errors import ConfigError

__all__ = ["CaseSpec", "SweepSpec", "expand_cases", "load_sweep", "show_value"]

_TOP_KEYS = ("base", "mode", "axes", "repeats", "set", "title")
_RANGE_KEYS = {"start", "stop", "num", "scale"}


@dataclasses.dataclass(frozen=True)
class CaseSpec:
    """One case of a sweep.

    Attributes:
        case_id: The config hash of the resolved case (``invalid-<digest>`` for invalid values).
        params: Swept key -> value, in axis order (repeats last).
        data: The raw configuration mapping of the case (base + set + params).
        config: The resolved configuration, or ``None`` when the values are invalid.
        error: The one-line reason the values are invalid, else ``None``.
    """

    case_id: str
    params: dict[str, Any]
    data: dict[str, Any]
    config: Config | None
    error: str | None = None


@dataclasses.dataclass(frozen=True)
class SweepSpec:
    """A parsed sweep file."""

    path: Path
    base: dict[str, Any]
    mode: str
    axes: dict[str, list[Any]]
    repeats: dict[str, list[Any]]
    fixed: dict[str, Any]
    title: str | None = None

    @property
    def keys(self) -> list[str]:
        """Every swept key: the axes, then the repeats."""
        return [*self.axes, *self.repeats]


def show_value(value: Any) -> str:
    """A value as one short, canonical line (compact JSON for lists and mappings)."""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return f"{value:.12g}"
    return json.dumps(value, separators=(", ", ": "), sort_keys=True)


def _range(key: str, spec: Mapping[str, Any]) -> list[float]:
    where = f"axes.{key}"
    unknown = set(spec) - _RANGE_KEYS
    if unknown:
        raise ConfigError(
            f"{where}: unknown range key {sorted(unknown)[0]!r} (allowed: start, stop, num, scale)"
        )
    for need in ("start", "stop", "num"):
        if need not in spec:
            raise ConfigError(f"{where}: a range needs start, stop and num ({need} is missing)")
    start, stop, num = spec["start"], spec["stop"], spec["num"]
    scale = spec.get("scale", "linear")
    if isinstance(num, bool) or not isinstance(num, int) or num < 1:
        raise ConfigError(f"{where}.num = {num!r}: must be an integer >= 1")
    for name, v in (("start", start), ("stop", stop)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ConfigError(f"{where}.{name} = {v!r}: must be a finite number")
    if scale not in ("linear", "log"):
        raise ConfigError(f"{where}.scale = {scale!r}: must be 'linear' or 'log'")
    if scale == "log" and (start <= 0 or stop <= 0):
        raise ConfigError(f"{where}: a log range needs start > 0 and stop > 0")
    if num == 1:
        return [float(start)]
    out = []
    for i in range(num):
        f = i / (num - 1)
        v = start * (stop / start) ** f if scale == "log" else start + (stop - start) * f
        out.append(float(f"{v:.12g}"))
    return out


def _values(section: str, key: str, raw: Any) -> list[Any]:
    if isinstance(raw, Mapping) and raw and set(raw) <= _RANGE_KEYS and "num" in raw:
        return _range(key, raw)
    values = list(raw) if isinstance(raw, list) else [raw]
    if not values:
        raise ConfigError(f"{section}.{key} = []: an axis needs at least one value")
    return values


def _expand_shorthand(data: dict) -> None:
    """Write ``operation``'s one-step shorthand as ``operation.protocol`` (so ``[0]`` exists)."""
    op = data.get("operation")
    field, item_cls = OperationConfig.SHORTHAND
    if not isinstance(op, dict) or field in op:
        return
    keys = [f.name for f in dataclasses.fields(item_cls) if f.name in op]
    if keys:
        data["operation"] = {
            **{k: v for k, v in op.items() if k not in keys},
            field: [{k: op[k] for k in keys}],
        }


def _set(data: dict, key: str, value: Any) -> None:
    """``apply_override`` with a Python value (given as JSON, which is YAML)."""
    apply_override(data, f"{key}={json.dumps(value)}")


def _read_mapping(path: Path, what: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the {what} ({exc})") from None
    data = parse_yaml(text, str(path))
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the {what} must be a mapping")
    return data


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and check a sweep file; keys are checked against the config schema.

    Raises:
        ConfigError: One line naming what is wrong with the file.
    """
    path = Path(path)
    raw = _read_mapping(path, "sweep file")
    for key in raw:
        if key not in _TOP_KEYS:
            raise ConfigError(f"{path}: unknown key {key!r} (allowed: {', '.join(_TOP_KEYS)})")
    base_raw = raw.get("base")
    if isinstance(base_raw, str):
        base_path = (path.parent / base_raw).resolve()
        base = _read_mapping(base_path, "base config")
    elif isinstance(base_raw, dict):
        base = copy.deepcopy(base_raw)
    else:
        raise ConfigError(f"{path}: base must be a config file path or an inline mapping")
    mode = raw.get("mode", "grid")
    if mode not in ("grid", "zip"):
        raise ConfigError(f"mode = {mode!r}: must be 'grid' or 'zip'")
    sections: dict[str, dict[str, list[Any]]] = {}
    for section in ("axes", "repeats"):
        given = raw.get(section) or {}
        if not isinstance(given, dict):
            raise ConfigError(f"{section}: must be a mapping of dotted keys to values")
        sections[section] = {str(k): _values(section, str(k), v) for k, v in given.items()}
    if not sections["axes"] and not sections["repeats"]:
        raise ConfigError(f"{path}: axes: at least one axis is needed")
    if mode == "zip":
        lengths = {k: len(v) for k, v in sections["axes"].items()}
        if len(set(lengths.values())) > 1:
            shown = ", ".join(f"{k} ({n})" for k, n in lengths.items())
            raise ConfigError(f"mode zip: the axes must have one length; got {shown}")
    fixed = raw.get("set") or {}
    if not isinstance(fixed, dict):
        raise ConfigError("set: must be a mapping of dotted keys to values")
    base = copy.deepcopy(base)
    for key, value in fixed.items():  # before the shorthand is expanded: operation.duration_s
        _set(base, str(key), value)
    _expand_shorthand(base)
    seen: set[str] = set()
    for section, axes in sections.items():
        for key, values in axes.items():
            parse_key(key, key)
            if key in seen:
                raise ConfigError(f"{section}.{key}: swept twice")
            seen.add(key)
            _set(copy.deepcopy(base), key, values[0])  # unknown keys: the config's own error
    title = raw.get("title")
    return SweepSpec(
        path=path,
        base=base,
        mode=mode,
        axes=sections["axes"],
        repeats=sections["repeats"],
        fixed=dict(fixed),
        title=None if title is None else str(title),
    )


def _combinations(spec: SweepSpec) -> list[dict[str, Any]]:
    keys = list(spec.axes)
    if spec.mode == "zip":
        rows = [
            dict(zip(keys, vals, strict=True)) for vals in zip(*spec.axes.values(), strict=True)
        ]
    else:
        rows = [
            dict(zip(keys, vals, strict=True)) for vals in itertools.product(*spec.axes.values())
        ]
    rows = rows or [{}]
    reps = [
        dict(zip(spec.repeats, vals, strict=True))
        for vals in itertools.product(*spec.repeats.values())
    ]
    return [{**row, **rep} for row in rows for rep in reps]


def expand_cases(spec: SweepSpec) -> list[CaseSpec]:
    """The cases of a sweep, in order; ids are config hashes.

    Raises:
        ConfigError: Two cases resolve to the same configuration (a repeated value), or no
            case is valid (the base or the fixed overrides are wrong).
    """
    cases: list[CaseSpec] = []
    by_id: dict[str, dict[str, Any]] = {}
    for params in _combinations(spec):
        data = copy.deepcopy(spec.base)
        cfg: Config | None = None
        error = None
        try:
            for key, value in params.items():
                _set(data, key, value)
            cfg = config_from_dict(data)
            case_id = _config_hash(cfg)
        except ConfigError as exc:
            error = " ".join(str(exc).split())
            digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
            case_id = f"invalid-{digest[:8]}"
        if case_id in by_id:
            raise ConfigError(
                f"two cases resolve to the same configuration ({case_id}): "
                f"{show_value(by_id[case_id])} and {show_value(params)}"
            )
        by_id[case_id] = params
        cases.append(CaseSpec(case_id, params, data, cfg, error))
    if all(c.error is not None for c in cases):  # the base itself, not a swept value
        raise ConfigError(f"{spec.path}: no case is valid; the first: {cases[0].error}")
    return cases
