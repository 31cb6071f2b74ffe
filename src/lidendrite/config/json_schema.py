"""JSON Schema (draft 2020-12) of the configuration, for editor completion and checking.

This module owns :func:`config_json_schema`: pydantic's schema of the root type with a title,
the ``$schema`` dialect, and the one-step shorthand keys of a section (``operation.duration_s``)
added as properties. Descriptions (with units), defaults, ranges, enums,
``additionalProperties: false`` and tagged unions (``oneOf`` + ``discriminator``) come from the
schema classes. Cross-field rules (a preset or transport properties, ``dt_min < dt_initial``)
are not expressed: ``lidendrite check`` reports those.
"""

import copy
from typing import Any

from pydantic import TypeAdapter

from lidendrite.config import introspect
from lidendrite.config.schema import Config

__all__ = ["DIALECT", "config_json_schema"]

#: The JSON Schema dialect of :func:`config_json_schema`.
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _add_shorthand(schema: dict[str, Any], cls: type) -> None:
    """Let the section ``cls`` accept the keys of its ``SHORTHAND`` item class."""
    defs = schema.get("$defs", {})
    field, item_cls = cls.SHORTHAND
    target, source = defs.get(cls.__name__), defs.get(item_cls.__name__)
    if target is None or source is None:
        return
    for key, prop in source.get("properties", {}).items():
        if key not in target["properties"]:
            prop = copy.deepcopy(prop)
            note = f"one-step shorthand for '{field}: [{{{key}: ...}}]'"
            prop["description"] = f"{prop.get('description', key)}; {note}"
            target["properties"][key] = prop
    target["not"] = {
        "required": [field],
        "anyOf": [{"required": [key]} for key in source.get("properties", {})],
    }


def _drop_property_titles(schema: Any) -> None:
    """Remove pydantic's titles of keys ("Width Um"): the key and its description say more."""
    if isinstance(schema, dict):
        for prop in schema.get("properties", {}).values():
            if isinstance(prop, dict):
                prop.pop("title", None)
        for value in schema.values():
            _drop_property_titles(value)
    elif isinstance(schema, list):
        for value in schema:
            _drop_property_titles(value)


def _sections(root: Any) -> list[type]:
    """Every section class reachable from ``root``."""
    found: list[type] = []
    todo = [introspect.Node(root)]
    while todo:
        node = todo.pop()
        union = introspect.tagged_union(node)
        for nested in [
            introspect.item(node),
            introspect.value_of_mapping(node),
            *(introspect.Node(cls) for cls in (union[1].values() if union else ())),
        ]:
            if nested is not None:
                todo.append(nested)
        if introspect.is_section(node.base) and node.base not in found:
            found.append(node.base)
            todo.extend(introspect.section_keys(node.base).values())
    return found


def config_json_schema(root: Any = Config) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the configuration file.

    Args:
        root: The schema's root type.

    Returns:
        A JSON-ready dict, with ``title``, descriptions and units, defaults and
        ``additionalProperties: false`` on every section.
    """
    schema = TypeAdapter(root).json_schema(mode="validation")
    for cls in _sections(root):
        if getattr(cls, "SHORTHAND", None) is not None:
            _add_shorthand(schema, cls)
    _drop_property_titles(schema)
    title = "lidendrite configuration" if root is Config else schema.get("title", "")
    return {
        "$schema": DIALECT,
        "title": title,
        **{k: v for k, v in schema.items() if k != "title"},
    }
