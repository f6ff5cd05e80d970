"""Train Model with Learners (tasks, roles, feature columns, refusals), scoring by task, Train
Clustering Model, Assign Data to Clusters, Train Anomaly Detection Model and Cross Validate Model,
against the same fits done directly with scikit-learn on its bundled data sets."""
from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict

from modules_catalog.context import SimpleContext
from modules_catalog.trained import TrainedModel


def _halves(df):
    return df.iloc[::2].reset_index(drop=True), df.iloc[1::2].reset_index(drop=True)


def _run(catalog, key, ctx=None, **kwargs):
    return catalog.get(key).fn(ctx or SimpleContext(seed=0), **kwargs)


@pytest.fixture(scope="module")
def iris():
    return load_iris(as_frame=True).frame


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(as_frame=True).frame


# -- Train Model: tasks and refusals -----------------------------------------------------------------
def test_a_two_class_learner_given_three_classes_names_the_label_and_its_classes(catalog, iris):
    learner = _run(catalog, "logistic_regression")
    with pytest.raises(ValueError, match=r"two-class learner, but label column 'target' has 3 classes \(0, 1, 2\)"):
        _run(catalog, "train_model", learner=learner, data=iris, label_column="target")


def test_train_model_points_a_clustering_or_anomaly_learner_to_its_own_trainer(catalog, iris):
    with pytest.raises(ValueError, match="clustering learner; train it with Train Clustering Model"):
        _run(catalog, "train_model", learner=_run(catalog, "k_means_clustering"), data=iris, label_column="target")
    with pytest.raises(ValueError, match="anomaly learner; train it with Train Anomaly Detection Model"):
        _run(catalog, "train_model", learner=_run(catalog, "isolation_forest"), data=iris, label_column="target")


def test_train_model_refuses_a_learner_in_parameter_range_mode(catalog, iris):
    learner = _run(catalog, "multiclass_logistic_regression", trainer_mode="Parameter Range")
    assert learner.sweep
    with pytest.raises(ValueError, match="parameter range mode.*Tune Model Hyperparameters"):
        _run(catalog, "train_model", learner=learner, data=iris, label_column="target")


def test_train_model_takes_the_label_edit_metadata_marked_and_the_chosen_features(catalog, diabetes):
    data = diabetes.copy()
    data.attrs["roles"] = {"target": "label"}
    learner = _run(catalog, "linear_regression")
    model = _run(catalog, "train_model", learner=learner, data=data, feature_columns=["bmi", "bp", "s5"])
    direct = LinearRegression().fit(diabetes[["bmi", "bp", "s5"]], diabetes["target"])
    assert (model.label_column, model.features, model.task) == ("target", ["bmi", "bp", "s5"], "regression")
    np.testing.assert_allclose(model.estimator.coef_, direct.coef_)
    with pytest.raises(ValueError, match="choose the label column"):
        _run(catalog, "train_model", learner=learner, data=diabetes)


def test_a_column_edit_metadata_made_a_weight_is_no_feature_by_default(catalog, diabetes):
    data = diabetes.copy()
    data.attrs["roles"] = {"age": "weight"}
    model = _run(catalog, "train_model", learner=LinearRegression(), data=data, label_column="target")
    assert "age" not in model.features and len(model.features) == 9


def test_a_text_label_for_a_regression_learner_is_refused_by_name(catalog, iris):
    data = iris.assign(target=iris["target"].map({0: "setosa", 1: "versicolor", 2: "virginica"}))
    with pytest.raises(ValueError, match="label column 'target' holds string values.*predicts numbers"):
        _run(catalog, "train_model", learner=_run(catalog, "linear_regression"), data=data, label_column="target")


def test_a_learner_module_keeps_its_own_seed_and_an_empty_one_takes_the_runs(catalog):
    train, _ = _halves(load_breast_cancer(as_frame=True).frame)
    seeded = _run(catalog, "two_class_decision_forest", seed=7)
    model = _run(catalog, "train_model", SimpleContext(seed=3), learner=seeded, data=train, label_column="target")
    assert model.estimator.random_state == 7
    bare = _run(catalog, "train_model", SimpleContext(seed=3), learner=LogisticRegression(max_iter=5000), data=train,
                label_column="target")
    assert bare.estimator.random_state == 3


