"""Walking the schema's type tree: sections, their keys, list items, mappings, tagged unions.

This module owns the generic reading of annotations that :mod:`~lidendrite.config.errors`
(which key is an error about, what range is allowed) and :mod:`~lidendrite.config.overrides`
(is ``a.b[1].c`` a valid key path) share. It knows nothing about any particular section, so it
works on any tree of pydantic dataclasses, e.g. one defined in a test.

A *section* is a pydantic dataclass. A section may declare the class variable ``SHORTHAND =
(field, ItemClass)``: the keys of ``ItemClass`` may then be written directly in the section, as
the one item of the list ``field`` (``operation.duration_s`` for ``operation.protocol[0]``).
A *tagged union* is ``Annotated[A | B, Field(discriminator="kind")]``: a mapping whose ``kind``
key selects the class.
"""

import dataclasses
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic.fields import FieldInfo

__all__ = [
    "Node",
    "bounds",
    "child",
    "is_section",
    "item",
    "literal_choices",
    "section_keys",
    "tagged_union",
    "value_of_mapping",
]

_UNIONS = (types.UnionType, typing.Union)


@dataclasses.dataclass(frozen=True)
class Node:
    """One place in the schema: its annotation and, for a key of a section, its field info."""

    tp: Any
    field: FieldInfo | None = None

    def _stripped(self) -> tuple[Any, list[Any]]:
        """The annotation without ``Annotated`` layers and ``| None``, and the metadata."""
        tp, meta = self.tp, list(self.field.metadata) if self.field is not None else []
        while True:
            if typing.get_origin(tp) is Annotated:
                tp, *extra = typing.get_args(tp)
                meta.extend(extra)
            elif typing.get_origin(tp) in _UNIONS:
                args = [a for a in typing.get_args(tp) if a is not type(None)]
                if len(args) != 1:
                    return tp, meta
                tp = args[0]
            else:
                return tp, meta

    @property
    def base(self) -> Any:
        """The annotation without ``Annotated`` layers and without ``| None``."""
        return self._stripped()[0]

    @property
    def metadata(self) -> list[Any]:
        """Constraints and markers of the field and of its ``Annotated`` layers."""
        return self._stripped()[1]


def is_section(tp: Any) -> bool:
    """Whether ``tp`` is a section class (a pydantic dataclass)."""
    return isinstance(tp, type) and hasattr(tp, "__pydantic_fields__")


def section_keys(cls: type) -> dict[str, Node]:
    """The keys a section accepts in YAML, in order: its fields, then any shorthand keys."""
    keys = {name: Node(f.annotation, f) for name, f in cls.__pydantic_fields__.items()}
    shorthand = getattr(cls, "SHORTHAND", None)
    if shorthand is not None:
        for name, node in section_keys(shorthand[1]).items():
            keys.setdefault(name, node)
    return keys


def tagged_union(node: Node) -> tuple[str, dict[str, type]] | None:
    """``(discriminator, {tag: class})`` when ``node`` is a tagged union, else None."""
    tp = node.base
    if typing.get_origin(tp) not in _UNIONS:
        return None
    key = node.field.discriminator if node.field is not None else None
    for meta in node.metadata:
        key = key or getattr(meta, "discriminator", None)
    if not isinstance(key, str):
        return None
    variants: dict[str, type] = {}
    for cls in typing.get_args(tp):
        if is_section(cls) and key in cls.__pydantic_fields__:
            for tag in literal_choices(section_keys(cls)[key]) or ():
                variants[str(tag)] = cls
    return key, variants


def child(node: Node, key: str) -> Node | None:
    """The node of ``key`` inside a section node (None: not a key of it)."""
    return section_keys(node.base).get(key) if is_section(node.base) else None


def item(node: Node) -> Node | None:
    """The item node of a list (``tuple[X, ...]``, ``list[X]``) node, else None."""
    tp = node.base
    origin = typing.get_origin(tp)
    if isinstance(origin, type) and issubclass(origin, Sequence) and not issubclass(origin, str):
        args = [a for a in typing.get_args(tp) if a is not Ellipsis]
        return Node(args[0] if args else Any)
    return None


def value_of_mapping(node: Node) -> Node | None:
    """The value node of a mapping (``dict[str, X]``) node, else None."""
    origin = typing.get_origin(node.base)
    if isinstance(origin, type) and issubclass(origin, Mapping):
        args = typing.get_args(node.base)
        return Node(args[1] if len(args) == 2 else Any)
    return None


def literal_choices(node: Node) -> tuple[Any, ...] | None:
    """The allowed values of a ``Literal[...]`` node, else None."""
    tp = node.base
    return typing.get_args(tp) if typing.get_origin(tp) is Literal else None


def bounds(node: Node) -> dict[str, float]:
    """The range constraints of a node: any of ``gt``, ``ge``, ``lt``, ``le``."""
    out: dict[str, float] = {}
    metadata = list(node.metadata)
    while metadata:
        meta = metadata.pop(0)
        if isinstance(meta, FieldInfo):  # Field(gt=...) inside Annotated[...]
            metadata.extend(meta.metadata)
            continue
        for key in ("gt", "ge", "lt", "le"):
            value = getattr(meta, key, None)
            if isinstance(value, int | float) and not isinstance(value, bool):
                out[key] = value
    return out
