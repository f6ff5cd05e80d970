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


# -- hostile documents: structured errors, never an exception ------------------------------------

def test_a_binding_to_a_list_is_an_invalid_document_not_a_crash():
    doc = iris_regression()
    doc["nodes"][1]["params"]["fraction"] = {"$param": ["x"]}
    errors = validate_document(doc)
    assert [(e["code"], e["node"], e["param"]) for e in errors] == [("invalid_document", "split", "fraction")]


def test_pipeline_parameter_declarations_of_the_wrong_type_are_errors_not_crashes():
    for bad in ({"name": "p", "kind": "float", "min": "a", "default": 1.0},
                {"name": "p", "kind": "choice", "choices": 5, "default": "x"}):
        doc = dict(iris_regression(), parameters=[bad])
        assert [(e["code"], e["param"]) for e in validate_document(doc)] == [("invalid_document", "p")]


def test_infinite_and_overflowing_numbers_are_errors_not_crashes():
    doc = iris_regression()
    doc["nodes"][0]["timeout"] = float("inf")
    assert codes(validate_document(doc)) == {("invalid_document", "data")}
    doc = iris_regression(fraction=10**400)  # a Python caller's int no double can hold
    assert codes(validate_document(doc)) == {("bad_param", "split")}


def test_a_5000_character_or_path_like_node_id_never_reaches_a_plan():
    for bad in ("x" * 5000, "x" * 101, "../../outside", "nul\x00"):
        doc = document([node(bad, "sample_dataset")], [])
        with pytest.raises(CompileError) as exc:
            compile_document(doc)
        assert [e["code"] for e in exc.value.errors] == ["invalid_document"]


def test_a_node_may_ask_for_less_than_the_servers_limits(settings):
    settings.ENGINE = {**settings.ENGINE, "STEP_TIMEOUT": 60.0, "STEP_MEMORY_MB": 1024, "STEP_CPU_SECONDS": None,
                       "STEP_CPU_SECONDS_MAX": 30}
    doc = document([{**node("data", "sample_dataset"), "timeout": 60, "memory_mb": 512.0, "cpu_seconds": 30}], [])
    step = compile_document(doc).step("data")
    assert (step.timeout, step.memory_mb, step.cpu_seconds) == (60.0, 512, 30)
    assert isinstance(step.memory_mb, int)


def test_a_node_asking_for_more_than_the_servers_limits_is_refused_naming_the_cap(settings):
    settings.ENGINE = {**settings.ENGINE, "STEP_TIMEOUT": 60.0, "STEP_MEMORY_MB": 1024, "STEP_CPU_SECONDS": None,
                       "STEP_CPU_SECONDS_MAX": 30}
    doc = document([{**node("data", "sample_dataset"), "timeout": 61, "memory_mb": 10**9, "cpu_seconds": 31}], [])
    errors = validate_document(doc)
    assert [(e["code"], e["node"], e["field"]) for e in errors] == [
        ("limit_exceeded", "data", "timeout"), ("limit_exceeded", "data", "memory_mb"),
        ("limit_exceeded", "data", "cpu_seconds")]
    assert "at most 60 s (STEP_TIMEOUT)" in errors[0]["message"]
    assert "at most 1024 MB (STEP_MEMORY_MB)" in errors[1]["message"]
    assert "at most 30 s (STEP_CPU_SECONDS_MAX)" in errors[2]["message"]


def test_the_cpu_cap_is_step_cpu_seconds_when_the_server_sets_one(settings):
    settings.ENGINE = {**settings.ENGINE, "STEP_CPU_SECONDS": 10, "STEP_CPU_SECONDS_MAX": 1000}
    doc = document([{**node("data", "sample_dataset"), "cpu_seconds": 11}], [])
    errors = validate_document(doc)
    assert codes(errors) == {("limit_exceeded", "data")}
    assert "at most 10 s (STEP_CPU_SECONDS)" in errors[0]["message"]


def test_a_target_the_server_does_not_have_is_a_compile_error(settings):
    doc = document([{**node("data", "sample_dataset"), "target": "gpu-cluster"}], [])
    errors = validate_document(doc)
    assert [(e["code"], e["node"], e["field"]) for e in errors] == [("unknown_target", "data", "target")]
    assert "targets: local" in errors[0]["message"]
    assert compile_document(document([{**node("data", "sample_dataset"), "target": "local"}], [])).step("data").target == "local"


def test_every_step_of_a_large_chain_is_found_by_its_id():
    ids = [f"n{i}" for i in range(2000)]
    doc = document([node(ids[0], "sample_dataset")] + [node(i, "passthrough") for i in ids[1:]],
                   [edge(a, "data", b, "data") for a, b in zip(ids, ids[1:])])
    plan = compile_document(doc)
    assert [s.node_id for s in plan.steps] == ids
    assert all(plan.step(i).upstream == ({ids[k - 1]} if k else set()) for k, i in enumerate(ids))


@pytest.mark.parametrize("script", ["1+" * 100_000 + "1", "-" * 100_000 + "1", "a." * 100_000 + "b"])
def test_a_script_too_deeply_nested_to_compile_is_a_parameter_error_not_a_crash(script):
    errors = validate_document(document([{**node("s", "execute_python_script"), "params": {"script": script}}], []))
    assert [(e["code"], e["node"], e["param"]) for e in errors] == [("bad_param", "s", "script")]
    assert "too deeply" in errors[0]["message"]


def test_a_python_value_nested_past_any_limit_is_an_invalid_document_not_a_recursion_error():
    deep: list = []
    inner = deep
    for _ in range(100_000):
        inner.append([])
        inner = inner[0]
    for doc in (document([node("a", "passthrough", x=deep)], []), dict(document([], []), name=deep)):
        errors = validate_document(doc)
        assert [e["code"] for e in errors] == ["invalid_document"] and "too deeply" in errors[0]["message"]
