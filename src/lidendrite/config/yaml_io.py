"""The YAML dialect of configuration files and ``--set`` values.

This module owns the safe loader (which also reads ``1e-3``, without a decimal point, as a
float, as YAML 1.2 does) and the one-line message of a YAML syntax error.
"""

import re
from typing import Any

import yaml

from lidendrite.errors import ConfigError

__all__ = ["parse_yaml", "yaml_error"]


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


def yaml_error(source: str, exc: yaml.YAMLError) -> ConfigError:
    """``source: invalid YAML at line L, column C: problem``."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return ConfigError(f"{source}: invalid YAML{where}: {problem}")


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text; a syntax error becomes a :class:`ConfigError` naming ``source``."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise yaml_error(source, exc) from None