# -- scoring by task --------------------------------------------------------------------------------------
def test_a_multiclass_model_scores_one_probability_column_per_class(catalog):
    train, test = _halves(load_wine(as_frame=True).frame)
    learner = _run(catalog, "multiclass_logistic_regression", max_iter=10000)
    model = _run(catalog, "train_model", learner=learner, data=train, label_column="target")
    scored = _run(catalog, "score_model", model=model, data=test)
    direct = clone(learner.estimator).fit(train.drop(columns="target"), train["target"])
    proba = direct.predict_proba(test.drop(columns="target"))
    assert model.task == "multiclass" and model.classes == [0, 1, 2]
    assert list(scored.columns[-5:]) == ["scored_label", "scored_probability", "scored_probability_0",
                                         "scored_probability_1", "scored_probability_2"]
    np.testing.assert_allclose(scored[["scored_probability_0", "scored_probability_1", "scored_probability_2"]], proba)
    np.testing.assert_allclose(scored["scored_probability"], proba.max(axis=1))
    np.testing.assert_array_equal(scored["scored_label"], direct.predict(test.drop(columns="target")))


def test_a_quantile_regressor_scores_one_column_per_quantile(catalog, diabetes):
    train, test = _halves(diabetes)
    learner = _run(catalog, "fast_forest_quantile_regression", n_estimators=20)
    model = _run(catalog, "train_model", learner=learner, data=train, label_column="target")
    scored = _run(catalog, "score_model", model=model, data=test)
    X = test.drop(columns="target")
    levels = model.estimator.levels_
    assert model.kind == "quantile"
    for i, q in enumerate(levels):
        np.testing.assert_allclose(scored[f"scored_quantile_{q:g}"], model.estimator.predict_quantiles(X)[:, i])
    np.testing.assert_allclose(scored["scored_label"], model.estimator.predict(X))


def test_a_model_pickled_before_tasks_were_split_still_scores(catalog):
    train, test = _halves(load_breast_cancer(as_frame=True).frame)
    estimator = LogisticRegression(max_iter=5000).fit(train.drop(columns="target"), train["target"])
    old = TrainedModel.__new__(TrainedModel)  # what unpickling a model of the old class gives
    old.__dict__.update(estimator=estimator, label_column="target",
                        features=[c for c in train.columns if c != "target"], task="classification")
    restored = pickle.loads(pickle.dumps(old))
    scored = _run(catalog, "score_model", model=restored, data=test)
    assert restored.kind == "binary"
    np.testing.assert_allclose(scored["scored_probability"],
                               estimator.predict_proba(test.drop(columns="target"))[:, 1])


def test_score_model_replaces_the_columns_of_an_earlier_scoring(catalog, diabetes):
    train, test = _halves(diabetes)
    model = _run(catalog, "train_model", learner=LinearRegression(), data=train, label_column="target")
    once = _run(catalog, "score_model", model=model, data=test)
    twice = _run(catalog, "score_model", model=model, data=once)
    pd.testing.assert_frame_equal(once, twice)


# -- clustering and anomaly detection ------------------------------------------------------------------
def test_train_clustering_model_and_assign_data_to_clusters_match_kmeans(catalog, iris):
    train, test = _halves(iris)
    learner = _run(catalog, "k_means_clustering", n_clusters=3, n_init=3)
    out = _run(catalog, "train_clustering_model", SimpleContext(seed=1), learner=learner, data=train,
               label_column="target")
    features = [c for c in iris.columns if c != "target"]
    direct = clone(learner.estimator).fit(train[features])
    assert out["model"].features == features and out["model"].kind == "clustering"
    np.testing.assert_array_equal(out["data"]["assignments"], direct.labels_)
    np.testing.assert_allclose(out["data"][[f"distance_to_centroid_{i}" for i in range(3)]],
                               direct.transform(train[features]))
    assigned = _run(catalog, "assign_data_to_clusters", model=out["model"], data=test)
    np.testing.assert_array_equal(assigned["assignments"], direct.predict(test[features]))
    only = _run(catalog, "assign_data_to_clusters", model=out["model"], data=test, append=False)
    assert list(only.columns) == ["assignments"] + [f"distance_to_centroid_{i}" for i in range(3)]


def test_assign_data_to_clusters_refuses_a_model_that_does_not_cluster(catalog, diabetes):
    model = _run(catalog, "train_model", learner=LinearRegression(), data=diabetes, label_column="target")
    with pytest.raises(TypeError, match="not a trained clustering model \\(got regression\\)"):
        _run(catalog, "assign_data_to_clusters", model=model, data=diabetes)


