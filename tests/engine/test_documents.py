"""The graph document's JSON Schema: what it refuses, the structured errors it becomes, and the
agreement of the two validators that check it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from engine import document_schema
from engine.document_schema import MAX_NODES, NAME_MAX, SCHEMA, document_schema as served_schema
from engine.documents import shape_errors

from .graphs import document, edge, iris_regression, node

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples").glob("*.json"))


def one_node(**fields) -> dict:
    return document([{**node("a", "passthrough"), **fields}], [])


def only_error(doc) -> dict:
    errors = shape_errors(doc)
    assert len(errors) == 1, errors
    assert errors[0]["code"] == "invalid_document"
    return errors[0]


def test_the_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_the_samples_and_the_test_graphs_satisfy_the_schema(path):
    assert shape_errors(json.loads(path.read_text())) == []
    assert shape_errors(iris_regression()) == []


@pytest.mark.parametrize("bad_id", ["a\x00b", "../../etc/x", "a/b", ".hidden", "-rf", "a b", "data\n", "é", "", "\ud800",
                                    "x" * (NAME_MAX + 1), "x" * 101, "x" * 5000],
                         ids=lambda v: repr(v) if len(v) <= 20 else f"{len(v)} chars")
def test_a_node_id_outside_the_pattern_is_refused_pointing_at_the_node(bad_id):
    error = only_error(document([node(bad_id, "passthrough")], []))
    assert "'id'" in error["message"] and "1-64 letters" in error["message"]
    assert len(error["message"]) < 400


def test_the_longest_allowed_node_id_has_64_characters_and_fits_every_column():
    long_id = "n" + "_.-9" * 15 + "abc"
    assert len(long_id) == NAME_MAX and shape_errors(document([node(long_id, "passthrough")], [])) == []


def test_a_port_name_outside_the_pattern_is_refused_pointing_at_the_edge():
    doc = document([node("a", "passthrough"), node("b", "passthrough")], [edge("a", "data", "b", "da/ta")])
    doc["edges"][0]["id"] = "e1"
    error = only_error(doc)
    assert error["edge"] == "e1" and "'target_port'" in error["message"]


def test_a_binding_whose_name_is_not_a_string_is_refused_pointing_at_the_parameter():
    error = only_error(one_node(params={"data": {"$param": ["x"]}}))
    assert error["node"] == "a" and error["param"] == "data" and "'$param' must name a pipeline parameter" in error["message"]


@pytest.mark.parametrize("declaration, field", [
    ({"name": "p", "kind": "float", "min": "a"}, "'min'"),
    ({"name": "p", "kind": "float", "max": [1]}, "'max'"),
    ({"name": "p", "kind": "choice", "choices": 5}, "'choices'"),
    ({"name": "p", "kind": "choice", "choices": ["a", 2]}, "'choices[1]'"),
    ({"name": "p", "kind": "complex"}, "'kind'"),
    ({"name": "not an identifier"}, "'name'"),
])
def test_a_pipeline_parameter_declaration_of_the_wrong_type_is_refused(declaration, field):
    error = only_error(document([], [], parameters=[declaration]))
    assert field in error["message"]


@pytest.mark.parametrize("fields, field", [
    ({"target": ["local"]}, "'target' must be a string or null"),
    ({"reuse": "yes"}, "'reuse' must be true or false"),
    ({"timeout": float("inf")}, "'timeout' must be a finite number"),
    ({"timeout": float("nan")}, "'timeout' must be a finite number"),
    ({"timeout": -1}, "'timeout' must be greater than 0"),
    ({"memory_mb": 1.5}, "'memory_mb' must be a whole number"),
    ({"cpu_seconds": "60"}, "'cpu_seconds' must be a whole number"),
    ({"version": "1" * 21}, "'version'"),
    ({"colour": "red"}, "unknown field 'colour'"),
])
def test_node_fields_have_their_types_checked(fields, field):
    error = only_error(one_node(**fields))
    assert error["node"] == "a" and field in error["message"], error


def test_numbers_anywhere_in_a_parameter_value_must_be_finite():
    error = only_error(one_node(params={"x": [1.0, {"y": float("inf")}]}))
    assert error["param"] == "x" and "'params.x[1].y' must be a finite number" in error["message"]


def test_parameter_values_nest_at_most_eight_levels():
    assert shape_errors(one_node(params={"x": [[[[[[[[1]]]]]]]]})) == []
    error = only_error(one_node(params={"x": [[[[[[[[[1]]]]]]]]]}))
    assert "more than 8 levels deep" in error["message"] and error["param"] == "x"


def test_more_nodes_than_the_limit_is_one_error_naming_the_limit():
    doc = document([node(f"n{i}", "passthrough") for i in range(MAX_NODES + 1)], [])
    assert only_error(doc)["message"] == f"'nodes' has more than {MAX_NODES} items"


def test_duplicate_node_ids_and_parameter_names_are_named():
    doc = document([node("a", "passthrough"), node("a", "passthrough")], [],
                   parameters=[{"name": "p"}, {"name": "p"}])
    assert {(e["node"], e["param"]) for e in shape_errors(doc)} == {("a", None), (None, "p")}


def test_a_document_with_many_bad_nodes_reports_a_bounded_list():
    doc = document([node(f"bad id {i}", "passthrough") for i in range(500)], [])
    errors = shape_errors(doc)
    assert len(errors) == 101 and "more problems" in errors[-1]["message"]


BAD_DOCUMENTS = [
    one_node(params={"data": {"$param": ["x"]}}),
    document([node("a\x00", "passthrough")], []),
    document([node("x" * 101, "passthrough")], []),
    document([], [], parameters=[{"name": "p", "min": "a"}]),
    one_node(target=["local"]),
    one_node(params={"x": [[[[[[[[[1]]]]]]]]]}),
    {"nodes": [], "schema_version": 2},
]


@pytest.mark.parametrize("doc", BAD_DOCUMENTS)
def test_both_validators_refuse_the_same_documents(doc):
    assert not document_schema._fast.is_valid(doc)
    assert not document_schema._slow.is_valid(doc)


def test_the_served_schema_carries_the_servers_targets_and_caps():
    schema = served_schema(targets=["local", "gpu"], timeout=60.0, memory_mb=512, cpu_seconds=30)
    props = schema["$defs"]["node"]["properties"]
    assert props["target"]["enum"] == ["gpu", "local", None]
    assert (props["timeout"]["maximum"], props["memory_mb"]["maximum"], props["cpu_seconds"]["maximum"]) == (60.0, 512, 30)
    assert "maximum" not in SCHEMA["$defs"]["node"]["properties"]["timeout"]  # the module's schema is untouched
    validator = Draft202012Validator(schema)
    assert validator.is_valid(one_node(target="gpu", timeout=60))
    assert not validator.is_valid(one_node(target="cloud")) and not validator.is_valid(one_node(memory_mb=513))


def test_a_thousand_nodes_sharing_one_id_report_a_bounded_list():
    errors = shape_errors(document([node("same", "passthrough") for _ in range(1000)], []))
    assert len(errors) == 101 and errors[0]["message"] == "two nodes share the id 'same'"
