"""infer_schemas: every node's input and output columns, also when parts of the graph have errors;
and a refused pipeline parameter value reported once, on the parameter."""
from __future__ import annotations

from sklearn.datasets import load_iris, load_wine

from engine.compiler import compile_document, infer_schemas, validate_document
from modules_catalog.schema import schema_json, schema_of
from tests.engine.graphs import document, edge, iris_regression, node


def frame_columns(loader) -> list[str]:
    return list(loader(as_frame=True).frame.columns)


def names(columns) -> list[str] | None:
    return None if columns is None else [c["name"] for c in columns]


def two_branches(iris_pick: list[str], wine_pick: list[str]) -> dict:
    """iris -> select -> pass-through, and beside it, not connected, wine -> select -> pass-through."""
    return document(
        [node("iris", "sample_dataset", name="iris"), node("pick_i", "select_columns", columns=iris_pick),
         node("p_i", "passthrough"),
         node("wine", "sample_dataset", name="wine"), node("pick_w", "select_columns", columns=wine_pick),
         node("p_w", "passthrough")],
        [edge("iris", "data", "pick_i", "data"), edge("pick_i", "data", "p_i", "data"),
         edge("wine", "data", "pick_w", "data"), edge("pick_w", "data", "p_w", "data")])


def test_a_valid_pipeline_gets_the_schemas_its_plan_holds_on_every_port():
    doc = iris_regression()
    nodes, errors = infer_schemas(doc)
    assert errors == []
    plan = compile_document(doc)
    assert set(nodes) == {n["id"] for n in doc["nodes"]}
    for step in plan.steps:
        assert set(nodes[step.node_id]["outputs"]) == set(step.outputs)
        for port, columns in plan.schemas[step.node_id].items():
            assert nodes[step.node_id]["outputs"][port] == columns
        for given in step.inputs:  # an input sees what its upstream output gives
            assert nodes[step.node_id]["inputs"][given.port] == nodes[given.source]["outputs"][given.source_port]
    assert names(nodes["split"]["inputs"]["data"]) == frame_columns(load_iris)
    assert nodes["learner"] == {"inputs": {}, "outputs": {"learner": None}}  # a model is no table
    assert nodes["data"]["outputs"]["data"] == schema_json(schema_of(load_iris(as_frame=True).frame))


def test_an_error_in_one_branch_nulls_what_depends_on_it_and_the_other_branch_keeps_its_columns():
    iris, wine = frame_columns(load_iris), frame_columns(load_wine)
    nodes, errors = infer_schemas(two_branches(["no such column"], wine[:3]))
    assert [(e["code"], e["node"]) for e in errors] == [("unknown_column", "pick_i")]
    assert errors == validate_document(two_branches(["no such column"], wine[:3]))
    assert names(nodes["pick_i"]["inputs"]["data"]) == iris  # the picker of the node in error still works
    assert nodes["pick_i"]["outputs"] == {"data": None}
    assert nodes["p_i"] == {"inputs": {"data": None}, "outputs": {"data": None}}
    assert names(nodes["pick_w"]["outputs"]["data"]) == wine[:3]
    assert names(nodes["p_w"]["inputs"]["data"]) == names(nodes["p_w"]["outputs"]["data"]) == wine[:3]


def test_a_missing_input_nulls_the_columns_below_it_only():
    doc = two_branches(["target"], ["alcohol"])
    doc["edges"] = [e for e in doc["edges"] if e["target"] != "pick_i"]
    nodes, errors = infer_schemas(doc)
    assert [(e["code"], e["node"], e["port"]) for e in errors] == [("missing_input", "pick_i", "data")]
    assert nodes["pick_i"] == {"inputs": {"data": None}, "outputs": {"data": None}}
    assert nodes["p_i"]["outputs"] == {"data": None}
    assert names(nodes["p_w"]["outputs"]["data"]) == ["alcohol"]


def test_a_cycle_nulls_its_nodes_and_what_follows_while_the_rest_keeps_its_columns():
    doc = document(
        [node("iris", "sample_dataset", name="iris"), node("p1", "passthrough"),
         node("a", "sleep"), node("b", "sleep"), node("after", "passthrough"), node("ghost", "no_such_module")],
        [edge("iris", "data", "p1", "data"), edge("a", "data", "b", "data"), edge("b", "data", "a", "data"),
         edge("b", "data", "after", "data")])
    nodes, errors = infer_schemas(doc)
    assert {e["code"] for e in errors} == {"cycle", "unknown_module"}
    assert names(nodes["p1"]["outputs"]["data"]) == frame_columns(load_iris)
    for nid in ("a", "b", "after"):
        assert nodes[nid] == {"inputs": {"data": None}, "outputs": {"data": None}}, nid
    assert nodes["ghost"] == {"inputs": {}, "outputs": {}}


def test_a_document_that_is_not_a_pipeline_has_no_nodes_and_says_why():
    nodes, errors = infer_schemas({"nodes": "nope"})
    assert nodes == {} and errors and all(e["code"] == "invalid_document" for e in errors)


def parameterised() -> dict:
    doc = two_branches(["target"], ["alcohol"])
    doc["nodes"].insert(1, node("split", "split_data", fraction={"$param": "frac"}, seed=1))
    doc["edges"] = [e for e in doc["edges"] if e["target"] != "pick_i"]
    doc["edges"] += [edge("iris", "data", "split", "data"), edge("split", "train", "pick_i", "data")]
    doc["parameters"] = [{"name": "frac", "kind": "float", "default": 0.6, "min": 0.1, "max": 0.9}]
    return doc


def test_a_bad_pipeline_parameter_value_is_reported_once_on_the_parameter_not_as_undeclared_on_its_nodes():
    errors = validate_document(parameterised(), params={"frac": 5})
    assert [(e["code"], e["param"], e["node"]) for e in errors] == [("bad_parameter", "frac", None)]
    assert "frac" in errors[0]["message"]
    nodes, same = infer_schemas(parameterised(), params={"frac": 5})
    assert same == errors
    assert nodes["split"]["outputs"] == {"train": None, "test": None}  # its value is not known
    assert nodes["p_i"]["outputs"] == {"data": None}
    assert names(nodes["p_w"]["outputs"]["data"]) == ["alcohol"]
    assert validate_document(parameterised(), params={"frac": 0.5}) == []


def test_a_node_bound_to_a_parameter_that_is_really_not_declared_is_still_reported():
    doc = parameterised()
    doc["parameters"] = []
    errors = validate_document(doc)
    assert [(e["code"], e["node"], e["param"]) for e in errors] == [("unknown_parameter", "split", "fraction")]


def test_the_inferred_columns_of_a_selection_are_those_of_the_same_selection_in_pandas():
    nodes, _ = infer_schemas(two_branches(["petal width (cm)", "target"], ["alcohol"]))
    frame = load_iris(as_frame=True).frame[["petal width (cm)", "target"]]
    assert nodes["p_i"]["outputs"]["data"] == schema_json(schema_of(frame))
