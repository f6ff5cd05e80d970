"""Edit Metadata and Select Columns Transform on scikit-learn's datasets, compared with pandas."""
from __future__ import annotations

import re

import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.model_selection import train_test_split

from engine.datastore import Datastore
from modules_catalog.columns import ROLES_ATTR
from modules_catalog.registry import load_builtins, registry
from modules_catalog.schema import schema_of
from modules_catalog.spec import Column, Design


def edit(ctx, data, **params):
    load_builtins()
    return registry.get("edit_metadata").fn(ctx, data=data, **params)


def infer(schema, **params):
    load_builtins()
    params = {"data_type": "unchanged", "categorical": "unchanged", "role": "unchanged", **params}
    return registry.get("edit_metadata").infer_schema({"data": schema}, params)["data"]


def wine() -> pd.DataFrame:
    return load_wine(as_frame=True).frame


def iris_text() -> pd.DataFrame:
    iris = load_iris(as_frame=True)
    df = iris.frame.drop(columns="target")
    df["species"] = [iris.target_names[t] for t in iris.target]
    return df


def test_types_convert_as_pandas_does_and_the_schema_says_so_before_running(ctx):
    df = wine()
    out = edit(ctx, df, columns=["proline", "magnesium"], data_type="int")
    expected = df.assign(proline=df["proline"].astype("int64"), magnesium=df["magnesium"].astype("int64"))
    pd.testing.assert_frame_equal(out, expected)
    assert infer(schema_of(df), columns=["proline", "magnesium"], data_type="int") == schema_of(out)
    text = df.astype(str)
    back = edit(ctx, text, columns=list(df.columns[:-1]), data_type="float")
    pd.testing.assert_frame_equal(back.iloc[:, :-1], df.iloc[:, :-1])  # repr of a float reads back exactly
    cancer = load_breast_cancer(as_frame=True).frame
    flags = edit(ctx, cancer, columns=["target"], data_type="bool")
    pd.testing.assert_series_equal(flags["target"], cancer["target"].astype(bool))


def test_text_becomes_categories_and_dates_and_back(ctx):
    df = iris_text()
    out = edit(ctx, df, columns=["species"], categorical="categorical")
    pd.testing.assert_series_equal(out["species"], df["species"].astype("category"))
    plain = edit(ctx, out, columns=["species"], categorical="not_categorical")
    pd.testing.assert_series_equal(plain["species"], df["species"])
    days = pd.DataFrame({"when": pd.date_range("2024-01-30", periods=60, freq="D").strftime("%Y-%m-%d")})
    dated = edit(ctx, days, columns=["when"], data_type="datetime")
    pd.testing.assert_series_equal(dated["when"], pd.to_datetime(days["when"]))


@pytest.mark.parametrize("column,to,value", [
    ("species", "float", "setosa"), ("species", "bool", "setosa"), ("sepal length (cm)", "int", "5.1"),
])
def test_a_failing_conversion_names_the_column_and_a_value(ctx, column, to, value):
    df = iris_text()
    with pytest.raises(ValueError, match=rf"Edit Metadata: column '{re.escape(column)}' holds .*the value '{re.escape(value)}' is not one"):
        edit(ctx, df, columns=[column], data_type=to)


def test_dates_are_made_from_text_only(ctx):
    with pytest.raises(ValueError, match="column 'alcohol' holds decimal numbers; dates are made from text only"):
        edit(ctx, wine(), columns=["alcohol"], data_type="datetime")
    violations = registry.get("edit_metadata").check(Design({"data": schema_of(wine())},
                                                            {"columns": ["alcohol"], "data_type": "datetime"}))
    assert [(v.param, v.column) for v in violations] == [("data_type", "alcohol")]


def test_roles_are_kept_in_the_frame_move_with_the_label_and_clear(ctx):
    df = wine()
    labelled = edit(ctx, df, columns=["target"], role="label")
    assert labelled.attrs == {ROLES_ATTR: {"target": "label"}}
    assert df.attrs == {}  # the input is left as it was
    weighted = edit(ctx, labelled, columns=["alcohol", "ash"], role="weight")
    assert weighted.attrs[ROLES_ATTR] == {"target": "label", "alcohol": "weight", "ash": "weight"}
    moved = edit(ctx, weighted, columns=["proline"], role="label")
    assert moved.attrs[ROLES_ATTR] == {"proline": "label", "alcohol": "weight", "ash": "weight"}
    cleared = edit(ctx, moved, columns=["ash"], role="none")
    assert cleared.attrs[ROLES_ATTR] == {"proline": "label", "alcohol": "weight"}
    assert infer(schema_of(weighted), columns=["proline"], role="label") == schema_of(moved)
    pd.testing.assert_frame_equal(cleared, df)  # the values never changed


