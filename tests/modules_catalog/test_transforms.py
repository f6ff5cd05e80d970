"""Select Columns, Clean Missing Data, Normalize Data and Split Data, against pandas and scikit-learn."""
from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris, load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from modules_catalog.schema import schema_of
from modules_catalog.spec import DISCRETE_DTYPES, NUMERIC_DTYPES, Column, Design


@pytest.fixture
def iris():
    return load_iris(as_frame=True).frame


@pytest.fixture
def holey_wine():
    """Wine with about a tenth of two columns missing, and a text column."""
    df = load_wine(as_frame=True).frame
    rng = np.random.default_rng(7)
    for name in ("alcohol", "magnesium"):
        df.loc[rng.random(len(df)) < 0.1, name] = np.nan
    df["grade"] = np.where(df["target"] == 0, "A", "B")
    df.loc[rng.random(len(df)) < 0.1, "grade"] = None
    return df


# -- Select Columns -------------------------------------------------------------------------------
def test_select_columns_keeps_the_columns_in_the_given_order(catalog, ctx, iris):
    spec = catalog.get("select_columns", "1")
    out = spec.fn(ctx, data=iris, columns=["target", "petal width (cm)"])
    pd.testing.assert_frame_equal(out, iris[["target", "petal width (cm)"]])


def test_select_columns_names_a_missing_column_and_the_ones_there_are(catalog, ctx, iris):
    with pytest.raises(ValueError, match=r"column 'foo' is not in the input; it has: sepal length \(cm\), .*target"):
        catalog.get("select_columns").fn(ctx, data=iris, columns=["target", "foo"])


def test_select_columns_infers_the_selected_columns_in_order(catalog, iris):
    spec = catalog.get("select_columns", "1")
    got = spec.infer_schema({"data": schema_of(iris)}, {"columns": ["target", "sepal length (cm)"]})
    assert got == {"data": (Column("target", "int"), Column("sepal length (cm)", "float"))}
    assert spec.infer_schema({"data": None}, {"columns": ["a"]}) == {"data": None}


# -- Clean Missing Data ---------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["mean", "median"])
def test_clean_missing_data_fills_with_the_column_statistic(catalog, ctx, holey_wine, mode):
    spec = catalog.get("clean_missing_data", "1")
    cols = ["alcohol", "magnesium"]
    out = spec.fn(ctx, data=holey_wine, columns=cols, mode=mode, replacement=None)
    expected = holey_wine.copy()
    for c in cols:
        expected[c] = expected[c].fillna(getattr(expected[c], mode)())
    pd.testing.assert_frame_equal(out["data"], expected)
    assert ("missing_values", float(holey_wine[cols].isna().sum().sum()), None) in ctx.metrics


@pytest.mark.parametrize("columns", [None, ["alcohol"]])
def test_clean_missing_data_on_an_all_float_frame_matches_pandas_column_by_column(catalog, ctx, holey_wine, columns):
    floats = holey_wine.drop(columns=["grade"]).astype("float64")  # the one-copy path for float frames
    floats.index = pd.RangeIndex(100, 100 + len(floats), name="row")
    out = catalog.get("clean_missing_data").fn(ctx, data=floats, columns=columns, mode="mean", replacement=None)
    expected = floats.copy()
    for c in columns or floats.columns:
        expected[c] = expected[c].fillna(expected[c].mean())
    pd.testing.assert_frame_equal(out["data"], expected)
    assert out["data"]["magnesium"].isna().any() == (columns is not None)  # unselected columns keep their gaps


def test_clean_missing_data_transform_applies_the_fitted_values_to_new_data(catalog, ctx, holey_wine):
    out = catalog.get("clean_missing_data").fn(ctx, data=holey_wine, columns=["alcohol"], mode="mean",
                                               replacement=None)
    transform = pickle.loads(pickle.dumps(out["transform"]))
    new = pd.DataFrame({"alcohol": [np.nan, 1.0], "other": [1, 2]})
    got = transform.apply(new)
    assert got["alcohol"].tolist() == [holey_wine["alcohol"].mean(), 1.0]
    assert got["other"].tolist() == [1, 2]


