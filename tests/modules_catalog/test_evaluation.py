"""Evaluate Model against scikit-learn's metrics on real data: the positive class and the threshold of
two classes, per-class tables, multiclass AUC and log loss under each averaging, regression's
relative errors, clustering metrics, and two scored inputs side by side."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge

from modules_catalog.context import SimpleContext
from modules_catalog.spec import Column, Design


def _halves(df):
    return df.iloc[::2].reset_index(drop=True), df.iloc[1::2].reset_index(drop=True)


def _scored(catalog, learner, frame, label="target"):
    train, test = _halves(frame)
    ctx = SimpleContext(seed=0)
    model = catalog.get("train_model").fn(ctx, learner=learner, data=train, label_column=label)
    return catalog.get("score_model").fn(ctx, model=model, data=test)


def _evaluate(catalog, data, **params):
    ctx = SimpleContext(seed=0)
    return catalog.get("evaluate_model").fn(ctx, data=data, **params), ctx


@pytest.fixture(scope="module")
def cancer_scored(catalog):
    return _scored(catalog, LogisticRegression(max_iter=5000), load_breast_cancer(as_frame=True).frame)


@pytest.fixture(scope="module")
def wine_scored(catalog):
    return _scored(catalog, catalog.get("multiclass_logistic_regression").fn(SimpleContext(), max_iter=5000),
                   load_wine(as_frame=True).frame)


def test_the_positive_class_turns_precision_recall_and_auc_around(catalog, cancer_scored):
    got, _ = _evaluate(catalog, cancer_scored, label_column="target", positive_class="0")
    y, pred, p1 = cancer_scored["target"], cancer_scored["scored_label"], cancer_scored["scored_probability"]
    assert (got["kind"], got["positive_class"], got["average"]) == ("binary", 0, "binary")
    assert got["precision"] == pytest.approx(skm.precision_score(y, pred, pos_label=0))
    assert got["recall"] == pytest.approx(skm.recall_score(y, pred, pos_label=0))
    assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(y == 0, 1 - p1))
    assert got["log_loss"] == pytest.approx(skm.log_loss(y, np.column_stack([1 - p1, p1])))
    precision, recall, f1, support = skm.precision_recall_fscore_support(y, pred, labels=[0, 1])
    assert [row["class"] for row in got["per_class"]] == [0, 1]
    np.testing.assert_allclose([row["f1"] for row in got["per_class"]], f1)
    assert [row["support"] for row in got["per_class"]] == support.tolist()


def test_a_threshold_relabels_rows_by_their_probability(catalog, cancer_scored):
    got, _ = _evaluate(catalog, cancer_scored, label_column="target", threshold=0.9)
    y = cancer_scored["target"]
    pred = (cancer_scored["scored_probability"] >= 0.9).astype(int)
    assert got["threshold"] == 0.9
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert got["confusion_matrix"]["matrix"] == skm.confusion_matrix(y, pred).tolist()
    default, _ = _evaluate(catalog, cancer_scored, label_column="target")
    assert default["accuracy"] == pytest.approx(skm.accuracy_score(y, cancer_scored["scored_label"]))
    assert default["roc_auc"] == got["roc_auc"]  # the threshold moves the labels, not the ranking


def test_a_positive_class_that_is_no_class_names_the_classes(catalog, cancer_scored):
    with pytest.raises(ValueError, match="positive class 'yes' is not a class of label column 'target'; its classes are 0, 1"):
        _evaluate(catalog, cancer_scored, label_column="target", positive_class="yes")


@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
def test_multiclass_metrics_name_their_averaging_and_match_sklearn(catalog, wine_scored, average):
    got, _ = _evaluate(catalog, wine_scored, label_column="target", average=average)
    y, pred = wine_scored["target"], wine_scored["scored_label"]
    P = wine_scored[[f"scored_probability_{c}" for c in range(3)]].to_numpy()
    assert (got["kind"], got["average"], got["roc_auc_average"]) == ("multiclass", average, f"one-vs-rest, {average}")
    assert got["precision"] == pytest.approx(skm.precision_score(y, pred, average=average))
    assert got["recall"] == pytest.approx(skm.recall_score(y, pred, average=average))
    assert got["f1"] == pytest.approx(skm.f1_score(y, pred, average=average))
    assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(y, P, multi_class="ovr", average=average))
    assert got["log_loss"] == pytest.approx(skm.log_loss(y, P))
    assert got["averages"][average]["f1"] == pytest.approx(got["f1"])
    assert got["confusion_matrix"]["matrix"] == skm.confusion_matrix(y, pred).tolist()
    assert len(got["per_class"]) == 3


def test_classes_without_probabilities_still_get_classification_metrics(catalog):
    iris = load_iris(as_frame=True).frame
    scored = _scored(catalog, LogisticRegression(max_iter=1000), iris).drop(
        columns=["scored_probability", "scored_probability_0", "scored_probability_1", "scored_probability_2"])
    got, _ = _evaluate(catalog, scored, label_column="target")
    assert got["task"] == "classification" and "roc_auc" not in got and "log_loss" not in got
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(scored["target"], scored["scored_label"]))


def test_regression_metrics_include_the_relative_errors(catalog):
    scored = _scored(catalog, LinearRegression(), load_diabetes(as_frame=True).frame)
    got, ctx = _evaluate(catalog, scored, label_column="target")
    y, p = scored["target"].to_numpy(), scored["scored_label"].to_numpy()
    assert got["relative_absolute_error"] == pytest.approx(np.abs(y - p).sum() / np.abs(y - y.mean()).sum())
    assert got["relative_squared_error"] == pytest.approx(((y - p) ** 2).sum() / ((y - y.mean()) ** 2).sum())
    assert got["coefficient_of_determination"] == pytest.approx(skm.r2_score(y, p)) == got["r2"]
    assert got["rmse"] == pytest.approx(skm.root_mean_squared_error(y, p))
    assert {"relative_squared_error", "mae"} <= {name for name, _, _ in ctx.metrics}


def test_clustering_metrics_match_sklearn(catalog):
    iris = load_iris(as_frame=True).frame
    ctx = SimpleContext(seed=0)
    learner = catalog.get("k_means_clustering").fn(ctx, n_clusters=3)
    out = catalog.get("train_clustering_model").fn(ctx, learner=learner, data=iris, label_column="target")
    got, _ = _evaluate(catalog, out["data"], label_column="target")
    X, a = iris.drop(columns="target"), out["data"]["assignments"]
    assert (got["task"], got["clusters"], got["features"]) == ("clustering", 3, 4)
    assert got["silhouette"] == pytest.approx(skm.silhouette_score(X, a))
    assert got["davies_bouldin"] == pytest.approx(skm.davies_bouldin_score(X, a))
    assert got["adjusted_rand_index"] == pytest.approx(skm.adjusted_rand_score(iris["target"], a))
    assert got["cluster_sizes"] == [{"cluster": int(k), "rows": int(v)} for k, v in a.value_counts().sort_index().items()]
    distances = out["data"][[f"distance_to_centroid_{i}" for i in range(3)]].to_numpy()
    assert got["average_distance_to_centroid"] == pytest.approx(distances.min(axis=1).mean())


def test_two_scored_inputs_are_measured_and_compared_side_by_side(catalog):
    frame = load_diabetes(as_frame=True).frame
    left, right = _scored(catalog, LinearRegression(), frame), _scored(catalog, Ridge(alpha=1.0), frame)
    ctx = SimpleContext(seed=0)
    got = catalog.get("evaluate_model").fn(ctx, data=left, data2=right, label_column="target")
    rows = {row["metric"]: row for row in got["comparison"]["metrics"]}
    mae_left = skm.mean_absolute_error(left["target"], left["scored_label"])
    mae_right = skm.mean_absolute_error(right["target"], right["scored_label"])
    assert got["mae"] == pytest.approx(mae_left)
    assert rows["mae"]["left"] == pytest.approx(mae_left) and rows["mae"]["right"] == pytest.approx(mae_right)
    assert rows["mae"]["difference"] == pytest.approx(mae_right - mae_left)
    assert got["comparison"]["right"]["r2"] == pytest.approx(skm.r2_score(right["target"], right["scored_label"]))
    assert ("compared_mae", pytest.approx(mae_right), None) in ctx.metrics
    json.dumps(got, allow_nan=False)
    with pytest.raises(ValueError, match="different kinds of scores \\(regression and classification\\)"):
        cancer = _scored(catalog, LogisticRegression(max_iter=5000), load_breast_cancer(as_frame=True).frame)
        catalog.get("evaluate_model").fn(ctx, data=left, data2=cancer.assign(target=left["target"].iloc[0]),
                                         label_column="target")


def test_every_kind_of_evaluation_is_strict_json(catalog, cancer_scored, wine_scored):
    constant = pd.DataFrame({"target": [1.0, 1.0, 1.0], "scored_label": [1.0, 2.0, 1.5]})
    for data in (cancer_scored, wine_scored, constant):
        got, _ = _evaluate(catalog, data, label_column="target")
        json.dumps(got, allow_nan=False)
    assert _evaluate(catalog, constant, label_column="target")[0]["relative_squared_error"] is None


def test_the_check_asks_for_scored_rows():
    from modules_catalog.builtins.evaluation import _check

    unscored = (Column("x", "float"), Column("target", "int"))
    found = _check(Design(inputs={"data": unscored, "data2": unscored + (Column("scored_label", "int"),)}, params={}))
    assert [(v.port, v.code) for v in found] == [("data", "missing_scores")]
    assert "Score Model" in found[0].hint


def test_the_label_defaults_to_the_marked_label_then_to_target(catalog, cancer_scored):
    from modules_catalog.builtins.evaluation import _check

    plain, _ = _evaluate(catalog, cancer_scored)
    assert plain["accuracy"] == pytest.approx(skm.accuracy_score(cancer_scored["target"], cancer_scored["scored_label"]))
    marked = cancer_scored.rename(columns={"target": "diagnosis"})
    marked.attrs["roles"] = {"diagnosis": "label"}
    assert _evaluate(catalog, marked)[0]["accuracy"] == plain["accuracy"]
    with pytest.raises(ValueError, match="choose the label column"):
        _evaluate(catalog, cancer_scored.rename(columns={"target": "diagnosis"}))
    scored = (Column("x", "float"), Column("y", "int"), Column("scored_label", "int"))
    assert [v.param for v in _check(Design({"data": scored}, {}))] == ["label_column"]
    assert _check(Design({"data": scored}, {"label_column": "y"})) == []
    clusters = (Column("x", "float"), Column("assignments", "int"))
    assert _check(Design({"data": clusters}, {})) == []


def test_a_label_of_categories_is_evaluated_against_its_predicted_text(catalog):
    frame = load_breast_cancer(as_frame=True).frame
    frame["target"] = frame["target"].map({0: "malignant", 1: "benign"}).astype("category")
    scored = _scored(catalog, LogisticRegression(max_iter=5000), frame)
    got, _ = _evaluate(catalog, scored, label_column="target", positive_class="malignant")
    y = scored["target"].astype(str)
    assert got["positive_class"] == "malignant"
    assert got["recall"] == pytest.approx(skm.recall_score(y, scored["scored_label"], pos_label="malignant"))
    assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(y == "malignant", scored["scored_probability"]))
