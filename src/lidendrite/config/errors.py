"""Validation with pydantic, and its errors as one-line :class:`ConfigError` messages.

This module owns the wording of every type, range and key error of the schema: the first
pydantic error is turned into a message that names the dotted key (with list indexes, e.g.
``operation.protocol[1].duration_s``), the offending value and what is allowed::

    cell.widht_um: unknown key (did you mean 'width_um'?)
    electrolyte.transference_number = 1.3: must be in (0, 1]
    cell.anode.shape = 'spiky': must be one of 'flat', 'defect', 'sinusoid', 'rough'
    fillers[1].kind = 'dsic': unknown kind (did you mean 'disc'?); must be one of 'layer', 'disc'

Everything here takes the root type as an argument (default :class:`Config`), so the same
translation serves any schema tree, e.g. a tagged-union example defined in a test.
"""

import dataclasses
import difflib
import functools
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import TypeAdapter, ValidationError

from lidendrite.config import introspect
from lidendrite.config.introspect import Node
from lidendrite.config.schema import Config
from lidendrite.errors import ConfigError

__all__ = ["config_error", "join", "range_text", "show", "unknown_key", "validate"]

#: pydantic error types that mean "this key does not exist"; reported first.
_UNKNOWN_KEY = ("unexpected_keyword_argument", "extra_forbidden")
_NOT_A_MAPPING = (
    "dataclass_type",
    "dataclass_args_type",
    "model_attributes_type",
    "model_type",
    "dict_type",
)
_EXPECTED = {
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "int_type": "expected an integer",
    "int_from_float": "expected an integer",
    "int_parsing": "expected an integer",
    "string_type": "expected a string",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "tuple_type": "expected a list",
    "list_type": "expected a list",
    "iterable_type": "expected a list",
    "finite_number": "must be a finite number",
}
_BOUNDS = ("gt", "ge", "lt", "le")
_RANGE = ("greater_than", "greater_than_equal", "less_than", "less_than_equal")


def show(value: Any) -> str:
    """A value as it appears in a message."""
    if isinstance(value, float):
        return f"{value:g}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def join(path: str, key: Any) -> str:
    """``path.key`` (or ``key`` at the root)."""
    return f"{path}.{key}" if path else str(key)


def unknown_key(
    path: str, key: Any, allowed: Sequence[str], kind: str | None = None
) -> ConfigError:
    """``path.key: unknown key (did you mean ...?)``, naming the kind of a tagged-union item."""
    where = join(path, key)
    what = f"unknown key for kind '{kind}'" if kind is not None else "unknown key"
    close = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
    if close:
        return ConfigError(f"{where}: {what} (did you mean '{close[0]}'?)")
    return ConfigError(f"{where}: {what} (allowed: {', '.join(allowed)})")


def range_text(limits: Mapping[str, float]) -> str | None:
    """``in (0, 1]``, ``> 0``, ``<= 10``... from ``gt``/``ge``/``lt``/``le`` (None: no range)."""
    lo = ("(", limits["gt"]) if limits.get("gt") is not None else ("[", limits.get("ge"))
    hi = (")", limits["lt"]) if limits.get("lt") is not None else ("]", limits.get("le"))
    if lo[1] is not None and hi[1] is not None:
        return f"in {lo[0]}{lo[1]:g}, {hi[1]:g}{hi[0]}"
    if lo[1] is not None:
        return f"{'>' if lo[0] == '(' else '>='} {lo[1]:g}"
    if hi[1] is not None:
        return f"{'<' if hi[0] == ')' else '<='} {hi[1]:g}"
    return None


@dataclasses.dataclass
class _Where:
    """Where a pydantic error location points in the schema."""

    path: str = ""
    node: Node | None = None
    section: type | None = None  # the section holding the last key
    kind: str | None = None  # the tag of that section, when it is a tagged-union item


def _locate(root: Any, loc: Sequence[Any]) -> _Where:
    where = _Where(node=Node(root))
    kind = None
    for part in loc:
        node = where.node
        if node is None:
            where.path = join(where.path, part)
            continue
        union = introspect.tagged_union(node)
        if union is not None and isinstance(part, str) and part in union[1]:
            # pydantic puts the tag of a tagged-union item into the location
            kind, where.node = part, Node(union[1][part])
            continue
        if introspect.is_section(node.base):
            where.section, where.kind, kind = node.base, kind, None
            where.path = join(where.path, part)
            where.node = introspect.child(node, str(part))
        elif introspect.item(node) is not None and isinstance(part, int):
            where.path, where.node = f"{where.path}[{part}]", introspect.item(node)
        elif introspect.value_of_mapping(node) is not None:
            where.path, where.node = join(where.path, part), introspect.value_of_mapping(node)
        else:
            where.path, where.node = join(where.path, part), None
    return where


