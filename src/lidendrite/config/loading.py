"""Files and serialisation: YAML file -> :class:`Config`, :class:`Config` -> dict and hash.

This module owns :func:`load_config` (reading and parsing a file, with one-line errors that name
the file; the record keys a run adds to ``config.resolved.yaml`` are ignored, so that file can
be run again), :func:`config_to_dict` (plain dicts and lists, YAML/JSON ready; loading the result
gives back an equal :class:`Config`) and :func:`config_hash`, which identifies the physics and
numerics of a run: it leaves out the free-text ``title`` and the ``output`` section, so the same
case written to two directories has the same hash.
"""

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lidendrite.config.resolve import config_from_dict
from lidendrite.config.schema import Config
from lidendrite.config.yaml_io import parse_yaml
from lidendrite.errors import ConfigError

__all__ = ["HASH_EXCLUDED_KEYS", "RECORD_KEYS", "config_hash", "config_to_dict", "load_config"]

#: Top-level keys that a run adds to ``config.resolved.yaml`` (versions, derived numbers, the
#: resolved case); :func:`load_config` ignores them, so a resolved config can be run again.
RECORD_KEYS = ("_provenance", "_derived", "_case")

#: Top-level keys that do not change the results and so are left out of :func:`config_hash`.
HASH_EXCLUDED_KEYS = ("title", "output")


def load_config(path: str | Path, overrides: Sequence[str] = ()) -> Config:
    """Read a YAML configuration file, apply overrides, validate and resolve it.

    Args:
        path: YAML file.
        overrides: ``dotted.key=value`` strings (see :func:`apply_override`).

    Returns:
        The frozen, fully resolved configuration.

    Raises:
        ConfigError: Missing or unreadable file, YAML syntax error, or invalid content.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc})") from None
    data = parse_yaml(text, str(path))
    if data is not None and not isinstance(data, Mapping):
        raise ConfigError(f"{path}: the config file must be a mapping of sections")
    data = {k: v for k, v in (data or {}).items() if k not in RECORD_KEYS}
    return config_from_dict(data, overrides)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def config_to_dict(cfg: Config) -> dict:
    """The resolved configuration as plain nested dicts and lists (YAML/JSON ready).

    Loading the result with :func:`config_from_dict` gives back an equal :class:`Config`.
    """
    return _plain(dataclasses.asdict(cfg))


def config_hash(cfg: Config) -> str:
    """Short, stable identifier of the physics and numerics of a configuration.

    The ``title`` and the ``output`` section (:data:`HASH_EXCLUDED_KEYS`) are left out: they do
    not change the results.

    Returns:
        The first 16 hex digits of the SHA-256 of the canonical JSON of :func:`config_to_dict`
        without those keys.
    """
    data = {k: v for k, v in config_to_dict(cfg).items() if k not in HASH_EXCLUDED_KEYS}
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
