"""Convert to Indicator Values, Group Data into Bins and Apply Transformation, against pandas and scikit-learn."""
from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_iris, load_wine
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from modules_catalog.schema import schema_of
from modules_catalog.spec import DISCRETE_DTYPES, NUMERIC_DTYPES, Column, Design, Upstream

SPECIES = ["setosa", "versicolor", "virginica"]


@pytest.fixture
def iris():
    df = load_iris(as_frame=True).frame
    df["species"] = df["target"].map(dict(enumerate(SPECIES)))
    return df


@pytest.fixture
def diabetes():
    """Diabetes in its original units: `sex` is 1 or 2, ages in years."""
    return load_diabetes(as_frame=True, scaled=False).frame


# -- Convert to Indicator Values ------------------------------------------------------------------
@pytest.mark.parametrize("drop_first", [False, True])
def test_indicator_values_match_pandas_get_dummies(catalog, ctx, diabetes, drop_first):
    df = diabetes.assign(sex=diabetes["sex"].astype(int), age_group=pd.cut(diabetes["age"], [0, 40, 60, 100],
                                                                           labels=["young", "middle", "old"]))
    out = catalog.get("convert_to_indicator_values").fn(ctx, data=df, columns=["sex", "age_group"],
                                                        drop_first=drop_first, overwrite=True, max_categories=200)
    expected = pd.get_dummies(df, columns=["sex", "age_group"], drop_first=drop_first, dtype=np.int64)
    pd.testing.assert_frame_equal(out["data"], expected)


def test_indicator_transform_encodes_other_rows_like_sklearns_one_hot_encoder(catalog, ctx, iris):
    train, test = iris[iris["species"] != "virginica"], iris.iloc[::7]  # virginica is never seen when fitting
    out = catalog.get("convert_to_indicator_values").fn(ctx, data=train, columns=["species"], drop_first=False,
                                                        overwrite=False, max_categories=200)
    transform = pickle.loads(pickle.dumps(out["transform"]))
    got = transform.apply(test)
    encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(train[["species"]])
    names = [f"species_{c}" for c in encoder.categories_[0]]
    np.testing.assert_array_equal(got[names].to_numpy(), encoder.transform(test[["species"]]))
    assert (got.loc[test["species"] == "virginica", names] == 0).all().all()
    pd.testing.assert_frame_equal(got[list(test.columns)], test)  # overwrite off keeps the originals


def test_indicator_values_refuse_decimals_and_too_many_categories_naming_the_column(catalog, ctx, iris):
    fn = catalog.get("convert_to_indicator_values").fn
    with pytest.raises(ValueError, match=r"column 'sepal length \(cm\)' holds decimal numbers.*Group Data into Bins"):
        fn(ctx, data=iris, columns=["sepal length (cm)"], drop_first=False, overwrite=True, max_categories=200)
    with pytest.raises(ValueError, match="column 'species' has 3 distinct values, more than 'max_categories' \\(2\\)"):
        fn(ctx, data=iris, columns=["species"], drop_first=False, overwrite=True, max_categories=2)


def test_indicator_values_accept_only_discrete_columns_at_design_time(catalog):
    param = catalog.get("convert_to_indicator_values").param("columns")
    assert param.dtypes == DISCRETE_DTYPES and "Group Data into Bins" in param.hint


# -- Group Data into Bins -------------------------------------------------------------------------
@pytest.mark.parametrize(("binning", "cut"), [
    ("quantiles", lambda s, k: pd.qcut(s, k, labels=False, duplicates="drop")),
    ("equal_width", lambda s, k: pd.cut(s, k, labels=False)),
])
def test_bins_match_pandas_qcut_and_cut(catalog, ctx, diabetes, binning, cut):
    cols = ["age", "bmi", "s5"]
    out = catalog.get("group_data_into_bins").fn(ctx, data=diabetes, columns=cols, binning=binning, bins=6,
                                                 edges=None, output="index", mode="inplace", suffix=None)
    for c in cols:
        np.testing.assert_array_equal(out["data"][c].to_numpy(), cut(diabetes[c], 6).to_numpy())
    pd.testing.assert_frame_equal(out["data"].drop(columns=cols), diabetes.drop(columns=cols))


def test_custom_bins_are_cut_points_and_labels_name_the_intervals(catalog, ctx, diabetes):
    out = catalog.get("group_data_into_bins").fn(ctx, data=diabetes, columns=["age"], binning="custom",
                                                 edges="30, 50", bins=10, output="label", mode="append",
                                                 suffix="_group")["data"]
    index = pd.cut(diabetes["age"], [-np.inf, 30, 50, np.inf], labels=False).to_numpy()
    assert out["age_group"].tolist() == np.array(["(-inf, 30]", "(30, 50]", "(50, inf)"])[index].tolist()
    assert set(index) == {0, 1, 2}
    assert out["age"].equals(diabetes["age"])


