"""The building blocks of the schema: strict scalar types, the section settings, ``Section``.

Shared by :mod:`~lidendrite.config.schema` and the schema modules of its larger sections
(:mod:`~lidendrite.config.material_schema`, :mod:`~lidendrite.config.fillers_schema`).
"""

from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, ConfigDict, Field, Strict

__all__ = ["MODEL_CONFIG", "Bool", "Float", "Int", "Section", "Str", "section"]

#: pydantic settings of every section: unknown keys are errors, no NaN or infinity.
MODEL_CONFIG = ConfigDict(extra="forbid", allow_inf_nan=False, validate_default=False)

#: A finite number; an integer is accepted (and stored as a float), a bool or a string is not.
Float = Annotated[float, Strict()]
#: An integer; ``1.0``, ``True`` and ``"1"`` are not.
Int = Annotated[int, Strict()]
#: ``true`` or ``false`` only.
Bool = Annotated[bool, Strict()]
#: A string; a number is not.
Str = Annotated[str, Strict()]


def _none_is_empty(value: Any) -> Any:
    return {} if value is None else value


_T = TypeVar("_T")
#: ``Section[CellConfig]``: a nested section, where ``null`` means all defaults.
Section = Annotated[_T, BeforeValidator(_none_is_empty)]


def section(cls: type, description: str) -> Any:
    """A nested section field whose default is the section with all defaults."""
    return Field(default_factory=cls, description=description)
