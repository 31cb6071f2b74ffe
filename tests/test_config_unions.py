"""Generic machinery of the configuration layer on an example schema with tagged unions.

The example (fillers chosen by ``kind``, in a list and in a mapping) is defined here, not in the
package: it runs through the same validation, error translation and ``--set`` functions as
:class:`~lidendrite.config.Config`, which take the root type as an argument. Indexed ``--set``
is also checked on the real schema (``operation.protocol[1].duration_s``).
"""

import copy
import re
from typing import Annotated, Literal

import pytest
from pydantic import Field, ValidationError
from pydantic.dataclasses import dataclass

from lidendrite.config import apply_override, config_from_dict
from lidendrite.config.errors import config_error, validate
from lidendrite.config.schema import MODEL_CONFIG, Float, Section
from lidendrite.errors import ConfigError


@dataclass(frozen=True, config=MODEL_CONFIG)
class Layer:
    """A filler layer parallel to the electrode."""

    kind: Literal["layer"] = Field(description="filler kind")
    thickness_um: Float = Field(0.5, gt=0, description="layer thickness, um")
    conductivity_S_per_m: Float = Field(1e-3, gt=0, description="layer conductivity, S/m")


@dataclass(frozen=True, config=MODEL_CONFIG)
class Disc:
    """A circular filler particle."""

    kind: Literal["disc"] = Field(description="filler kind")
    radius_um: Float = Field(0.2, gt=0, description="disc radius, um")
    x_um: Float = Field(0.0, ge=0, description="centre, um")


Filler = Annotated[Layer | Disc, Field(discriminator="kind")]


@dataclass(frozen=True, config=MODEL_CONFIG)
class Cell:
    """A cell with fillers."""

    width_um: Float = Field(5.0, gt=0, description="cell width, um")
    fillers: tuple[Filler, ...] = Field((), description="fillers, each chosen by its kind")


@dataclass(frozen=True, config=MODEL_CONFIG)
class Root:
    """Example root."""

    cell: Section[Cell] = Field(default_factory=Cell, description="the cell")
    materials: dict[str, Filler] = Field(default_factory=dict, description="named fillers")


GOOD = {
    "cell": {"fillers": [{"kind": "layer", "thickness_um": 1}, {"kind": "disc", "x_um": 2}]},
    "materials": {"glass": {"kind": "disc", "radius_um": 0.1}},
}


def with_filler(item, index=1):
    data = copy.deepcopy(GOOD)
    data["cell"]["fillers"][index] = item
    return data


def error_of(data) -> str:
    with pytest.raises(ConfigError) as info:
        validate(data, Root)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_valid_union_items_get_their_class():
    root = validate(GOOD, Root)
    layer, disc = root.cell.fillers
    assert isinstance(layer, Layer) and layer.thickness_um == 1.0
    assert isinstance(disc, Disc) and (disc.radius_um, disc.x_um) == (0.2, 2.0)
    assert isinstance(root.materials["glass"], Disc)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            with_filler({"kind": "dsic"}),
            "cell.fillers[1].kind = 'dsic': unknown kind (did you mean 'disc'?); "
            "must be one of 'layer', 'disc'",
        ),
        (
            with_filler({"kind": "sphere"}),
            "cell.fillers[1].kind = 'sphere': unknown kind; must be one of 'layer', 'disc'",
        ),
        (
            with_filler({"radius_um": 1}),
            "cell.fillers[1].kind: missing; must be one of 'layer', 'disc'",
        ),
        (
            with_filler({"kind": "disc", "thickness_um": 1}),
            "cell.fillers[1].thickness_um: unknown key for kind 'disc' "
            "(allowed: kind, radius_um, x_um)",
        ),
        (
            with_filler({"kind": "disc", "radus_um": 1}),
            "cell.fillers[1].radus_um: unknown key for kind 'disc' (did you mean 'radius_um'?)",
        ),
        (
            with_filler({"kind": "disc", "radius_um": -1}),
            "cell.fillers[1].radius_um = -1: must be > 0",
        ),
        (
            with_filler({"kind": "layer", "thickness_um": True}, 0),
            "cell.fillers[0].thickness_um = True: expected a number",
        ),
        (with_filler(5), "cell.fillers[1] = 5: expected a mapping of keys"),
        (GOOD | {"cell": {"fillers": {"kind": "disc"}}}, "cell.fillers = {'kind': 'disc'}: "),
        (
            GOOD | {"materials": {"glass": {"kind": "disc", "foo": 1}}},
            "materials.glass.foo: unknown key for kind 'disc' (allowed: kind, radius_um, x_um)",
        ),
        (
            GOOD | {"materials": {"glass": {"kind": "lyer"}}},
            "materials.glass.kind = 'lyer': unknown kind (did you mean 'layer'?)",
        ),
        (GOOD | {"cell": {"widht_um": 1}}, "cell.widht_um: unknown key (did you mean 'width_um'?)"),
    ],
)
def test_union_errors_are_one_line_messages(data, message):
    assert error_of(data).startswith(message)


