"""Design-time checks in the compiler: declared column types (Param.dtypes), modules' own `check`
hooks with what feeds them (Upstream, built once per node), a check that raises (check_failed, never
an exception), learned output schemas, and user code's taint through the models it makes."""
from __future__ import annotations

import pytest

import tests.engine.check_modules as cm
from engine.compiler import CompileError, Learned, compile_document, infer_schemas, validate_document
from modules_catalog.checks import ENCODE_HINT
from modules_catalog.schema import schema_of
from tests.engine.graphs import document, edge, node, script_node

IRIS_NUMBERS = ["sepal length (cm)", "petal width (cm)"]


def numbers_only(**params):
    return document([node("src", "checktest.iris_species"), node("num", "checktest.numeric_only", **params)],
                    [edge("src", "data", "num", "data")])


def keyed(errors):
    return [(e["code"], e["node"], e["param"], e["column"]) for e in errors]


# -- declared column types --------------------------------------------------------------------------

def test_a_text_column_chosen_where_only_numbers_are_accepted_is_an_error_naming_column_type_and_module():
    errors = validate_document(numbers_only(columns=IRIS_NUMBERS + ["species"]))
    assert keyed(errors) == [("column_type", "num", "columns", "species")]
    (e,) = errors
    assert "'species'" in e["message"] and "text" in e["message"] and "Numbers Only" in e["message"]
    assert e["hint"] == ENCODE_HINT and e["port"] == "data"


def test_numeric_columns_pass_and_a_param_s_own_hint_is_used():
    assert validate_document(numbers_only(columns=IRIS_NUMBERS)) == []
    errors = validate_document(numbers_only(columns=IRIS_NUMBERS, groups=["species", "petal length (cm)"]))
    assert keyed(errors) == [("column_type", "num", "groups", "petal length (cm)")]
    assert errors[0]["hint"] == "group by a column of classes, not of measurements"
    assert "decimal numbers" in errors[0]["message"]


def test_a_rule_set_is_checked_on_the_columns_it_selects():
    rules = {"rules": [{"action": "include", "by": "all"}]}
    assert keyed(validate_document(numbers_only(columns=rules))) == [("column_type", "num", "columns", "species")]
    rules["rules"].append({"action": "exclude", "by": "types", "types": ["string"]})
    assert validate_document(numbers_only(columns=rules)) == []


def test_many_wrong_columns_are_listed_up_to_a_bound_then_counted():
    doc = numbers_only(columns=[f"species_{i}" for i in range(2, 31)])
    doc["nodes"][0]["params"]["text_columns"] = 30
    errors = validate_document(doc)
    assert len(errors) == 21 and all(e["code"] == "column_type" for e in errors)
    assert errors[-1]["column"] is None and errors[-1]["message"].startswith("9 more columns")


def test_columns_of_an_unknown_schema_are_checked_when_the_step_runs():
    doc = document([node("src", "checktest.iris_species"), script_node("py", "def azureml_main(a, b): return a,"),
                    node("num", "checktest.numeric_only", columns=["anything"])],
                   [edge("src", "data", "py", "dataset1"), edge("py", "result1", "num", "data")])
    assert validate_document(doc) == []


# -- modules' own checks ----------------------------------------------------------------------------

def trained_and_checked(label: str, **extra) -> dict:
    """breast cancer -> train (a binary learner) -> a checked node fed by the model and iris with species."""
    return document(
        [node("src", "checktest.iris_species"), node("learner", "checktest.learner"),
         node("cancer", "sample_dataset", name="breast_cancer"), node("train", "train_model", label_column="target"),
         node("check", "checktest.checked", label=label, **extra)],
        [edge("learner", "learner", "train", "learner"), edge("cancer", "data", "train", "data"),
         edge("train", "model", "check", "model"), edge("src", "data", "check", "data")])


def test_a_check_sees_the_schemas_params_and_what_feeds_it_back_to_the_learner():
    cm.SEEN.clear()
    assert validate_document(trained_and_checked("species")) == []
    (design,) = cm.SEEN
    assert design.inputs["data"] == schema_of(cm.iris_species())
    assert design.params == {"label": "species", "also_warn": False}
    model = design.upstream["model"]
    assert (model.spec.key, model.port, model.params["label_column"]) == ("train_model", "model", "target")
    assert model.upstream["learner"].spec.task == "binary" and model.upstream["learner"].port == "learner"
    assert (model.upstream["data"].spec.key, model.upstream["data"].params) == ("sample_dataset", {"name": "breast_cancer"})
    assert design.upstream["data"].upstream == {}


