"""Evaluate Model's chart points (ROC, precision-recall, residuals) against scikit-learn's own
curves on real data, thinned curves against the full ones, and the JSON they make."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, make_classification
from sklearn.linear_model import LinearRegression, LogisticRegression

from modules_catalog.builtins.curves import (MAX_CURVE_POINTS, MAX_RESIDUAL_POINTS, classifier_curves,
                                             regression_residuals, thin_indices)
from modules_catalog.context import SimpleContext


def _halves(df):
    return df.iloc[::2].reset_index(drop=True), df.iloc[1::2].reset_index(drop=True)


def _evaluate(catalog, learner, frame, seed=0):
    train, test = _halves(frame)
    ctx = SimpleContext(seed=seed)
    model = catalog.get("train_model").fn(ctx, learner=learner, data=train, label_column="target")
    scored = catalog.get("score_model").fn(ctx, model=model, data=test)
    return scored, catalog.get("evaluate_model").fn(ctx, data=scored, label_column="target")


def _none_for_inf(values):
    return [None if np.isinf(v) else float(v) for v in values]


def test_a_binary_classifier_gets_sklearns_roc_and_pr_curves_on_breast_cancer(catalog):
    scored, got = _evaluate(catalog, LogisticRegression(max_iter=5000), load_breast_cancer(as_frame=True).frame)
    y, proba = scored["target"] == 1, scored["scored_probability"]
    fpr, tpr, roc_t = skm.roc_curve(y, proba)
    precision, recall, pr_t = skm.precision_recall_curve(y, proba)
    roc, pr = got["curves"]["roc"], got["curves"]["pr"]

    assert len(fpr) <= MAX_CURVE_POINTS and len(recall) <= MAX_CURVE_POINTS  # small: nothing thinned
    assert roc["fpr"] == pytest.approx(fpr.tolist()) and roc["tpr"] == pytest.approx(tpr.tolist())
    assert roc["thresholds"] == pytest.approx(_none_for_inf(roc_t))
    assert roc["thresholds"][0] is None, "the point where nothing is predicted positive has no threshold"
    assert roc["auc"] == pytest.approx(skm.roc_auc_score(y, proba)) == pytest.approx(got["roc_auc"])
    assert pr["recall"] == pytest.approx(recall.tolist()) and pr["precision"] == pytest.approx(precision.tolist())
    assert pr["thresholds"] == pytest.approx(pr_t.tolist() + [None])
    assert pr["average_precision"] == pytest.approx(skm.average_precision_score(y, proba))
    assert got["confusion_matrix"] == {"labels": [0, 1],
                                       "matrix": skm.confusion_matrix(scored["target"], scored["scored_label"]).tolist()}
    json.dumps(got, allow_nan=False)


def test_a_multiclass_classifier_gets_its_confusion_matrix_and_no_curves(catalog):
    scored, got = _evaluate(catalog, LogisticRegression(max_iter=1000), load_iris(as_frame=True).frame)
    assert got["curves"] == {}
    assert got["confusion_matrix"]["labels"] == [0, 1, 2]
    assert got["confusion_matrix"]["matrix"] == skm.confusion_matrix(scored["target"], scored["scored_label"]).tolist()


def test_a_regressor_gets_every_actual_and_predicted_pair_of_a_small_set(catalog):
    scored, got = _evaluate(catalog, LinearRegression(), load_diabetes(as_frame=True).frame)
    residuals = got["curves"]["residuals"]
    assert len(scored) < MAX_RESIDUAL_POINTS
    assert residuals["actual"] == scored["target"].tolist()
    assert residuals["predicted"] == pytest.approx(scored["scored_label"].tolist())
    assert got["r2"] == pytest.approx(skm.r2_score(scored["target"], scored["scored_label"]))
    json.dumps(got, allow_nan=False)


def test_a_large_regression_is_sampled_by_the_runs_seed_in_row_order():
    rng = np.random.default_rng(1)
    actual = pd.Series(rng.normal(size=10_000))
    predicted = actual + rng.normal(scale=0.1, size=10_000)
    a, b = regression_residuals(actual, predicted, seed=7), regression_residuals(actual, predicted, seed=7)
    other = regression_residuals(actual, predicted, seed=8)
    assert a == b and a != other
    assert len(a["actual"]) == len(a["predicted"]) == MAX_RESIDUAL_POINTS
    rows = pd.Index(actual).get_indexer(a["actual"])
    assert (np.diff(rows) > 0).all(), "the sample keeps row order"
    assert a["predicted"] == predicted.iloc[rows].tolist(), "each point is one row's pair"


def test_rows_that_are_not_finite_numbers_are_left_out_of_the_residuals():
    got = regression_residuals(pd.Series([1.0, np.inf, 3.0, 4.0]), pd.Series([1.5, 2.0, -np.inf, 4.5]), seed=0)
    assert got == {"actual": [1.0, 4.0], "predicted": [1.5, 4.5]}


@pytest.fixture(scope="module")
def many_scores():
    """20,000 rows scored by a real fit: thousands of distinct thresholds."""
    X, y = make_classification(n_samples=40_000, n_features=10, n_informative=4, flip_y=0.1, random_state=0)
    model = LogisticRegression(max_iter=1000).fit(X[::2], y[::2])
    return y[1::2] == 1, model.predict_proba(X[1::2])[:, 1]


def test_a_long_curve_is_thinned_to_at_most_500_of_its_own_points_keeping_its_shape(many_scores):
    y, proba = many_scores
    fpr, tpr, roc_t = skm.roc_curve(y, proba)
    precision, recall, _ = skm.precision_recall_curve(y, proba)
    assert len(fpr) > MAX_CURVE_POINTS and len(recall) > MAX_CURVE_POINTS
    roc, pr = classifier_curves(y, proba).values()

    assert 2 < len(roc["fpr"]) <= MAX_CURVE_POINTS and 2 < len(pr["recall"]) <= MAX_CURVE_POINTS
    full = set(zip(fpr.tolist(), tpr.tolist(), _none_for_inf(roc_t)))
    assert set(zip(roc["fpr"], roc["tpr"], roc["thresholds"])) <= full, "every kept point is one of sklearn's"
    assert (roc["fpr"][0], roc["tpr"][0], roc["fpr"][-1], roc["tpr"][-1]) == (0.0, 0.0, 1.0, 1.0)
    assert (pr["recall"][0], pr["recall"][-1], pr["precision"][-1]) == (1.0, 0.0, 1.0)
    assert roc["auc"] == pytest.approx(skm.roc_auc_score(y, proba))
    assert np.trapezoid(roc["tpr"], roc["fpr"]) == pytest.approx(roc["auc"], abs=0.002)
    grid = np.linspace(0, 1, 1001)
    assert np.abs(np.interp(grid, roc["fpr"], roc["tpr"]) - np.interp(grid, fpr, tpr)).max() < 0.02
    kept_pr = np.interp(grid, pr["recall"][::-1], pr["precision"][::-1])
    assert np.abs(kept_pr - np.interp(grid, recall[::-1], precision[::-1]))[grid > 0.01].max() < 0.02
    json.dumps({"roc": roc, "pr": pr}, allow_nan=False)


def test_thinning_keeps_every_point_of_a_short_line_and_both_ends_of_a_long_one():
    x = np.linspace(0, 1, 50)
    assert thin_indices(x, x ** 2, 500).tolist() == list(range(50))
    x = np.linspace(0, 1, 5_000)
    kept = thin_indices(x, np.sin(8 * x), 100)
    assert len(kept) == 100 and kept[0] == 0 and kept[-1] == 4_999 and (np.diff(kept) > 0).all()
