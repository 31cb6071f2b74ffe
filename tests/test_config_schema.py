"""JSON Schema of the configuration: content, the shipped configs, ``lidendrite schema``.

``jsonschema`` is used when it is installed; otherwise a small validator below checks the
subset of draft 2020-12 the schema uses (``$ref``, types, ``properties``,
``additionalProperties``, ``required``, ``enum``/``const``, ranges, ``items``, ``anyOf``,
``oneOf``, ``not``).
"""

import json
import math
from pathlib import Path

import pytest
import yaml

from lidendrite.cli import main
from lidendrite.config import config_json_schema, load_config
from lidendrite.config.json_schema import DIALECT

CONFIGS = sorted((Path(__file__).parents[1] / "configs").glob("*.yaml"))

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v),
}


def schema_errors(value, schema, root, path="") -> list[str]:
    """Problems of ``value`` against ``schema`` (empty: valid), each naming the key path."""
    if "$ref" in schema:
        target = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        errors = schema_errors(value, target, root, path)
        if errors:
            return errors
    out = []
    if "type" in schema and not _TYPES[schema["type"]](value):
        return [f"{path}: {value!r} is not of type {schema['type']}"]
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{path}: {value!r} not in {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        out.append(f"{path}: {value!r} != {schema['const']!r}")
    for key, ok in (
        ("minimum", lambda v, b: v >= b),
        ("maximum", lambda v, b: v <= b),
        ("exclusiveMinimum", lambda v, b: v > b),
        ("exclusiveMaximum", lambda v, b: v < b),
    ):
        if key in schema and _TYPES["number"](value) and not ok(value, schema[key]):
            out.append(f"{path}: {value!r} fails {key} {schema[key]}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                out.append(f"{path}.{key}: required")
        for key, item in value.items():
            if key in props:
                out += schema_errors(item, props[key], root, f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                out.append(f"{path}.{key}: additional property")
            elif isinstance(schema.get("additionalProperties"), dict):
                out += schema_errors(item, schema["additionalProperties"], root, f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            out += schema_errors(item, schema["items"], root, f"{path}[{i}]")
    if "anyOf" in schema and all(schema_errors(value, s, root, path) for s in schema["anyOf"]):
        out.append(f"{path}: matches none of anyOf")
    if "oneOf" in schema:
        matches = [s for s in schema["oneOf"] if not schema_errors(value, s, root, path)]
        if len(matches) != 1:
            out.append(f"{path}: matches {len(matches)} of oneOf")
    if "not" in schema and not schema_errors(value, schema["not"], root, path):
        out.append(f"{path}: matches 'not'")
    return out


def validate_with_schema(value, schema) -> list[str]:
    try:
        import jsonschema
    except ImportError:
        return schema_errors(value, schema, schema)
    validator = jsonschema.Draft202012Validator(schema)
    return [e.message for e in validator.iter_errors(value)]


def walk_properties(schema, node, path=""):
    """Every (key path, property schema) of the schema, following $ref, items and unions."""
    if "$ref" in node:
        target = schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        yield from walk_properties(schema, target, path)
        return
    for key, prop in node.get("properties", {}).items():
        yield f"{path}.{key}".lstrip("."), prop
        yield from walk_properties(schema, prop, f"{path}.{key}")
    for sub in [node.get("items")] + node.get("anyOf", []) + node.get("oneOf", []):
        if isinstance(sub, dict):
            yield from walk_properties(schema, sub, path)
    named = node.get("additionalProperties")
    if isinstance(named, dict):  # a mapping of user-chosen names (materials): '*'
        yield f"{path}.*".lstrip("."), named
        yield from walk_properties(schema, named, f"{path}.*")


@pytest.fixture(scope="module")
def schema():
    return config_json_schema()


def test_schema_header_and_descriptions(schema):
    assert schema["$schema"] == DIALECT == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "lidendrite configuration"
    assert schema["additionalProperties"] is False
    json.dumps(schema)  # JSON-ready
    props = dict(walk_properties(schema, schema))
    assert "cell.anode.defect_radius_um" in props and "operation.protocol.duration_s" in props
    for path, prop in props.items():
        if not path.endswith(".*"):  # a named entry is described by its section ($defs)
            assert prop.get("description"), f"{path}: no description"
    assert "um" in props["cell.width_um"]["description"]
    assert props["cell.width_um"]["default"] == 5.0
    assert props["cell.width_um"]["exclusiveMinimum"] == 0
    tn = props["electrolyte.transference_number"]
    assert {"exclusiveMinimum": 0, "maximum": 1, "type": "number"} in tn["anyOf"]
    assert props["cell.anode.shape"]["enum"] == ["flat", "defect", "sinusoid", "rough"]
    assert props["operation.repeat"]["type"] == "integer"
    for name, section in schema["$defs"].items():
        assert section["additionalProperties"] is False, name
        assert section.get("description"), name


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_shipped_configs_match_the_schema(schema, path):
    load_config(path)  # they are valid configs
    data = yaml.safe_load(path.read_text())
    assert validate_with_schema(data, schema) == []
    known = {p for p, _ in walk_properties(schema, schema)}

    def key_paths(node, prefix=""):
        if isinstance(node, dict):
            for key, value in node.items():
                if prefix == ".materials":
                    key = "*"  # the user's material names
                yield f"{prefix}.{key}".lstrip(".")
                yield from key_paths(value, f"{prefix}.{key}")
        elif isinstance(node, list):
            for item in node:
                yield from key_paths(item, prefix)

    assert set(key_paths(data)) <= known


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"cell": {"widht_um": 5}}, "widht_um"),
        ({"electrolite": {"preset": "LPC"}}, "electrolite"),
        ({"cell": {"width_um": -1}}, "-1"),
        ({"cell": {"anode": {"shape": "spiky"}}}, "spiky"),
        ({"operation": {"repeat": 1.5}}, "1.5"),
        ({"operation": {"protocol": [{"current_density_A_per_m2": 1}]}}, "duration_s"),
        (
            {"operation": {"duration_s": 5, "protocol": [{"voltage_V": 1, "duration_s": 1}]}},
            "",
        ),
    ],
)
def test_schema_rejects_bad_configs(schema, data, fragment):
    errors = validate_with_schema(data, schema)
    assert errors and fragment in " ".join(errors)


def test_schema_of_a_tagged_union():
    from test_config_unions import Root

    schema = config_json_schema(Root)
    items = schema["$defs"]["Cell"]["properties"]["fillers"]["items"]
    assert items["discriminator"]["propertyName"] == "kind"
    assert set(items["discriminator"]["mapping"]) == {"layer", "disc"}
    assert len(items["oneOf"]) == 2
    good = {"cell": {"fillers": [{"kind": "layer"}, {"kind": "disc", "radius_um": 1}]}}
    assert validate_with_schema(good, schema) == []
    assert validate_with_schema(
        {"cell": {"fillers": [{"kind": "disc", "thickness_um": 1}]}}, schema
    )
    assert validate_with_schema({"materials": {"a": {"kind": "dsic"}}}, schema)


def test_schema_command(comm, tmp_path, capsys):
    assert main(["schema"]) == 0
    out = capsys.readouterr().out
    if comm.rank == 0:
        assert json.loads(out) == json.loads(json.dumps(config_json_schema()))
    else:
        assert out == ""
    target = Path(comm.bcast(str(tmp_path), root=0)) / "lidendrite.schema.json"
    assert main(["schema", "--out", str(target)]) == 0
    comm.barrier()
    assert capsys.readouterr().out == ""
    assert json.loads(target.read_text())["title"] == "lidendrite configuration"