def test_clean_missing_data_mode_and_remove_row_match_pandas(catalog, ctx, holey_wine):
    spec = catalog.get("clean_missing_data", "1")
    out = spec.fn(ctx, data=holey_wine, columns=["grade"], mode="mode", replacement=None)["data"]
    assert out["grade"].tolist() == holey_wine["grade"].fillna(holey_wine["grade"].mode()[0]).tolist()
    out = spec.fn(ctx, data=holey_wine, columns=None, mode="remove_row", replacement=None)["data"]
    pd.testing.assert_frame_equal(out, holey_wine.dropna().reset_index(drop=True))


def test_clean_missing_data_converts_a_constant_to_the_column_type(catalog, ctx, holey_wine):
    spec = catalog.get("clean_missing_data", "1")
    out = spec.fn(ctx, data=holey_wine, columns=["magnesium"], mode="constant", replacement="0")["data"]
    assert out["magnesium"].tolist() == holey_wine["magnesium"].fillna(0.0).tolist()
    out = spec.fn(ctx, data=holey_wine, columns=["grade"], mode="constant", replacement="unknown")["data"]
    assert out["grade"].isna().sum() == 0 and "unknown" in set(out["grade"])


def test_clean_missing_data_refuses_a_constant_of_the_wrong_type(catalog, ctx, holey_wine):
    with pytest.raises(ValueError, match="replacement 'abc' cannot be converted to the type of column 'alcohol'"):
        catalog.get("clean_missing_data").fn(ctx, data=holey_wine, columns=["alcohol"], mode="constant",
                                             replacement="abc")


def test_clean_missing_data_mean_of_a_chosen_text_column_names_the_column_and_what_to_do(catalog, ctx, holey_wine):
    with pytest.raises(ValueError, match="Clean Missing Data: column 'grade' holds text, and mode 'mean' needs "
                                         "numbers; .*use mode 'mode' or 'constant' for text columns"):
        catalog.get("clean_missing_data").fn(ctx, data=holey_wine, columns=["grade"], mode="mean", replacement=None)


@pytest.mark.parametrize("mode", ["mean", "median"])
def test_clean_missing_data_default_cleans_only_the_numeric_columns_and_says_which_it_skipped(catalog, ctx,
                                                                                               holey_wine, mode):
    out = catalog.get("clean_missing_data").fn(ctx, data=holey_wine, columns=None, mode=mode, replacement=None)
    expected = holey_wine.copy()
    numeric = holey_wine.columns.drop("grade")
    expected[numeric] = expected[numeric].fillna(getattr(expected[numeric], mode)())
    pd.testing.assert_frame_equal(out["data"], expected)
    assert out["data"]["grade"].isna().sum() == holey_wine["grade"].isna().sum() > 0
    assert any("1 other columns left as they are (grade)" in line for line in ctx.logs)


# -- Normalize Data -------------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "scaler"), [("zscore", StandardScaler), ("minmax", MinMaxScaler)])
def test_normalize_data_matches_sklearns_scaler(catalog, ctx, iris, method, scaler):
    spec = catalog.get("normalize_data", "1")
    features = list(iris.columns[:4])
    out = spec.fn(ctx, data=iris, columns=features, method=method)
    np.testing.assert_allclose(out["data"][features].to_numpy(), scaler().fit_transform(iris[features]))
    assert out["data"]["target"].equals(iris["target"])
    again = pickle.loads(pickle.dumps(out["transform"])).apply(iris)
    pd.testing.assert_frame_equal(again, out["data"])


def test_normalize_data_without_columns_rescales_every_numeric_column(catalog, ctx, iris):
    df = iris.assign(name="x")
    out = catalog.get("normalize_data").fn(ctx, data=df, columns=[], method="zscore")["data"]
    numeric = list(iris.columns)
    np.testing.assert_allclose(out[numeric].to_numpy(), StandardScaler().fit_transform(iris[numeric]))
    assert (out["name"] == "x").all()


def test_normalize_data_refuses_a_text_column(catalog, ctx, iris):
    with pytest.raises(ValueError, match="column 'name' is not numeric"):
        catalog.get("normalize_data").fn(ctx, data=iris.assign(name="x"), columns=["name"], method="zscore")


