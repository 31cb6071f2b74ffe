"""``--set KEY=VALUE``: key paths into the raw configuration mapping.

This module owns the override syntax. A key is a dotted path of section keys with optional list
indexes, ``cell.anode.shape``, ``operation.protocol[1].duration_s``; the value is parsed as YAML
(``20`` is a number, ``true`` a boolean, ``[1, 2]`` a list, ``{a: 1}`` a mapping). The path is
checked against the schema (did-you-mean for an unknown key, the kind of a tagged-union item)
and against the data (an index must be inside the list that is there) before anything is set.
"""

import re
from typing import Any

from lidendrite.config import introspect
from lidendrite.config.errors import join, show, unknown_key
from lidendrite.config.introspect import Node
from lidendrite.config.schema import Config
from lidendrite.config.yaml_io import parse_yaml
from lidendrite.errors import ConfigError

__all__ = ["apply_override", "parse_key"]

_PART = re.compile(r"(?P<name>[^.\[\]\s]+)(?P<indexes>(?:\[\d+\])*)")
_WHOLE_LIST_EXAMPLE = (
    "(e.g. --set 'operation.protocol=[{current_density_A_per_m2: 5, duration_s: 60}]')"
)


def parse_key(dotted: str, key: str) -> list[str | int]:
    """``"a.b[1].c"`` -> ``["a", "b", 1, "c"]``.

    Raises:
        ConfigError: An empty part or a malformed index (``dotted`` is the whole override).
    """
    steps: list[str | int] = []
    for part in key.split("."):
        if not part:
            raise ConfigError(f"--set {dotted!r}: empty part in the key {key!r}")
        match = _PART.fullmatch(part.strip())
        if match is None:
            raise ConfigError(
                f"--set {dotted!r}: malformed key part {part!r} "
                "(expected name or name[index], e.g. operation.protocol[0].duration_s)"
            )
        steps.append(match["name"])
        steps.extend(int(i) for i in re.findall(r"\[(\d+)\]", match["indexes"]))
    return steps


def _section_of(node: Node, data: Any, path: str, key: str) -> tuple[Node, str | None]:
    """The section node whose key ``key`` is set, choosing a tagged-union item by its data."""
    union = introspect.tagged_union(node)
    if union is None:
        return node, None
    tag_key, variants = union
    tag = data.get(tag_key) if isinstance(data, dict) else None
    if tag in variants:
        return Node(variants[tag]), str(tag)
    if key == tag_key:
        return Node(variants[next(iter(variants))]), None
    owners = [cls for cls in variants.values() if key in introspect.section_keys(cls)]
    if owners:
        return Node(owners[0]), None
    allowed = sorted({k for cls in variants.values() for k in introspect.section_keys(cls)})
    raise unknown_key(path, key, allowed)


def _key_step(node: Node, data: Any, path: str, key: str) -> Node:
    """The node of ``path.key``, or a ConfigError saying why there is none."""
    mapping_value = introspect.value_of_mapping(node)
    if mapping_value is not None:
        return mapping_value
    if introspect.item(node) is not None:
        raise ConfigError(
            f"{join(path, key)}: {path} is a list; index it, e.g. {path}[0].{key}, "
            f"or set {path} as a whole {_WHOLE_LIST_EXAMPLE}"
        )
    section, kind = _section_of(node, data, path, key)
    if not introspect.is_section(section.base):
        raise ConfigError(
            f"{join(path, key)}: {path} is not a section; set {path} itself (--set {path}=VALUE)"
        )
    found = introspect.child(section, key)
    if found is None:
        raise unknown_key(path, key, list(introspect.section_keys(section.base)), kind)
    return found


def _walk(data: dict, steps: list[str | int], root: Any, *, write: bool, value: Any = None) -> None:
    """Check ``steps`` against the schema and the data; with ``write``, set the value."""
    node, path = Node(root), ""
    parent: Any = None
    slot: str | int | None = None
    current: Any = data
    for step in steps:
        if isinstance(step, str):
            node = _key_step(node, current, path, step)
            if not isinstance(current, dict):
                current = {}
                if write:
                    parent[slot] = current
            parent, slot, current = current, step, current.get(step)
            path = join(path, step)
            continue
        where = f"{path}[{step}]"
        item = introspect.item(node)
        if item is None:
            raise ConfigError(f"{where}: {path} is not a list")
        if current is None:
            raise ConfigError(
                f"{where}: index {step} is past the end of {path} (length 0: it is not set)"
            )
        if not isinstance(current, list | tuple):
            raise ConfigError(f"{where}: {path} = {show(current)} is not a list")
        if step >= len(current):
            raise ConfigError(
                f"{where}: index {step} is past the end of {path} (length {len(current)})"
            )
        if isinstance(current, tuple):
            current = list(current)
            if write:
                parent[slot] = current
        node, parent, slot, current, path = item, current, step, current[step], where
    if write:
        parent[slot] = value


def apply_override(data: dict, dotted: str, root: Any = Config) -> None:
    """Apply one ``dotted.key=value`` override to a raw configuration mapping in place.

    The value is parsed as YAML (``20`` is a number, ``true`` a boolean, ``[1, 2]`` a list,
    ``{a: 1}`` a mapping). The key path, with optional list indexes
    (``operation.protocol[1].duration_s``), is checked against the schema, with a
    did-you-mean for an unknown key, and an index must point into the list in ``data``.

    Args:
        data: Raw configuration mapping, modified in place (nothing is changed on an error).
        dotted: Override such as ``operation.current_density_A_per_m2=20``.
        root: The schema the key paths belong to.

    Raises:
        ConfigError: Malformed override, unknown key, bad index or unparsable value.
    """
    key, sep, text = dotted.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"--set {dotted!r}: expected KEY=VALUE, e.g. cell.width_um=10")
    steps = parse_key(dotted, key)
    _walk(data, steps, root, write=False)
    value = parse_yaml(text, f"--set {key}") if text.strip() else None
    _walk(data, steps, root, write=True, value=value)