def test_train_anomaly_detection_model_labels_what_isolation_forest_calls_outliers(catalog):
    data = load_breast_cancer(as_frame=True).frame
    learner = _run(catalog, "isolation_forest", seed=4)
    model = _run(catalog, "train_anomaly_detection_model", learner=learner, data=data, label_column="target")
    scored = _run(catalog, "score_model", model=model, data=data)
    X = data.drop(columns="target")
    direct = clone(learner.estimator).fit(X)
    assert "target" not in model.features and model.kind == "anomaly"
    np.testing.assert_array_equal(scored["scored_label"], (direct.predict(X) == -1).astype(int))
    # scored_probability: the share of training rows less anomalous, so it orders rows as the score does
    anomaly = -direct.score_samples(X)
    order = np.argsort(anomaly, kind="stable")
    assert np.all(np.diff(scored["scored_probability"].to_numpy()[order]) >= 0)
    assert scored["scored_probability"].between(0, 1).all()
    assert scored["scored_probability"].median() == pytest.approx(0.5, abs=0.01)


def test_an_anomaly_trainer_refuses_a_classifier(catalog, iris):
    with pytest.raises(ValueError, match="is a multiclass learner, not a anomaly learner"):
        _run(catalog, "train_anomaly_detection_model", learner=_run(catalog, "multiclass_logistic_regression"),
             data=iris)


# -- Cross Validate Model -------------------------------------------------------------------------------
def test_cross_validate_model_scores_each_row_by_the_model_trained_without_its_fold(catalog, iris):
    from sklearn import metrics as skm

    learner = _run(catalog, "multiclass_logistic_regression")
    ctx = SimpleContext(seed=0)
    out = _run(catalog, "cross_validate_model", ctx, learner=learner, data=iris, label_column="target", folds=5,
               seed=11)
    X, y = iris.drop(columns="target"), iris["target"]
    splitter = StratifiedKFold(5, shuffle=True, random_state=11)
    expected = cross_val_predict(clone(learner.estimator), X, y, cv=splitter, method="predict_proba")
    np.testing.assert_allclose(out["data"][[f"scored_probability_{c}" for c in range(3)]], expected, rtol=1e-6)
    folds = np.empty(len(iris), dtype=int)
    for k, (_, test) in enumerate(splitter.split(X, y)):
        folds[test] = k
    np.testing.assert_array_equal(out["data"]["fold"], folds)
    table = out["evaluation"]
    assert table["fold"].tolist() == ["0", "1", "2", "3", "4", "mean", "std"]
    per_fold = [skm.accuracy_score(y[folds == k], out["data"]["scored_label"][folds == k]) for k in range(5)]
    np.testing.assert_allclose(table["accuracy"][:5], per_fold)
    assert table["accuracy"].iloc[5] == pytest.approx(np.mean(per_fold))
    assert table["accuracy"].iloc[6] == pytest.approx(np.std(per_fold, ddof=1))
    assert ("mean_accuracy", pytest.approx(np.mean(per_fold)), None) in ctx.metrics
    fractions = [f for f, _ in ctx.progress_marks]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_cross_validate_model_uses_an_existing_fold_column(catalog, diabetes):
    data = diabetes.assign(part=np.arange(len(diabetes)) % 3)
    out = _run(catalog, "cross_validate_model", learner=LinearRegression(), data=data, label_column="target",
               feature_columns=[c for c in diabetes.columns if c != "target"], fold_column="part")
    X, y = diabetes.drop(columns="target"), diabetes["target"]
    expected = np.empty(len(data))
    for k in range(3):
        held = data["part"].to_numpy() == k
        expected[held] = LinearRegression().fit(X[~held], y[~held]).predict(X[held])
    np.testing.assert_allclose(out["data"]["scored_label"], expected)
    assert out["evaluation"]["fold"].tolist() == ["0", "1", "2", "mean", "std"]
    assert {"mae", "rmse", "r2"} <= set(out["evaluation"].columns)


def test_cross_validate_model_deals_regression_rows_into_seeded_folds(catalog, diabetes):
    a = _run(catalog, "cross_validate_model", learner=LinearRegression(), data=diabetes, label_column="target",
             folds=4, seed=2)
    folds = np.empty(len(diabetes), dtype=int)
    for k, (_, test) in enumerate(KFold(4, shuffle=True, random_state=2).split(diabetes)):
        folds[test] = k
    np.testing.assert_array_equal(a["data"]["fold"], folds)
    b = _run(catalog, "cross_validate_model", learner=LinearRegression(), data=diabetes, label_column="target",
             folds=4, seed=2)
    pd.testing.assert_frame_equal(a["evaluation"], b["evaluation"])