def test_normalize_data_on_a_table_without_rows_says_there_is_nothing_to_fit(catalog, ctx, iris):
    with pytest.raises(ValueError, match="no rows"):
        catalog.get("normalize_data").fn(ctx, data=iris.iloc[:0], columns=None, method="zscore")


def test_normalize_data_infers_float_for_the_rescaled_columns(catalog, iris):
    spec = catalog.get("normalize_data", "1")
    schema = schema_of(iris.assign(name="x"))
    got = spec.infer_schema({"data": schema}, {"columns": [], "method": "zscore"})["data"]
    assert [c.dtype for c in got] == ["float"] * 5 + ["string"]
    got = spec.infer_schema({"data": schema}, {"columns": ["sepal length (cm)"]})["data"]
    assert got[-2] == Column("target", "int")


# -- Split Data -----------------------------------------------------------------------------------
def test_split_data_matches_train_test_split(catalog, ctx, iris):
    spec = catalog.get("split_data", "1")
    out = spec.fn(ctx, data=iris, fraction=0.7, seed=3, shuffle=True, stratify_column=None)
    train, test = train_test_split(iris, train_size=105, test_size=45, random_state=3)
    pd.testing.assert_frame_equal(out["train"], train.reset_index(drop=True))
    pd.testing.assert_frame_equal(out["test"], test.reset_index(drop=True))


def test_split_data_is_the_same_for_the_same_seed_and_differs_for_another(catalog, ctx, iris):
    spec = catalog.get("split_data", "1")
    a = spec.fn(ctx, data=iris, fraction=0.5, seed=1, shuffle=True, stratify_column=None)["train"]
    b = spec.fn(ctx, data=iris, fraction=0.5, seed=1, shuffle=True, stratify_column=None)["train"]
    c = spec.fn(ctx, data=iris, fraction=0.5, seed=2, shuffle=True, stratify_column=None)["train"]
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_split_data_stratifies_and_keeps_order_without_shuffle(catalog, ctx, iris):
    spec = catalog.get("split_data", "1")
    out = spec.fn(ctx, data=iris, fraction=0.6, seed=0, shuffle=True, stratify_column="target")
    assert out["train"]["target"].value_counts().tolist() == [30, 30, 30]
    out = spec.fn(ctx, data=iris, fraction=0.6, seed=0, shuffle=False, stratify_column=None)
    pd.testing.assert_frame_equal(out["train"], iris.iloc[:90].reset_index(drop=True))


@pytest.mark.parametrize(("fraction", "first", "second"), [(0.0, 0, 150), (1.0, 150, 0)])
def test_split_data_at_the_ends_gives_one_empty_output(catalog, ctx, iris, fraction, first, second):
    out = catalog.get("split_data").fn(ctx, data=iris, fraction=fraction, seed=0, shuffle=True,
                                       stratify_column=None)
    assert (len(out["train"]), len(out["test"])) == (first, second)
    assert list(out["train"].columns) == list(iris.columns)


def test_split_data_errors_name_the_stratify_column(catalog, ctx, iris):
    spec = catalog.get("split_data", "1")
    with pytest.raises(ValueError, match="column 'kind' is not in the input"):
        spec.fn(ctx, data=iris, fraction=0.5, seed=0, shuffle=True, stratify_column="kind")
    with pytest.raises(ValueError, match="cannot stratify by column 'sepal length"):
        spec.fn(ctx, data=iris, fraction=0.5, seed=0, shuffle=True, stratify_column="sepal length (cm)")


def test_split_data_infers_the_input_schema_for_both_outputs(catalog, iris):
    schema = schema_of(iris)
    assert catalog.get("split_data").infer_schema({"data": schema}, {}) == {"train": schema, "test": schema}


# -- Split Data by regular or relative expression -------------------------------------------------
@pytest.fixture
def named_iris(iris):
    return iris.assign(species=iris["target"].map({0: "setosa", 1: "versicolor", 2: "virginica"}))


def test_split_data_by_regular_expression_matches_pandas_str_contains(catalog, ctx, named_iris):
    out = catalog.get("split_data").fn(ctx, data=named_iris, mode="regex", regex_column="species", pattern="^v.*r",
                                       fraction=0.7, seed=0, shuffle=True, stratify_column=None)
    matched = named_iris["species"].str.contains("^v.*r", regex=True)
    pd.testing.assert_frame_equal(out["train"], named_iris[matched].reset_index(drop=True))
    pd.testing.assert_frame_equal(out["test"], named_iris[~matched].reset_index(drop=True))
    assert len(out["train"]) == 100


