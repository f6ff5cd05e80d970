"""The compiler turns graph documents into plans, or into errors that point at the culprit."""
from __future__ import annotations

import pytest

from engine.compiler import CompileError, compile_document, document_digest, validate_document

from .graphs import document, edge, iris_regression, node


def codes(errors):
    return {(e["code"], e["node"] or e["edge"] or e["param"]) for e in errors}


def test_a_valid_pipeline_compiles_into_steps_in_dependency_order():
    plan = compile_document(iris_regression())
    order = [s.node_id for s in plan.steps]
    assert order.index("data") < order.index("split") < order.index("train") < order.index("score")
    assert plan.step("score").upstream == {"train", "split"}
    assert plan.step("split").params["fraction"] == 0.7


def test_an_unknown_module_and_an_unknown_version_are_named():
    doc = document([node("a", "no_such_module"), {**node("b", "sample_dataset"), "version": "99"}], [])
    errors = validate_document(doc)
    assert codes(errors) == {("unknown_module", "a"), ("unknown_module", "b")}
    assert "versions: 1" in next(e for e in errors if e["node"] == "b")["message"]


def test_a_cycle_is_reported_with_its_nodes():
    doc = document([node("a", "passthrough"), node("b", "passthrough")],
                   [edge("a", "data", "b", "data"), edge("b", "data", "a", "data")])
    errors = validate_document(doc)
    assert [e["code"] for e in errors] == ["cycle"]
    assert "a -> b -> a" in errors[0]["message"] or "b -> a -> b" in errors[0]["message"]


def test_an_untrained_learner_cannot_feed_score_model():
    doc = document([node("data", "sample_dataset"), node("learner", "logistic_regression"), node("score", "score_model")],
                   [edge("learner", "learner", "score", "model"), edge("data", "data", "score", "data")])
    errors = validate_document(doc)
    assert codes(errors) == {("type_mismatch", "score")}
    assert errors[0]["port"] == "model" and errors[0]["edge"] == "learner.learner-score.model"


def test_a_model_cannot_feed_a_dataframe_port():
    doc = iris_regression()
    doc["edges"].append(edge("train", "model", "evaluate", "data"))
    doc["edges"] = [e for e in doc["edges"] if e["source"] != "score"]
    assert ("type_mismatch", "evaluate") in codes(validate_document(doc))


def test_a_missing_required_input_and_two_edges_into_one_input_are_errors():
    doc = document([node("a", "sample_dataset"), node("b", "sample_dataset"), node("pick", "select_columns", columns=["target"]),
                    node("train", "train_model", label_column="target")],
                   [edge("a", "data", "pick", "data"), edge("b", "data", "pick", "data"), edge("pick", "data", "train", "data")])
    found = codes(validate_document(doc))
    assert ("duplicate_input", "pick") in found
    assert ("missing_input", "train") in found


def test_parameters_of_the_wrong_type_or_out_of_range_are_named():
    doc = document([node("data", "sample_dataset", name="iris"), node("split", "split_data", fraction=1.5, seed="x")],
                   [edge("data", "data", "split", "data")])
    errors = validate_document(doc)
    assert {(e["code"], e["node"], e["param"]) for e in errors} == {
        ("bad_param", "split", "fraction"), ("bad_param", "split", "seed")}
    assert "at most 1" in next(e for e in errors if e["param"] == "fraction")["message"]


def test_a_column_the_upstream_schema_lacks_is_an_error_before_anything_runs():
    doc = document([node("data", "sample_dataset", name="iris"), node("pick", "select_columns", columns=["petal", "target"])],
                   [edge("data", "data", "pick", "data")])
    errors = validate_document(doc)
    assert codes(errors) == {("unknown_column", "pick")}
    assert "'petal'" in errors[0]["message"] and "sepal length (cm)" in errors[0]["message"]


def test_schemas_flow_through_transforms_so_downstream_columns_are_checked():
    doc = document([node("data", "sample_dataset", name="wine"), node("pick", "select_columns", columns=["alcohol", "target"]),
                    node("norm", "normalize_data", columns=["malic_acid"])],
                   [edge("data", "data", "pick", "data"), edge("pick", "data", "norm", "data")])
    assert codes(validate_document(doc)) == {("unknown_column", "norm")}


def test_pipeline_parameters_bind_into_node_params_and_are_validated():
    doc = iris_regression()
    doc["parameters"] = [{"name": "frac", "kind": "float", "default": 0.6, "min": 0.1, "max": 0.9}]
    doc["nodes"][1]["params"]["fraction"] = {"$param": "frac"}
    assert compile_document(doc).step("split").params["fraction"] == 0.6
    assert compile_document(doc, params={"frac": 0.8}).step("split").params["fraction"] == 0.8
    with pytest.raises(CompileError) as exc:
        compile_document(doc, params={"frac": 5, "nope": 1})
    assert {e["code"] for e in exc.value.errors} == {"bad_parameter", "unknown_parameter"}


def test_a_script_with_a_syntax_error_is_refused_with_its_line():
    doc = document([{**node("s", "execute_python_script"), "params": {"script": "def azureml_main(a=None, b=None):\n  return (\n"}}], [])
    errors = validate_document(doc)
    assert errors[0]["code"] == "bad_param" and "line" in errors[0]["message"]


def test_a_document_that_is_not_a_graph_gets_structural_errors():
    assert validate_document([])[0]["code"] == "invalid_document"
    errors = validate_document({"nodes": [{"module": "x"}], "edges": "nope"})
    assert {e["code"] for e in errors} == {"invalid_document"} and len(errors) == 2


def test_the_digest_ignores_positions_and_comments_but_not_params():
    a = iris_regression()
    b = iris_regression()
    b["nodes"][0]["position"] = {"x": 10, "y": 20}
    b["nodes"][0]["comment"] = "moved"
    assert document_digest(a) == document_digest(b)
    assert document_digest(a) != document_digest(iris_regression(fraction=0.6))


def test_an_import_data_node_resolves_its_dataset_or_names_it_missing():
    doc = document([node("in", "import_data", dataset={"name": "sales", "version": None})], [])
    found = {"name": "sales", "version": 3, "digest": "d" * 64, "schema": [{"name": "x", "dtype": "int"}]}
    plan = compile_document(doc, resolve_dataset=lambda ref: found if ref["name"] == "sales" else None)
    assert plan.step("in").params["dataset"]["digest"] == "d" * 64
    errors = validate_document(doc, resolve_dataset=lambda ref: None)
    assert codes(errors) == {("unknown_dataset", "in")}