def test_a_violation_becomes_a_structured_error_with_its_hint():
    errors = validate_document(trained_and_checked("petal width (cm)"))
    assert keyed(errors) == [("column_type", "check", "label", "petal width (cm)")]
    assert "decimal numbers" in errors[0]["message"] and "binary classifier" in errors[0]["message"]
    assert "Group Data into Bins" in errors[0]["hint"]
    with pytest.raises(CompileError) as refused:
        compile_document(trained_and_checked("petal width (cm)"))
    assert keyed(refused.value.errors) == keyed(errors)
    also = validate_document(trained_and_checked("species", also_warn=True))
    assert [(e["code"], e["port"], e["param"], e["hint"]) for e in also] == [("demo", "data", None, None)]


def test_upstream_is_built_once_per_node_and_shared_down_a_chain():
    cm.SEEN.clear()
    nodes = [node("src", "checktest.iris_species")] + [node(f"c{i}", "checktest.checked") for i in range(50)]
    edges = [edge(a["id"], "data", b["id"], "data") for a, b in zip(nodes, nodes[1:])]
    assert validate_document(document(nodes, edges)) == []
    assert len(cm.SEEN) == 50
    for before, after in zip(cm.SEEN, cm.SEEN[1:]):  # each node's map is its successor's upstream's, not a copy
        assert after.upstream["data"].upstream is before.upstream
    assert cm.SEEN[-1].upstream["data"].spec.key == "checktest.checked"


def test_a_check_runs_only_once_the_tables_it_is_given_are_known():
    cm.SEEN.clear()
    doc = document([node("src", "checktest.iris_species"), script_node("py", "def azureml_main(a, b): return a,"),
                    node("check", "checktest.checked", label="anything")],
                   [edge("src", "data", "py", "dataset1"), edge("py", "result1", "check", "data")])
    assert validate_document(doc) == [] and cm.SEEN == []


def test_a_check_that_raises_or_yields_nonsense_is_an_error_naming_the_module_not_an_exception():
    doc = document([node("src", "checktest.iris_species"), node("bad", "checktest.raises"),
                    node("odd", "checktest.nonsense")],
                   [edge("src", "data", "bad", "data"), edge("src", "data", "odd", "data")])
    errors = validate_document(doc)
    assert [(e["code"], e["node"]) for e in errors] == [("check_failed", "bad"), ("check_failed", "odd")]
    assert "Broken Check" in errors[0]["message"] and "ZeroDivisionError" in errors[0]["message"]
    assert "Nonsense Check" in errors[1]["message"] and "not a Violation" in errors[1]["message"]
    assert errors[0]["hint"]
    nodes, again = infer_schemas(doc)
    assert again == errors and nodes["bad"]["outputs"] == {"data": None}


def test_a_check_finding_thousands_of_problems_reports_a_bounded_number():
    doc = document([node("src", "checktest.iris_species"), node("m", "checktest.many")], [edge("src", "data", "m", "data")])
    errors = validate_document(doc)
    assert len(errors) == 21 and errors[-1]["message"].endswith("more problems with 'x'")


def test_a_node_with_a_param_error_is_not_checked():
    cm.SEEN.clear()
    doc = trained_and_checked("species")
    doc["nodes"][4]["params"]["also_warn"] = "not a bool"
    assert [e["code"] for e in validate_document(doc)] == ["bad_param"] and cm.SEEN == []


# -- learned schemas --------------------------------------------------------------------------------

def script_then_numbers(columns, script="def azureml_main(a, b): return a,"):
    return document([node("src", "sample_dataset", name="iris"), script_node("py", script),
                     node("num", "checktest.numeric_only", columns=columns)],
                    [edge("src", "data", "py", "dataset1"), edge("py", "result1", "num", "data")])


