"""Run configuration: YAML -> validated, frozen, typed (pydantic) dataclasses.

The package is split by concern:

- :mod:`~lidendrite.config.schema`: the sections, their keys, types, ranges and descriptions;
- :mod:`~lidendrite.config.errors`: pydantic validation, errors as one-line messages;
- :mod:`~lidendrite.config.overrides`: ``--set dotted.key[index]=value``;
- :mod:`~lidendrite.config.resolve`: presets, value-dependent defaults and cross-field checks;
- :mod:`~lidendrite.config.loading`: YAML files, :func:`config_to_dict`, :func:`config_hash`;
- :mod:`~lidendrite.config.json_schema`: the JSON Schema for editors;
- :mod:`~lidendrite.config.introspect` and :mod:`~lidendrite.config.yaml_io`: helpers.

Every problem is reported as a one-line :class:`~lidendrite.errors.ConfigError` naming the
dotted key, the offending value and what is allowed, e.g.::

    cell.widht_um: unknown key (did you mean 'width_um'?)
    electrolyte.transference_number = 1.3: must be in (0, 1]

The :class:`Config` returned by :func:`load_config` and :func:`config_from_dict` is fully
resolved: an electrolyte preset has filled in the conductivity, transference number and
activation energy the user did not give, the exchange current density is a number,
``output.every_s`` and ``cell.anode.defect_x_um`` are numbers. This package never imports
:mod:`lidendrite.materials` (nor DOLFINx).
"""

from lidendrite.config.json_schema import config_json_schema
from lidendrite.config.loading import config_hash, config_to_dict, load_config
from lidendrite.config.overrides import apply_override
from lidendrite.config.resolve import DEFAULT_FRAME_COUNT, config_from_dict
from lidendrite.config.schema import (
    AnodeConfig,
    CellConfig,
    Config,
    ElectrolyteConfig,
    KineticsConfig,
    MeshConfig,
    NumericsConfig,
    OperationConfig,
    OutputConfig,
    ProtocolStep,
    protocol_steps,
)
from lidendrite.presets import DEFAULT_EXCHANGE_CURRENT_DENSITY_A_PER_M2

__all__ = [
    "DEFAULT_EXCHANGE_CURRENT_DENSITY_A_PER_M2",
    "DEFAULT_FRAME_COUNT",
    "AnodeConfig",
    "CellConfig",
    "Config",
    "ElectrolyteConfig",
    "KineticsConfig",
    "MeshConfig",
    "NumericsConfig",
    "OperationConfig",
    "OutputConfig",
    "ProtocolStep",
    "apply_override",
    "config_from_dict",
    "config_hash",
    "config_json_schema",
    "config_to_dict",
    "load_config",
    "protocol_steps",
]