@pytest.mark.parametrize(("expression", "query"), [
    (r'\"petal length (cm)" > 4.5', "`petal length (cm)` > 4.5"),
    ("\"species\" == 'virginica' | \"sepal width (cm)\" <= 2.5",
     "species == 'virginica' or `sepal width (cm)` <= 2.5"),
    ("(target != 0 and \"sepal length (cm)\" >= 6) or target == 0 & \"petal width (cm)\" < 0.2",
     "(target != 0 and `sepal length (cm)` >= 6) or (target == 0 and `petal width (cm)` < 0.2)"),
])
def test_split_data_by_relative_expression_matches_pandas_query(catalog, ctx, named_iris, expression, query):
    out = catalog.get("split_data").fn(ctx, data=named_iris, mode="expression", expression=expression)
    expected = named_iris.query(query)
    pd.testing.assert_frame_equal(out["train"], expected.reset_index(drop=True))
    assert len(out["train"]) + len(out["test"]) == len(named_iris) and 0 < len(expected) < len(named_iris)


def test_a_relative_expression_is_parsed_never_run(catalog, ctx, named_iris):
    spec = catalog.get("split_data")
    for text in ["__import__('os').system('true')", '"target" > 1 or exec("x")', '"target" > (1)']:
        with pytest.raises(ValueError, match="Split Data: relative expression: (cannot read|expected)"):
            spec.fn(ctx, data=named_iris, mode="expression", expression=text)
    with pytest.raises(ValueError, match="column 'species' holds string and is compared with the number 3"):
        spec.fn(ctx, data=named_iris, mode="expression", expression='"species" > 3')


def test_split_data_checks_expressions_and_patterns_at_design_time(catalog, named_iris):
    spec = catalog.get("split_data")
    schema = schema_of(named_iris)
    found = list(spec.check(Design({"data": schema}, {"mode": "expression", "expression": '"species" > 3'})))
    assert [v.param for v in found] == ["expression"] and "compared with the number" in found[0].message
    found = list(spec.check(Design({"data": schema}, {"mode": "expression", "expression": '"nope" > 3'})))
    assert "column 'nope' is not in the input" in found[0].message
    found = list(spec.check(Design({"data": schema}, {"mode": "regex", "regex_column": "species", "pattern": "(a"})))
    assert [v.param for v in found] == ["pattern"] and "not valid" in found[0].message
    assert not list(spec.check(Design({"data": schema}, {"mode": "expression", "expression": "target >= 1"})))


def test_split_data_stratifies_only_on_classes(catalog, ctx, iris):
    param = catalog.get("split_data").param("stratify_column")
    assert param.dtypes == DISCRETE_DTYPES and "Group Data into Bins" in param.hint
    with pytest.raises(ValueError, match=r"cannot stratify by column 'petal width \(cm\)': column 'petal width "
                                         r"\(cm\)' holds decimal numbers; .*Group Data into Bins"):
        catalog.get("split_data").fn(ctx, data=iris, stratify_column="petal width (cm)")


# -- design-time checks of Clean Missing Data and Normalize Data ----------------------------------
def test_clean_missing_data_refuses_a_chosen_text_column_for_mean_at_design_time(catalog, holey_wine):
    spec = catalog.get("clean_missing_data")
    schema = schema_of(holey_wine)
    found = list(spec.check(Design({"data": schema}, {"mode": "median", "columns": ["alcohol", "grade"]})))
    assert [(v.param, v.column) for v in found] == [("columns", "grade")]
    assert found[0].hint == "use mode 'mode' or 'constant' for text columns"
    assert not list(spec.check(Design({"data": schema}, {"mode": "mean", "columns": None})))
    assert not list(spec.check(Design({"data": schema}, {"mode": "mode", "columns": ["grade"]})))


def test_normalize_data_accepts_only_numeric_columns(catalog):
    assert catalog.get("normalize_data").param("columns").dtypes == NUMERIC_DTYPES