def test_a_learned_schema_fills_what_a_module_cannot_infer_and_is_checked_downstream():
    calls = []

    def learned(nid, spec, params):
        calls.append((nid, spec.key, params["script"]))
        return Learned({"result1": schema_of(cm.iris_species())}, run=7)

    doc = script_then_numbers(IRIS_NUMBERS + ["species"])
    nodes, errors = infer_schemas(doc, learned=learned)
    assert calls == [("py", "execute_python_script", "def azureml_main(a, b): return a,")]  # only where not inferred
    assert nodes["py"]["learned_from"] == {"run": 7, "ports": ["result1"]}
    assert [c["name"] for c in nodes["py"]["outputs"]["result1"]][-1] == "species"
    assert nodes["py"]["outputs"]["result2"] is None and "learned_from" not in nodes["num"]
    assert nodes["num"]["inputs"]["data"] == nodes["py"]["outputs"]["result1"]
    assert keyed(errors) == [("column_type", "num", "columns", "species")]
    assert validate_document(doc, learned=learned) == errors
    assert validate_document(doc) == [] and compile_document(doc)  # without it (a submit): checked at run time


def test_nothing_is_learned_for_a_node_in_error_or_when_there_is_no_run():
    doc = script_then_numbers(IRIS_NUMBERS)
    nodes, errors = infer_schemas(doc, learned=lambda *a: None)
    assert errors == [] and nodes["py"]["outputs"]["result1"] is None and "learned_from" not in nodes["py"]
    doc["nodes"][1]["params"]["no_such_param"] = 1
    called = []
    nodes, errors = infer_schemas(doc, learned=lambda *a: called.append(a))
    assert [e["code"] for e in errors] == ["unknown_param"] and called == []


# -- user code's taint ------------------------------------------------------------------------------

def test_whatever_loads_a_model_or_transform_user_code_made_runs_as_user_code():
    doc = document(
        [node("data", "sample_dataset", name="breast_cancer"), node("mine", "checktest.user_model"),
         node("train", "train_model", label_column="target"), node("score", "score_model"),
         node("evaluate", "evaluate_model", label_column="target"), node("after", "passthrough"),
         node("builtin", "logistic_regression"), node("train2", "train_model", label_column="target"),
         node("score2", "score_model"),
         node("fit", "checktest.user_transform"), node("apply", "checktest.apply"),
         script_node("py", "def azureml_main(a, b): return a,"), node("after_py", "passthrough")],
        [edge("mine", "learner", "train", "learner"), edge("data", "data", "train", "data"),
         edge("train", "model", "score", "model"), edge("data", "data", "score", "data"),
         edge("score", "data", "evaluate", "data"), edge("score", "data", "after", "data"),
         edge("builtin", "learner", "train2", "learner"), edge("data", "data", "train2", "data"),
         edge("train2", "model", "score2", "model"), edge("data", "data", "score2", "data"),
         edge("data", "data", "fit", "data"), edge("fit", "transform", "apply", "transform"),
         edge("data", "data", "apply", "data"),
         edge("data", "data", "py", "dataset1"), edge("py", "result1", "after_py", "data")])
    plan = compile_document(doc)
    user = {s.node_id for s in plan.steps if s.user_code}
    # tables and metrics are data: only the model or transform a user-code step made carries its code
    assert user == {"mine", "train", "score", "fit", "apply", "py"}


def test_create_python_model_taints_train_tune_cross_validate_and_score_but_not_their_tables():
    doc = document(
        [node("data", "sample_dataset", name="breast_cancer"), node("mine", "create_python_model"),
         node("train", "train_model", label_column="target"), node("score", "score_model"),
         node("tune", "tune_model_hyperparameters", label_column="target"), node("score_tuned", "score_model"),
         node("cv", "cross_validate_model", label_column="target"), node("after_cv", "passthrough"),
         node("evaluate", "evaluate_model", label_column="target")],
        [edge("mine", "learner", "train", "learner"), edge("data", "data", "train", "data"),
         edge("train", "model", "score", "model"), edge("data", "data", "score", "data"),
         edge("mine", "learner", "tune", "learner"), edge("data", "data", "tune", "data"),
         edge("tune", "model", "score_tuned", "model"), edge("data", "data", "score_tuned", "data"),
         edge("mine", "learner", "cv", "learner"), edge("data", "data", "cv", "data"),
         edge("cv", "data", "after_cv", "data"), edge("score", "data", "evaluate", "data")])
    plan = compile_document(doc)
    assert {s.node_id for s in plan.steps if s.user_code} == {"mine", "train", "score", "tune", "score_tuned", "cv"}


def test_a_node_fed_by_a_node_in_error_is_not_checked():
    cm.SEEN.clear()
    doc = trained_and_checked("species")
    doc["nodes"][3]["params"]["label_column"] = "no such column"  # the trainer is in error; its model is unknown
    assert [(e["code"], e["node"]) for e in validate_document(doc)] == [("unknown_column", "train")]
    assert cm.SEEN == []