def test_the_label_role_goes_to_one_column(ctx):
    with pytest.raises(ValueError, match="the label role goes to one column, and 2 are selected"):
        edit(ctx, wine(), columns=["alcohol", "target"], role="label")
    violations = registry.get("edit_metadata").check(Design({"data": schema_of(wine())},
                                                            {"columns": ["alcohol", "target"], "role": "label"}))
    assert [v.param for v in violations] == ["role"]


def test_renaming_keeps_values_and_roles_and_refuses_a_bad_list(ctx):
    df = wine()
    labelled = edit(ctx, df, columns=["target"], role="label")
    out = edit(ctx, labelled, columns=["target", "alcohol"], new_names="cultivar, alcohol_pct")
    pd.testing.assert_frame_equal(out, df.rename(columns={"target": "cultivar", "alcohol": "alcohol_pct"}))
    assert out.attrs[ROLES_ATTR] == {"cultivar": "label"}
    assert infer(schema_of(labelled), columns=["target", "alcohol"], new_names="cultivar, alcohol_pct") == schema_of(out)
    assert Column("cultivar", "int", "label") in schema_of(out)
    for names, message in (("a", "1 new names for 2 selected columns"), ("a, a", "given twice"),
                           ("a, ash", "already the name of another column"), ("a,", "a new name is empty")):
        with pytest.raises(ValueError, match=message):
            edit(ctx, df, columns=["target", "alcohol"], new_names=names)


def test_roles_of_an_edited_frame_survive_the_datastore(ctx, tmp_path):
    store = Datastore(str(tmp_path / "ds"))
    out = edit(ctx, iris_text(), columns=["species"], role="label", data_type="category")
    back = store.load(store.put(out, "DataFrame").digest, "DataFrame")
    pd.testing.assert_frame_equal(back, out)
    assert schema_of(back) == schema_of(out) and Column("species", "category", "label") in schema_of(back)


def test_select_columns_transform_gives_other_rows_the_columns_of_its_input(ctx, tmp_path):
    load_builtins()
    df = wine()
    train, test = train_test_split(df, test_size=0.3, random_state=0)
    chosen = train[["proline", "alcohol", "target"]]
    transform = registry.get("select_columns_transform").fn(ctx, data=chosen)
    pd.testing.assert_frame_equal(transform.apply(test), test[["proline", "alcohol", "target"]])
    store = Datastore(str(tmp_path / "ds"))
    fitted = store.load(store.put(transform, "Transform").digest, "Transform")  # pickled like any transform
    pd.testing.assert_frame_equal(fitted.apply(df), df[["proline", "alcohol", "target"]])
    with pytest.raises(ValueError, match="Select Columns Transform: column 'proline' is not in the input"):
        transform.apply(test.drop(columns="proline"))


def test_the_compiler_carries_roles_downstream_and_reports_edit_metadata_mistakes_on_the_node():
    from engine.compiler import infer_schemas, validate_document
    from tests.engine.graphs import document, edge, node

    features = {"rules": [{"action": "include", "by": "all"}, {"action": "exclude", "by": "roles", "roles": ["label"]}]}
    doc = document([node("wine", "sample_dataset", name="wine"),
                    node("meta", "edit_metadata", columns=["target"], role="label", new_names="cultivar"),
                    node("pick", "select_columns", columns=features)],
                   [edge("wine", "data", "meta", "data"), edge("meta", "data", "pick", "data")])
    nodes, errors = infer_schemas(doc)
    assert errors == []
    assert nodes["meta"]["outputs"]["data"][-1] == {"name": "cultivar", "dtype": "int", "role": "label"}
    assert [c["name"] for c in nodes["pick"]["outputs"]["data"]] == list(wine().columns[:-1])
    doc["nodes"][1]["params"].update(columns=["alcohol", "target"], new_names="a")
    errors = validate_document(doc)
    assert {(e["node"], e["param"]) for e in errors} == {("meta", "role"), ("meta", "new_names")}