def test_config_error_translates_a_raw_pydantic_error():
    from pydantic import TypeAdapter

    with pytest.raises(ValidationError) as info:
        TypeAdapter(Root).validate_python(with_filler({"kind": "disc", "radius_um": 0}))
    error = config_error(info.value, Root)
    assert isinstance(error, ConfigError)
    assert str(error) == "cell.fillers[1].radius_um = 0: must be > 0"


def test_indexed_set_into_union_items():
    data = copy.deepcopy(GOOD)
    apply_override(data, "cell.fillers[1].radius_um=0.3", root=Root)
    apply_override(data, "cell.fillers[0].thickness_um=2", root=Root)
    apply_override(data, "materials.glass.x_um=1e-1", root=Root)
    apply_override(data, "materials.new={kind: layer}", root=Root)
    root = validate(data, Root)
    assert root.cell.fillers[1].radius_um == 0.3 and root.cell.fillers[0].thickness_um == 2.0
    assert root.materials["glass"].x_um == 0.1 and isinstance(root.materials["new"], Layer)
    apply_override(data, "cell.fillers[0]={kind: disc, radius_um: 0.4}", root=Root)
    assert validate(data, Root).cell.fillers[0] == Disc(kind="disc", radius_um=0.4)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "cell.fillers[0].radius_um=1",
            "cell.fillers[0].radius_um: unknown key for kind 'layer' "
            "(allowed: kind, thickness_um, conductivity_S_per_m)",
        ),
        (
            "cell.fillers[1].radus_um=1",
            "cell.fillers[1].radus_um: unknown key for kind 'disc' (did you mean 'radius_um'?)",
        ),
        (
            "cell.fillers[2].x_um=1",
            "cell.fillers[2]: index 2 is past the end of cell.fillers (length 2)",
        ),
        ("cell.width_um[0]=1", "cell.width_um[0]: cell.width_um is not a list"),
        ("cell[0].width_um=1", "cell[0]: cell is not a list"),
        ("cell.fillers.x_um=1", "cell.fillers.x_um: cell.fillers is a list; index it"),
        ("cell.fillers[x].x_um=1", "malformed key part 'fillers[x]'"),
        ("cell.fillers[-1].x_um=1", "malformed key part 'fillers[-1]'"),
    ],
)
def test_bad_indexed_set_names_key_index_and_length(override, message):
    data = copy.deepcopy(GOOD)
    with pytest.raises(ConfigError, match=re.escape(message)):
        apply_override(data, override, root=Root)
    assert data == GOOD  # nothing changed


MINIMAL = {"electrolyte": {"preset": "LPC"}}
TWO_STEPS = MINIMAL | {
    "operation": {
        "protocol": [
            {"current_density_A_per_m2": 5, "duration_s": 10},
            {"current_density_A_per_m2": -5, "duration_s": 20},
        ]
    }
}


def test_indexed_set_on_the_protocol():
    cfg = config_from_dict(
        TWO_STEPS,
        ["operation.protocol[1].duration_s=60", "operation.protocol[0].current_density_A_per_m2=2"],
    )
    assert [(s.current_density_A_per_m2, s.duration_s) for s in cfg.operation.protocol] == [
        (2.0, 10.0),
        (-5.0, 60.0),
    ]
    assert cfg.total_duration_s == 70.0
    data = copy.deepcopy(TWO_STEPS)
    apply_override(data, "operation.protocol[1]={voltage_V: -0.1, duration_s: 5}")
    assert data["operation"]["protocol"][1] == {"voltage_V": -0.1, "duration_s": 5}


@pytest.mark.parametrize(
    ("data", "override", "message"),
    [
        (
            TWO_STEPS,
            "operation.protocol[2].duration_s=60",
            "operation.protocol[2]: index 2 is past the end of operation.protocol (length 2)",
        ),
        (
            MINIMAL,
            "operation.protocol[0].duration_s=60",
            "operation.protocol[0]: index 0 is past the end of operation.protocol (length 0",
        ),
        (
            MINIMAL | {"operation": {"protocol": 5}},
            "operation.protocol[0].duration_s=60",
            "operation.protocol[0]: operation.protocol = 5 is not a list",
        ),
        (
            TWO_STEPS,
            "operation.protocol[0].duraton_s=60",
            "operation.protocol[0].duraton_s: unknown key (did you mean 'duration_s'?)",
        ),
        (TWO_STEPS, "operation.repeat[0]=1", "operation.repeat[0]: operation.repeat is not a list"),
    ],
)
def test_bad_indexed_set_on_the_protocol(data, override, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        config_from_dict(data, [override])


def test_protocol_errors_name_the_step_index():
    data = copy.deepcopy(TWO_STEPS)
    data["operation"]["protocol"][1]["duration_s"] = -1
    with pytest.raises(ConfigError, match=re.escape("operation.protocol[1].duration_s = -1: ")):
        config_from_dict(data)
