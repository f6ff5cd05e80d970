"""Azure's column selector (modules_catalog/columns.py): a list of names or include/exclude rules by all,
names, types and roles — validated as a param, checked by the compiler against the known schema, and
resolved against the actual frame by the runner — compared with the same selection made in pandas."""
from __future__ import annotations

import pandas as pd
import pytest
from sklearn.datasets import load_iris, load_wine

from engine.compiler import compile_document, infer_schemas, validate_document
from engine.datastore import Datastore
from engine.runner import run_step
from engine.stepspec import StepSpec
from modules_catalog.columns import (MAX_RULES, ROLES_ATTR, ColumnSelectionError, resolve_columns, resolve_params)
from modules_catalog.params import ParamError, coerce
from modules_catalog.registry import load_builtins, registry
from modules_catalog.schema import schema_of
from modules_catalog.spec import Param, ParamKind
from tests.engine.graphs import document, edge, node

COLUMNS = Param("columns", ParamKind.COLUMNS, port="data")
ONE = Param("label", ParamKind.COLUMNS, port="data", multiple=False)


def iris_named() -> pd.DataFrame:
    """iris with its species as a category column and an int id: three column types."""
    iris = load_iris(as_frame=True)
    df = iris.frame.copy()
    df["species"] = pd.Categorical.from_codes(df.pop("target"), iris.target_names)
    df.insert(0, "id", range(len(df)))
    df.attrs[ROLES_ATTR] = {"species": "label"}
    return df


def rules(*items: dict) -> dict:
    return {"rules": list(items)}


def test_a_list_of_names_is_returned_in_its_own_order():
    df = iris_named()
    assert resolve_columns(["species", "id"], df) == ["species", "id"]
    assert resolve_columns("id", df) == ["id"]


def test_all_except_names_equals_pandas_drop():
    df = iris_named()
    value = rules({"action": "include", "by": "all"}, {"action": "exclude", "by": "names", "names": ["species", "id"]})
    assert resolve_columns(value, df) == list(df.drop(columns=["species", "id"]).columns)


def test_rules_by_type_equal_pandas_select_dtypes():
    df = iris_named()
    floats = rules({"action": "include", "by": "types", "types": ["float"]})
    assert resolve_columns(floats, df) == list(df.select_dtypes("float").columns)
    not_numeric = rules({"action": "include", "by": "all"}, {"action": "exclude", "by": "types", "types": ["int", "float"]})
    assert resolve_columns(not_numeric, df) == list(df.select_dtypes(exclude="number").columns) == ["species"]


def test_rules_by_role_read_the_roles_a_frame_keeps_and_a_schema_carries():
    df = iris_named()
    features = rules({"action": "include", "by": "all"}, {"action": "exclude", "by": "roles", "roles": ["label"]})
    expected = [c for c in df.columns if c != "species"]
    assert resolve_columns(features, df) == expected
    assert resolve_columns(features, schema_of(df)) == expected  # the same answer at design time
    assert resolve_columns(rules({"action": "include", "by": "roles", "roles": ["label"]}), df) == ["species"]


def test_rules_apply_in_order_and_keep_the_frame_order():
    df = iris_named()
    value = rules({"action": "include", "by": "names", "names": ["species", "petal width (cm)"]},
                  {"action": "include", "by": "types", "types": ["int"]},
                  {"action": "exclude", "by": "names", "names": ["species"]},
                  {"action": "include", "by": "roles", "roles": ["label"]})
    assert resolve_columns(value, df) == ["id", "petal width (cm)", "species"]


def test_a_rule_naming_a_column_the_input_lacks_says_which():
    with pytest.raises(ColumnSelectionError, match="column 'petal' is not in the input; it has: id, sepal length"):
        resolve_columns(rules({"action": "include", "by": "names", "names": ["petal"]}), iris_named())


