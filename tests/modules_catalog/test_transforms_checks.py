"""Design-time checks of the Data Transformation modules, through the compiler as the designer validates a
draft: each mistake knowable from column types is reported on its node before anything runs, and the
defaults pass on ordinary data."""
from __future__ import annotations

import pytest

from engine.compiler import infer_schemas, validate_document
from engine.documents import document, edge, node

PASSENGERS = ("sex,age,fare,embarked,survived\nmale,22,7.25,S,0\nfemale,38,71.28,C,1\nfemale,,7.92,S,1\n"
              "male,35,8.05,,0\nmale,54,51.86,S,0\n")


def _chain(module: str, **params) -> dict:
    return document([node("data", "enter_data_manually", data=PASSENGERS), node("step", module, **params)],
                    [edge("data", "data", "step", "data")])


def _errors(doc: dict) -> list[dict]:
    return [e for e in validate_document(doc) if e["node"] == "step"]


def test_clean_missing_datas_default_passes_on_a_table_with_text():
    assert _errors(_chain("clean_missing_data")) == []


def test_a_text_column_chosen_for_mean_cleaning_is_reported_with_what_to_do():
    errors = _errors(_chain("clean_missing_data", columns=["age", "embarked"], mode="mean"))
    assert [(e["param"], e["column"]) for e in errors] == [("columns", "embarked")]
    assert "use mode 'mode' or 'constant' for text columns" in errors[0]["hint"]
    assert _errors(_chain("clean_missing_data", columns=["age", "embarked"], mode="mode")) == []


@pytest.mark.parametrize(("module", "params", "param"), [
    ("normalize_data", {"columns": ["fare", "sex"]}, "columns"),
    ("apply_math_operation", {"columns": ["sex"], "operation": "log"}, "columns"),
    ("group_data_into_bins", {"columns": ["embarked"]}, "columns"),
    ("split_data", {"stratify_column": "fare"}, "stratify_column"),
    ("partition_and_sample", {"stratify_column": "fare"}, "stratify_column"),
    ("convert_to_indicator_values", {"columns": ["fare"]}, "columns"),
    ("smote", {"label_column": "fare"}, "label_column"),
])
def test_a_column_of_the_wrong_type_is_reported_on_its_param(module, params, param):
    errors = [e for e in _errors(_chain(module, **params)) if e["param"] == param]
    assert len(errors) == 1 and errors[0]["column"] in ("sex", "embarked", "fare") and errors[0]["hint"]


def test_smote_names_the_text_features_and_split_data_a_bad_expression():
    errors = _errors(_chain("smote", label_column="survived"))
    assert sorted(e["column"] for e in errors) == ["embarked", "sex"]
    errors = _errors(_chain("split_data", mode="expression", expression='"sex" > 3'))
    assert [e["param"] for e in errors] == ["expression"]


def test_a_query_that_writes_is_refused_before_the_run():
    doc = document([node("data", "enter_data_manually", data=PASSENGERS),
                    node("step", "apply_sql_transformation", query="DROP VIEW t1")],
                   [edge("data", "data", "step", "t1")])
    errors = _errors(doc)
    assert [e["param"] for e in errors] == ["query"] and "read-only SELECT" in errors[0]["message"]


def test_inferred_columns_flow_through_the_transformations():
    doc = document([node("data", "enter_data_manually", data=PASSENGERS),
                    node("bins", "group_data_into_bins", columns=["fare"], mode="append", bins=3),
                    node("math", "apply_math_operation", columns=["fare_bin"], operation="add", constant=1.0)],
                   [edge("data", "data", "bins", "data"), edge("bins", "data", "math", "data")])
    schemas, errors = infer_schemas(doc)
    assert errors == []
    def columns(nid):
        return [(c["name"], c["dtype"]) for c in schemas[nid]["outputs"]["data"]]
    assert columns("bins")[-1] == ("fare_bin", "int") and columns("math")[-1] == ("fare_bin", "float")


def test_apply_transformation_infers_the_columns_its_fitted_bins_give_the_test_rows():
    doc = document([node("data", "enter_data_manually", data=PASSENGERS),
                    node("split", "split_data", fraction=0.6, seed=0),
                    node("bins", "group_data_into_bins", columns=["fare"], output="label", bins=2),
                    node("apply", "apply_transformation"),
                    node("math", "apply_math_operation", columns=["fare"], operation="log")],
                   [edge("data", "data", "split", "data"), edge("split", "train", "bins", "data"),
                    edge("bins", "transform", "apply", "transform"), edge("split", "test", "apply", "data"),
                    edge("apply", "data", "math", "data")])
    schemas, errors = infer_schemas(doc)
    assert ("fare", "string") in [(c["name"], c["dtype"]) for c in schemas["apply"]["outputs"]["data"]]
    assert [(e["node"], e["param"], e["column"]) for e in errors] == [("math", "columns", "fare")]