def test_bin_transform_puts_new_rows_in_the_fitted_bins(catalog, ctx, diabetes):
    train, test = train_test_split(diabetes, train_size=0.6, random_state=0)
    out = catalog.get("group_data_into_bins").fn(ctx, data=train, columns=["bmi"], binning="quantiles", bins=4,
                                                 edges=None, output="index", mode="inplace", suffix=None)
    transform = pickle.loads(pickle.dumps(out["transform"]))
    quartiles = np.quantile(train["bmi"], [0.25, 0.5, 0.75])
    got = transform.apply(test)["bmi"]
    np.testing.assert_array_equal(got.to_numpy(), np.searchsorted(quartiles, test["bmi"].to_numpy(), side="left"))
    beyond = transform.apply(pd.DataFrame({"bmi": [-1e9, 1e9, np.nan]}))["bmi"]
    assert beyond.iloc[:2].tolist() == [0, 3] and pd.isna(beyond.iloc[2])


def test_bins_infer_their_output_columns_and_check_custom_edges(catalog, diabetes):
    spec = catalog.get("group_data_into_bins")
    schema = schema_of(diabetes)
    got = spec.infer_schema({"data": schema}, {"columns": ["age"], "mode": "append", "output": "label"})["data"]
    assert got[-1] == Column("age_bin", "string") and got[:-1] == schema
    got = spec.infer_schema({"data": schema}, {"columns": ["bmi"], "mode": "inplace", "output": "index"})["data"]
    assert got[2] == Column("bmi", "int")
    found = list(spec.check(Design({"data": schema}, {"binning": "custom", "edges": "5, 3"})))
    assert [v.param for v in found] == ["edges"] and "strictly increasing" in found[0].message
    assert spec.param("columns").dtypes == NUMERIC_DTYPES


# -- Apply Transformation -------------------------------------------------------------------------
@pytest.fixture
def wine_halves():
    df = load_wine(as_frame=True).frame
    rng = np.random.default_rng(3)
    df.loc[rng.random(len(df)) < 0.15, "alcohol"] = np.nan
    train, test = train_test_split(df, train_size=0.5, random_state=1)
    return train.reset_index(drop=True), test.reset_index(drop=True)


def test_apply_transformation_scales_test_rows_with_the_training_rows_fit(catalog, ctx, wine_halves):
    train, test = wine_halves
    cols = ["magnesium", "proline", "hue"]
    fitted = catalog.get("normalize_data").fn(ctx, data=train, columns=cols, method="zscore")["transform"]
    got = catalog.get("apply_transformation").fn(ctx, transform=fitted, data=test)
    np.testing.assert_allclose(got[cols].to_numpy(), StandardScaler().fit(train[cols]).transform(test[cols]))
    assert not np.allclose(got[cols].mean(), 0, atol=1e-9)  # the test rows' own mean was not used


def test_apply_transformation_fills_test_rows_with_the_training_mean(catalog, ctx, wine_halves):
    train, test = wine_halves
    fitted = catalog.get("clean_missing_data").fn(ctx, data=train, columns=["alcohol"], mode="mean",
                                                  replacement=None)["transform"]
    got = catalog.get("apply_transformation").fn(ctx, transform=fitted, data=test)
    expected = SimpleImputer(strategy="mean").fit(train[["alcohol"]]).transform(test[["alcohol"]])[:, 0]
    np.testing.assert_allclose(got["alcohol"].to_numpy(), expected)


def test_apply_transformation_names_the_missing_column(catalog, ctx, wine_halves):
    train, test = wine_halves
    fitted = catalog.get("normalize_data").fn(ctx, data=train, columns=["hue"], method="minmax")["transform"]
    with pytest.raises(ValueError, match="Apply Transformation \\(NormalizeTransform\\): column 'hue' is not in the "
                                         "input; it has: alcohol"):
        catalog.get("apply_transformation").fn(ctx, transform=fitted, data=test.drop(columns=["hue"]))
    with pytest.raises(TypeError, match="not a fitted transformation"):
        catalog.get("apply_transformation").fn(ctx, transform="nope", data=test)


def test_apply_transformation_checks_the_fitted_columns_at_design_time(catalog, wine_halves):
    train, test = wine_halves
    spec = catalog.get("apply_transformation")
    upstream = Upstream(catalog.get("normalize_data"), {"columns": ["hue", "proline"]}, "transform")
    found = list(spec.check(Design({"data": schema_of(test.drop(columns=["hue"]))}, {}, {"transform": upstream})))
    assert [(v.column, v.port) for v in found] == [("hue", "data")]
    assert not list(spec.check(Design({"data": schema_of(test)}, {}, {"transform": upstream})))