@pytest.mark.parametrize("value,message", [
    ({"rules": [], }, "non-empty list"),
    ({"rules": [{"action": "include", "by": "all"}], "extra": 1}, "unknown: extra"),
    ({"rules": [{"action": "keep", "by": "all"}]}, "'action' must be include or exclude"),
    ({"rules": [{"action": "include", "by": "colour"}]}, "'by' must be one of all, names, types, roles"),
    ({"rules": [{"action": "include", "by": "all", "names": ["a"]}]}, "unknown key"),
    ({"rules": [{"action": "include", "by": "names", "types": ["int"]}]}, "unknown key"),
    ({"rules": [{"action": "include", "by": "names", "names": []}]}, "'names' must be a non-empty list"),
    ({"rules": [{"action": "include", "by": "names", "names": ["a", "a"]}]}, "twice"),
    ({"rules": [{"action": "include", "by": "names", "names": [""]}]}, "1 to 1000 characters"),
    ({"rules": [{"action": "include", "by": "names", "names": ["x" * 1001]}]}, "1 to 1000 characters"),
    ({"rules": [{"action": "include", "by": "types", "types": ["text"]}]}, "'text' is not a column type"),
    ({"rules": [{"action": "include", "by": "roles", "roles": ["target"]}]}, "'target' is not a column role"),
    ({"rules": [{"action": "exclude", "by": "names", "names": ["a"]}]}, "only exclude"),
    ({"rules": [{"action": "include", "by": "all"}] * (MAX_RULES + 1)}, f"at most {MAX_RULES} rules"),
    ({"rules": ["all"]}, "rule 1 must be an object"),
])
def test_coerce_refuses_a_malformed_rule_set_saying_what_is_wrong(value, message):
    with pytest.raises(ParamError, match=message):
        coerce(COLUMNS, value)


def test_coerce_keeps_a_valid_rule_set_and_single_column_params_take_names_only():
    value = rules({"action": "include", "by": "all"}, {"action": "exclude", "by": "roles", "roles": ["label", ""]})
    assert coerce(COLUMNS, value) == value
    with pytest.raises(ParamError, match="exactly one column name, not a rule set"):
        coerce(ONE, rules({"action": "include", "by": "all"}))
    assert coerce(ONE, ["target"]) == "target"
    with pytest.raises(ParamError, match="at most 10000 columns"):
        coerce(COLUMNS, [f"c{i}" for i in range(10_001)])


def wine_select(columns) -> dict:
    return document([node("wine", "sample_dataset", name="wine"), node("pick", "select_columns", columns=columns),
                     node("p", "passthrough")],
                    [edge("wine", "data", "pick", "data"), edge("pick", "data", "p", "data")])


def test_the_compiler_infers_the_columns_a_rule_set_selects():
    wine = load_wine(as_frame=True).frame
    value = rules({"action": "include", "by": "all"}, {"action": "exclude", "by": "names", "names": ["target"]})
    nodes, errors = infer_schemas(wine_select(value))
    assert errors == []
    assert [c["name"] for c in nodes["p"]["inputs"]["data"]] == list(wine.drop(columns="target").columns)
    plan = compile_document(wine_select(value))
    assert next(s for s in plan.steps if s.node_id == "pick").params["columns"] == value  # resolved when it runs


def test_the_compiler_reports_a_rule_set_that_selects_nothing_or_names_an_unknown_column():
    nothing = rules({"action": "include", "by": "types", "types": ["string"]})
    errors = validate_document(wine_select(nothing))
    assert [(e["code"], e["node"], e["param"]) for e in errors] == [("no_columns", "pick", "columns")]
    assert "select no column of its input 'data'" in errors[0]["message"]
    unknown = rules({"action": "include", "by": "all"}, {"action": "exclude", "by": "names", "names": ["colour"]})
    errors = validate_document(wine_select(unknown))
    assert [(e["code"], e["node"]) for e in errors] == [("unknown_column", "pick")]
    assert "'colour'" in errors[0]["message"]


def test_the_runner_hands_the_module_the_names_resolved_from_the_actual_frame(tmp_path):
    load_builtins()
    store = Datastore(str(tmp_path / "ds"))
    df = iris_named()
    data = store.put(df, "DataFrame")
    value = rules({"action": "include", "by": "all"}, {"action": "exclude", "by": "roles", "roles": ["label"]},
                  {"action": "exclude", "by": "types", "types": ["int"]})
    spec = StepSpec(attempt_id=1, run_id=1, node_id="pick", module="select_columns", version="1",
                    params={"columns": value}, inputs={"data": {"digest": data.digest, "kind": "DataFrame"}},
                    datastore=store.root, workdir=str(tmp_path))
    result = run_step(spec, lambda event: None)
    assert result.status == "succeeded", result.traceback
    out = store.load(result.outputs["data"]["digest"], "DataFrame")
    pd.testing.assert_frame_equal(out, df.drop(columns=["species", "id"]))


def test_resolving_a_required_rule_set_to_nothing_fails_naming_module_param_and_columns():
    spec = registry.get("select_columns") if load_builtins() else None
    value = rules({"action": "include", "by": "types", "types": ["datetime"]})
    with pytest.raises(ColumnSelectionError, match=r"Select Columns: 'Columns': the rules \(types datetime\) select "
                                                   r"no column of input 'data', which has: id, sepal length"):
        resolve_params(spec, {"columns": value}, {"data": iris_named()})