def _first(errors: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The error to report: an unknown key first (a typo explains the rest), else the first."""
    return next((e for e in errors if e["type"] in _UNKNOWN_KEY), errors[0])


def _rename(loc: tuple[Any, ...], rename: Mapping[tuple[Any, ...], tuple[Any, ...]]) -> tuple:
    for old, new in rename.items():
        if loc[: len(old)] == old:
            return new + loc[len(old) :]
    return loc


def config_error(
    exc: ValidationError,
    root: Any = Config,
    rename: Mapping[tuple[Any, ...], tuple[Any, ...]] | None = None,
) -> ConfigError:
    """The first error of a pydantic validation of ``root`` as a one-line :class:`ConfigError`.

    Args:
        exc: The pydantic error.
        root: The type that was validated.
        rename: Location prefixes to report under another name, e.g.
            ``{("operation", "protocol", 0): ("operation",)}`` for the one-step shorthand.
    """
    error = _first(exc.errors(include_url=False))
    where = _locate(root, _rename(tuple(error["loc"]), rename or {}))
    path, node, kind, value = where.path, where.node, error["type"], error.get("input")
    ctx = error.get("ctx") or {}
    if kind in _UNKNOWN_KEY:
        allowed = list(introspect.section_keys(where.section)) if where.section else []
        return unknown_key(path.rpartition(".")[0], path.rpartition(".")[2], allowed, where.kind)
    if kind in ("missing", "missing_argument"):
        return ConfigError(f"{path}: missing (required)")
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return _tag_error(path, node, ctx, value, kind == "union_tag_not_found")
    if kind in _NOT_A_MAPPING:
        return ConfigError(f"{path or 'config'} = {show(value)}: expected a mapping of keys")
    if kind in _EXPECTED:
        return ConfigError(f"{path} = {show(value)}: {_EXPECTED[kind]}")
    if kind in ("literal_error", "enum"):
        choices = introspect.literal_choices(node) if node is not None else None
        allowed = ", ".join(repr(c) for c in choices) if choices else ctx.get("expected", "?")
        return ConfigError(f"{path} = {show(value)}: must be one of {allowed}")
    if kind in _RANGE:
        limits = introspect.bounds(node) if node is not None else {}
        text = range_text(limits) or range_text({k: v for k, v in ctx.items() if k in _BOUNDS})
        return ConfigError(f"{path} = {show(value)}: must be {text}")
    message = str(ctx.get("error", error["msg"]))
    return ConfigError(f"{path or 'config'} = {show(value)}: {message[:1].lower()}{message[1:]}")


def _tag_error(
    path: str, node: Node | None, ctx: Mapping[str, Any], value: Any, missing: bool
) -> ConfigError:
    union = introspect.tagged_union(node) if node is not None else None
    key = union[0] if union else str(ctx.get("discriminator", "kind")).strip("'")
    tags = list(union[1]) if union else []
    allowed = ", ".join(repr(t) for t in tags) if tags else ctx.get("expected_tags", "?")
    where = join(path, key)
    if missing:
        return ConfigError(f"{where}: missing; must be one of {allowed}")
    tag = value.get(key) if isinstance(value, Mapping) else ctx.get("tag")
    close = difflib.get_close_matches(str(tag), tags, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return ConfigError(f"{where} = {show(tag)}: unknown kind{hint}; must be one of {allowed}")


@functools.cache
def _adapter(root: Any) -> TypeAdapter:
    return TypeAdapter(root)


def validate(
    data: Any,
    root: Any = Config,
    rename: Mapping[tuple[Any, ...], tuple[Any, ...]] | None = None,
) -> Any:
    """Validate raw data (parsed YAML) as ``root``; errors as a one-line :class:`ConfigError`."""
    try:
        return _adapter(root).validate_python(data)
    except ValidationError as exc:
        raise config_error(exc, root, rename) from None
