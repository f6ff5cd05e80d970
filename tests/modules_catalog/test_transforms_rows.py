"""Add Columns, Add Rows, Join Data, Remove Duplicate Rows, Partition and Sample and SMOTE, against pandas,
scikit-learn and imbalanced-learn on scikit-learn's bundled data."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.model_selection import KFold, StratifiedKFold

from modules_catalog.schema import schema_of
from modules_catalog.spec import DISCRETE_DTYPES, Column, Design

SPECIES = ["setosa", "versicolor", "virginica"]


@pytest.fixture
def iris():
    df = load_iris(as_frame=True).frame
    df["species"] = df["target"].map(dict(enumerate(SPECIES)))
    return df


@pytest.fixture
def wine():
    return load_wine(as_frame=True).frame


# -- Add Columns ----------------------------------------------------------------------------------
def test_add_columns_matches_pandas_concat_and_renames_duplicates(catalog, ctx, iris, wine):
    left, right = iris.iloc[:100], wine.iloc[50:150][["alcohol", "hue"]].rename(columns={"hue": "target"})
    out = catalog.get("add_columns").fn(ctx, left=left, right=right)
    expected = pd.concat([left.reset_index(drop=True),
                          right.reset_index(drop=True).rename(columns={"target": "target (2)"})], axis=1)
    pd.testing.assert_frame_equal(out, expected)
    got = catalog.get("add_columns").infer_schema({"left": schema_of(left), "right": schema_of(right)}, {})["data"]
    assert got == schema_of(expected)


def test_add_columns_refuses_different_row_counts(catalog, ctx, iris, wine):
    with pytest.raises(ValueError, match="the left dataset has 150 rows and the right 178"):
        catalog.get("add_columns").fn(ctx, left=iris, right=wine)


# -- Add Rows -------------------------------------------------------------------------------------
def test_add_rows_matches_pandas_concat_matching_columns_by_name(catalog, ctx, iris):
    first, second = iris.iloc[:60], iris.iloc[60:][list(reversed(iris.columns))]
    out = catalog.get("add_rows").fn(ctx, first=first, second=second)
    pd.testing.assert_frame_equal(out, iris)


def test_add_rows_widens_whole_numbers_meeting_decimals(catalog, ctx, iris):
    second = iris.assign(target=iris["target"] / 2)
    out = catalog.get("add_rows").fn(ctx, first=iris, second=second)
    assert out["target"].dtype == np.float64 and out["target"].tolist() == iris["target"].tolist() + (
        iris["target"] / 2).tolist()
    got = catalog.get("add_rows").infer_schema({"first": schema_of(iris), "second": schema_of(second)}, {})
    assert got["data"] == schema_of(out)


def test_add_rows_names_the_columns_that_differ_at_run_and_design_time(catalog, ctx, iris, wine):
    spec = catalog.get("add_rows")
    with pytest.raises(ValueError, match=r"only in the first: .*species; only in the second: alcohol, malic_acid"):
        spec.fn(ctx, first=iris, second=wine)
    found = list(spec.check(Design({"first": schema_of(iris), "second": schema_of(wine)}, {})))
    assert len(found) == 1 and "only in the second: alcohol" in found[0].message
    found = list(spec.check(Design({"first": schema_of(iris), "second": schema_of(iris.assign(target="x"))}, {})))
    assert [v.column for v in found] == ["target"]
    with pytest.raises(ValueError, match="column 'target' holds int in the first dataset and string in the second"):
        spec.fn(ctx, first=iris, second=iris.assign(target="x"))


# -- Join Data ------------------------------------------------------------------------------------
@pytest.fixture
def summary(iris):
    """Mean sepal length per species, keyed in upper case, without virginica, plus an unmatched key."""
    means = iris.groupby("species", as_index=False)["sepal length (cm)"].mean().rename(
        columns={"species": "name", "sepal length (cm)": "mean length"})
    means["name"] = means["name"].str.upper()
    return pd.concat([means[means["name"] != "VIRGINICA"], pd.DataFrame({"name": ["ROSE"], "mean length": [9.0]})],
                     ignore_index=True)


def _keyed(summary):
    return summary.assign(name=summary["name"].str.lower())


@pytest.mark.parametrize(("join", "how"), [("inner", "inner"), ("left_outer", "left")])
def test_join_matches_pandas_merge(catalog, ctx, iris, summary, join, how):
    right = _keyed(summary)
    out = catalog.get("join_data").fn(ctx, left=iris, right=right, left_keys=["species"], right_keys=["name"],
                                      join=join, case_sensitive=True, keep_right_keys=False)
    expected = iris.merge(right, how=how, left_on="species", right_on="name").drop(columns=["name"])
    pd.testing.assert_frame_equal(out, expected)


def test_join_ignores_case_when_asked(catalog, ctx, iris, summary):
    fn = catalog.get("join_data").fn
    kwargs = dict(left=iris, right=summary, left_keys=["species"], right_keys=["name"], join="inner",
                  keep_right_keys=True)
    assert len(fn(ctx, case_sensitive=True, **kwargs)) == 0
    out = fn(ctx, case_sensitive=False, **kwargs)
    expected = iris.merge(_keyed(summary), left_on="species", right_on="name")
    assert out["mean length"].tolist() == expected["mean length"].tolist()
    assert set(out["name"]) == {"SETOSA", "VERSICOLOR"}  # the right keys as they were


def test_full_outer_join_has_the_rows_of_pandas_outer_merge(catalog, ctx, iris, summary):
    right = _keyed(summary)
    out = catalog.get("join_data").fn(ctx, left=iris, right=right, left_keys=["species"], right_keys=["name"],
                                      join="full_outer", case_sensitive=True, keep_right_keys=True)
    expected = iris.merge(right, how="outer", left_on="species", right_on="name")
    key = list(expected.columns)
    pd.testing.assert_frame_equal(out.sort_values(key, ignore_index=True)[key],
                                  expected.sort_values(key, ignore_index=True), check_dtype=False)
    assert out.iloc[-1]["name"] == "rose" and pd.isna(out.iloc[-1]["species"])


def test_left_semi_join_keeps_the_left_rows_with_a_match(catalog, ctx, iris, summary):
    right = _keyed(summary)
    out = catalog.get("join_data").fn(ctx, left=iris, right=right, left_keys=["species"], right_keys=["name"],
                                      join="left_semi", case_sensitive=True, keep_right_keys=False)
    pd.testing.assert_frame_equal(out, iris[iris["species"].isin(right["name"])].reset_index(drop=True))


def test_join_on_two_keys_and_missing_keys_match_nothing(catalog, ctx, wine):
    left = wine.assign(band=(wine["alcohol"] > 13).astype(int))
    left.loc[::10, "band"] = None
    right = left.groupby(["target", "band"], as_index=False)["hue"].mean()
    right.loc[len(right)] = {"target": 0, "band": np.nan, "hue": -1.0}
    out = catalog.get("join_data").fn(ctx, left=left, right=right, left_keys=["target", "band"],
                                      right_keys=["target", "band"], join="inner", case_sensitive=True,
                                      keep_right_keys=False)
    expected = left.dropna(subset=["band"]).merge(right.dropna(subset=["band"]), on=["target", "band"])
    assert out["hue (2)"].tolist() == expected["hue_y"].tolist() and len(out) == left["band"].notna().sum()


def test_join_checks_its_keys_at_design_time(catalog, iris, summary):
    spec = catalog.get("join_data")
    inputs = {"left": schema_of(iris), "right": schema_of(summary)}
    found = list(spec.check(Design(inputs, {"left_keys": ["target"], "right_keys": ["name"]})))
    assert [v.column for v in found] == ["name"] and "never match" in found[0].message
    found = list(spec.check(Design(inputs, {"left_keys": ["target", "species"], "right_keys": ["name"]})))
    assert [v.param for v in found] == ["right_keys"]
    got = spec.infer_schema(inputs, {"left_keys": ["species"], "right_keys": ["name"], "join": "inner"})["data"]
    assert got == schema_of(iris) + (Column("mean length", "float"),)


# -- Remove Duplicate Rows ------------------------------------------------------------------------
@pytest.mark.parametrize(("columns", "keep"), [(None, "first"), (["species"], "last"),
                                               (["petal width (cm)", "species"], "first")])
def test_remove_duplicate_rows_matches_pandas_drop_duplicates(catalog, ctx, iris, columns, keep):
    out = catalog.get("remove_duplicate_rows").fn(ctx, data=iris, columns=columns, keep=keep)
    pd.testing.assert_frame_equal(out, iris.drop_duplicates(subset=columns, keep=keep, ignore_index=True))
    assert len(out) < len(iris)


# -- Partition and Sample -------------------------------------------------------------------------
def _partition(catalog, ctx, data, **params):
    return catalog.get("partition_and_sample").fn(ctx, data=data, **params)


def test_sampling_matches_pandas_sample_in_row_order(catalog, ctx, wine):
    out = _partition(catalog, ctx, wine, mode="sample", rate=0.3, seed=4)
    expected = wine.sample(frac=0.3, random_state=4).sort_index().reset_index(drop=True)
    pd.testing.assert_frame_equal(out, expected)
    again = _partition(catalog, ctx, wine, mode="sample", rate=0.3, seed=4)
    pd.testing.assert_frame_equal(out, again)


def test_stratified_sampling_matches_pandas_groupby_sample(catalog, ctx, wine):
    out = _partition(catalog, ctx, wine, mode="sample", rate=0.5, seed=2, stratify_column="target")
    expected = wine.groupby("target", sort=False).sample(frac=0.5, random_state=2).sort_index()
    pd.testing.assert_frame_equal(out, expected.reset_index(drop=True))
    assert out["target"].value_counts().sort_index().tolist() == \
        (wine["target"].value_counts().sort_index() * 0.5).round().astype(int).tolist()


def test_head_takes_the_first_rows(catalog, ctx, wine):
    pd.testing.assert_frame_equal(_partition(catalog, ctx, wine, mode="head", rows=7), wine.head(7))


@pytest.mark.parametrize("stratify", [None, "target"])
def test_folds_match_sklearns_kfold(catalog, ctx, wine, stratify):
    out = _partition(catalog, ctx, wine, mode="assign_folds", folds=4, seed=9, stratify_column=stratify,
                     fold_column="fold")
    splitter = StratifiedKFold(4, shuffle=True, random_state=9) if stratify else KFold(4, shuffle=True, random_state=9)
    expected = np.zeros(len(wine), dtype=np.int64)
    for k, (_, test) in enumerate(splitter.split(wine, wine["target"].astype(str)), start=1):
        expected[test] = k
    assert out["fold"].tolist() == expected.tolist()
    picked = _partition(catalog, ctx, wine, mode="pick_fold", folds=4, fold=3, seed=9, stratify_column=stratify)
    rest = _partition(catalog, ctx, wine, mode="pick_fold", folds=4, fold=3, seed=9, stratify_column=stratify,
                      complement=True)
    pd.testing.assert_frame_equal(picked, wine[expected == 3].reset_index(drop=True))
    pd.testing.assert_frame_equal(rest, wine[expected != 3].reset_index(drop=True))


def test_partition_refuses_a_continuous_stratify_column(catalog, ctx, wine):
    with pytest.raises(ValueError, match="column 'alcohol' holds decimal numbers; .*Group Data into Bins"):
        _partition(catalog, ctx, wine, mode="sample", rate=0.5, stratify_column="alcohol")
    param = catalog.get("partition_and_sample").param("stratify_column")
    assert param.dtypes == DISCRETE_DTYPES and "Group Data into Bins" in param.hint
    got = catalog.get("partition_and_sample").infer_schema({"data": schema_of(wine)}, {"mode": "assign_folds"})
    assert got["data"][-1] == Column("fold", "int")


# -- SMOTE ----------------------------------------------------------------------------------------
def test_smote_matches_imbalanced_learn(catalog, ctx):
    from imblearn.over_sampling import SMOTE

    cancer = load_breast_cancer(as_frame=True).frame
    out = catalog.get("smote").fn(ctx, data=cancer, label_column="target", percentage=50, neighbours=4, seed=3)
    minority = int((cancer["target"] == 0).sum())
    X, y = SMOTE(sampling_strategy={0: minority + round(minority * 0.5)}, k_neighbors=4,
                 random_state=3).fit_resample(cancer.drop(columns="target"), cancer["target"])
    expected = X.assign(target=y)[list(cancer.columns)]
    pd.testing.assert_frame_equal(out, expected)
    pd.testing.assert_frame_equal(out.iloc[:len(cancer)], cancer)  # the original rows first, unchanged
    assert (out["target"].iloc[len(cancer):] == 0).all()


def test_smote_names_a_text_feature_at_run_and_design_time(catalog, ctx, iris):
    spec = catalog.get("smote")
    with pytest.raises(ValueError, match="SMOTE: column 'species' holds text, .*Convert to Indicator Values"):
        spec.fn(ctx, data=iris, label_column="target", percentage=100, neighbours=5, seed=0)
    found = list(spec.check(Design({"data": schema_of(iris)}, {"label_column": "target"})))
    assert [v.column for v in found] == ["species"]
    assert spec.param("label_column").dtypes == DISCRETE_DTYPES


def test_edit_metadata_roles_survive_combining_rows_and_columns(catalog, ctx, iris):
    from modules_catalog.columns import ROLES_ATTR, frame_roles

    labelled = iris.drop(columns="species")
    labelled.attrs[ROLES_ATTR] = {"target": "label"}
    weights = labelled[["target"]].assign(w=1.0)
    weights.attrs[ROLES_ATTR] = {"w": "weight"}
    assert frame_roles(catalog.get("add_rows").fn(ctx, first=labelled, second=labelled)) == {"target": "label"}
    assert frame_roles(catalog.get("add_columns").fn(ctx, left=labelled, right=weights)) == {
        "target": "label", "w": "weight"}
    joined = catalog.get("join_data").fn(ctx, left=labelled, right=weights.drop_duplicates(), left_keys=["target"],
                                         right_keys=["target"], join="inner", case_sensitive=True,
                                         keep_right_keys=False)
    assert frame_roles(joined) == {"target": "label", "w": "weight"}
    smoted = catalog.get("smote").fn(ctx, data=labelled, label_column="target", percentage=20, neighbours=3, seed=0)
    assert frame_roles(smoted) == {"target": "label"}
