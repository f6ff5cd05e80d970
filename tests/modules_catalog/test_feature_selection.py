"""Filter Based Feature Selection and Permutation Feature Importance against scipy, pandas and
scikit-learn on the bundled data sets."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.feature_selection import chi2, mutual_info_classif, mutual_info_regression
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LinearRegression, LogisticRegression

from modules_catalog.context import SimpleContext
from modules_catalog.spec import Column, Design


def _select(catalog, data, **params):
    return catalog.get("filter_based_feature_selection").fn(SimpleContext(seed=0), data=data, **params)


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(as_frame=True).frame


def _best(scores: dict[str, float], k: int) -> list[str]:
    return sorted(scores, key=lambda name: -scores[name])[:k]


@pytest.mark.parametrize("method,statistic", [
    ("Pearson Correlation", lambda x, y: abs(stats.pearsonr(x, y).statistic)),
    ("Spearman Correlation", lambda x, y: abs(stats.spearmanr(x, y).statistic)),
])
def test_correlation_methods_keep_the_k_features_most_correlated_with_the_target(catalog, diabetes, method, statistic):
    out = _select(catalog, diabetes, target_column="target", method=method, k=4)
    features = [c for c in diabetes.columns if c != "target"]
    expected = {name: statistic(diabetes[name], diabetes["target"]) for name in features}
    scores = dict(zip(out["scores"]["feature"], out["scores"]["score"]))
    assert set(scores) == set(features)
    for name in features:
        assert scores[name] == pytest.approx(expected[name])
    assert out["scores"]["feature"].tolist()[:4] == _best(expected, 4)
    assert out["scores"]["selected"].tolist() == [True] * 4 + [False] * (len(features) - 4)
    kept = set(_best(expected, 4)) | {"target"}
    assert out["data"].columns.tolist() == [c for c in diabetes.columns if c in kept]
    np.testing.assert_array_equal(out["data"].to_numpy(), diabetes[out["data"].columns].to_numpy())


def test_chi_squared_matches_sklearn_on_non_negative_features(catalog):
    wine = load_wine(as_frame=True).frame
    out = _select(catalog, wine, target_column="target", method="Chi Squared", k=3)
    X = wine.drop(columns="target")
    expected = dict(zip(X.columns, chi2(X, wine["target"])[0]))
    got = dict(zip(out["scores"]["feature"], out["scores"]["score"]))
    for name in X.columns:
        assert got[name] == pytest.approx(expected[name])
    assert out["data"].columns.drop("target").tolist() == [c for c in X.columns if c in _best(expected, 3)]


def test_chi_squared_names_a_column_with_negative_values(catalog, diabetes):
    data = diabetes.assign(target=(diabetes["target"] > 140).astype(int))
    with pytest.raises(ValueError, match="feature column 'age' has negative values"):
        _select(catalog, data, target_column="target", method="Chi Squared")


def test_mutual_information_is_sklearns_estimate_under_the_seed(catalog, diabetes):
    iris = load_iris(as_frame=True).frame
    out = _select(catalog, iris, target_column="target", method="Mutual Information", k=2, seed=5)
    X = iris.drop(columns="target")
    expected = dict(zip(X.columns, mutual_info_classif(X, iris["target"], random_state=5)))
    got = dict(zip(out["scores"]["feature"], out["scores"]["score"]))
    assert got == pytest.approx(expected)
    reg = _select(catalog, diabetes.assign(target=diabetes["target"].astype(float)), target_column="target",
                  method="Mutual Information", seed=5)
    Xd = diabetes.drop(columns="target")
    expected = dict(zip(Xd.columns, mutual_info_regression(Xd, diabetes["target"].astype(float), random_state=5)))
    assert dict(zip(reg["scores"]["feature"], reg["scores"]["score"])) == pytest.approx(expected)


def test_count_based_counts_values_present_and_not_zero_in_any_column(catalog):
    cancer = load_breast_cancer(as_frame=True).frame
    data = cancer.assign(kind=np.where(cancer["target"] == 1, "b", None))
    out = _select(catalog, data, target_column="target", method="Count Based", k=5)
    got = dict(zip(out["scores"]["feature"], out["scores"]["score"]))
    for name in ("mean concavity", "kind", "mean radius"):
        expected = (data[name].notna() & (data[name] != 0)).sum()
        assert got[name] == expected
    assert got["kind"] == (cancer["target"] == 1).sum()


def test_the_label_role_is_the_default_target_and_text_features_are_left_out_of_correlation(catalog, diabetes):
    data = diabetes.assign(kind="x")
    data.attrs["roles"] = {"target": "label"}
    out = _select(catalog, data, k=2)
    assert "kind" not in out["scores"]["feature"].tolist() and len(out["scores"]) == 10
    with pytest.raises(ValueError, match="feature column 'kind' holds text"):
        _select(catalog, data, feature_columns=["bmi", "kind"])


def test_the_design_time_check_wants_a_target_that_fits_the_method():
    from modules_catalog.builtins.feature_selection import _filter_check

    schema = (Column("x", "float"), Column("kind", "string"), Column("y", "float"))
    found = _filter_check(Design({"data": schema}, {"target_column": "kind", "method": "Pearson Correlation"}))
    assert [(v.column, v.param) for v in found] == [("kind", "target_column")]
    found = _filter_check(Design({"data": schema}, {"target_column": "y", "method": "Chi Squared"}))
    assert [(v.column, v.param) for v in found] == [("y", "target_column")]
    found = _filter_check(Design({"data": schema}, {"target_column": "y", "feature_columns": ["kind"]}))
    assert [(v.column, v.param) for v in found] == [("kind", "feature_columns")]
    assert _filter_check(Design({"data": schema}, {})) and not _filter_check(Design({"data": schema}, {"target_column": "y"}))


def test_permutation_feature_importance_is_sklearns(catalog):
    cancer = load_breast_cancer(as_frame=True).frame
    train, test = cancer.iloc[::2], cancer.iloc[1::2]
    ctx = SimpleContext(seed=0)
    model = catalog.get("train_model").fn(ctx, learner=LogisticRegression(max_iter=5000), data=train,
                                          label_column="target")
    got = catalog.get("permutation_feature_importance").fn(ctx, model=model, data=test, metric="Accuracy", seed=3,
                                                           repeats=2)
    X = test.drop(columns="target")
    expected = permutation_importance(model.estimator, X, test["target"], scoring="accuracy", n_repeats=2,
                                      random_state=3)
    by_feature = dict(zip(X.columns, expected.importances_mean))
    assert dict(zip(got["feature"], got["importance"])) == pytest.approx(by_feature)
    assert dict(zip(got["feature"], got["importance_std"])) == pytest.approx(dict(zip(X.columns, expected.importances_std)))
    assert got["importance"].is_monotonic_decreasing


def test_permutation_feature_importance_measures_a_regressors_error_growth(catalog, diabetes):
    ctx = SimpleContext(seed=0)
    model = catalog.get("train_model").fn(ctx, learner=LinearRegression(), data=diabetes, label_column="target")
    got = catalog.get("permutation_feature_importance").fn(ctx, model=model, data=diabetes, seed=1)
    expected = permutation_importance(model.estimator, diabetes.drop(columns="target"), diabetes["target"],
                                      scoring="neg_mean_absolute_error", n_repeats=1, random_state=1)
    assert dict(zip(got["feature"], got["importance"])) == pytest.approx(
        dict(zip(model.features, expected.importances_mean)))
    assert got["importance"].is_monotonic_decreasing and got["importance"].iloc[0] > 0
    with pytest.raises(ValueError, match="Accuracy does not measure a regressor"):
        catalog.get("permutation_feature_importance").fn(ctx, model=model, data=diabetes, metric="Accuracy")
