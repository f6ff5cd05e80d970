"""Tune Model Hyperparameters against scikit-learn computed directly: each combination's metrics on a
validation dataset or by cross-validation (cross_val_score, GridSearchCV, ParameterSampler), the
best model, its refusals at design time and at run time, and its inputs left as they were."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold, ParameterSampler, StratifiedKFold, cross_val_score
from sklearn.preprocessing import StandardScaler

from engine.compiler import validate_document
from engine.documents import document, edge, node
from modules_catalog.context import SimpleContext
from modules_catalog.learner import Learner
from modules_catalog.spec import Column, Design, Upstream
from tests.modules_catalog.cases_learners import UNTOUCHED

KEY = "tune_model_hyperparameters"


def scaled(frame: pd.DataFrame, label: str = "target") -> pd.DataFrame:
    features = [c for c in frame.columns if c != label]
    out = frame.copy()
    out[features] = StandardScaler().fit_transform(frame[features])
    return out


def ranged(catalog, key, **params):
    return catalog.get(key).fn(SimpleContext(seed=0), trainer_mode="Parameter Range", **params)


def tune(catalog, ctx=None, **kwargs):
    return catalog.get(KEY).fn(ctx or SimpleContext(seed=0), **kwargs)


def test_on_a_validation_set_each_combination_is_measured_as_scikit_learn_measures_it(catalog):
    data = scaled(load_breast_cancer(as_frame=True).frame)
    train, valid = data.iloc[:380], data.iloc[380:]
    cs = [0.001, 0.01, 0.1, 1.0]
    ctx = SimpleContext(seed=0)
    out = tune(catalog, ctx, learner=ranged(catalog, "logistic_regression", C_range=cs), data=train,
               validation=valid, label_column="target", classification_metric="AUC")
    results = out["results"]
    assert len(results) == 4 and list(results["AUC"]) == sorted(results["AUC"], reverse=True)
    X, y = train.drop(columns="target"), train["target"]
    Xv, yv = valid.drop(columns="target"), valid["target"]
    for _, row in results.iterrows():
        direct = LogisticRegression(C=row["C"], max_iter=1000).fit(X, y)
        pred, proba = direct.predict(Xv), direct.predict_proba(Xv)[:, 1]
        assert row["Accuracy"] == pytest.approx(skm.accuracy_score(yv, pred))
        assert row["Precision"] == pytest.approx(skm.precision_score(yv, pred))
        assert row["Recall"] == pytest.approx(skm.recall_score(yv, pred))
        assert row["F-score"] == pytest.approx(skm.f1_score(yv, pred))
        assert row["AUC"] == pytest.approx(skm.roc_auc_score(yv, proba))
        assert row["Average Log Loss"] == pytest.approx(skm.log_loss(yv, direct.predict_proba(Xv)))
    best = results.iloc[0]["C"]
    model = out["model"]
    assert model.label_column == "target" and model.features == list(X.columns) and model.task == "binary"
    np.testing.assert_allclose(model.estimator.predict_proba(Xv),
                               LogisticRegression(C=best, max_iter=1000).fit(X, y).predict_proba(Xv))
    assert sorted(results["run"]) == [1, 2, 3, 4] and len([m for m in ctx.metrics if m[0] == "auc"]) == 4
    assert ("best_auc", results.iloc[0]["AUC"], None) in ctx.metrics
    assert [f for f, _ in ctx.progress_marks][-1] == 1.0 and len(ctx.progress_marks) >= 4


def test_without_a_validation_set_combinations_are_cross_validated_and_the_best_refitted(catalog):
    data = load_diabetes(as_frame=True).frame
    alphas = [0.0, 0.1, 1.0, 10.0, 100.0]
    ctx = SimpleContext(seed=0)
    out = tune(catalog, ctx, learner=ranged(catalog, "linear_regression", l2_regularization_range=alphas), data=data,
               label_column="target", folds=4, seed=7, regression_metric="Root mean squared error")
    marks = [f for f, _ in ctx.progress_marks]
    assert marks == sorted(marks) and marks[-1] == 1.0
    assert sum("of the folds" in m for _, m in ctx.progress_marks) == 5 * 4  # every fold of every run
    X, y = data.drop(columns="target"), data["target"]
    folds = KFold(n_splits=4, shuffle=True, random_state=7)
    results = out["results"].set_index("alpha")
    for alpha in alphas:
        for column, scoring in (("Root mean squared error", "neg_root_mean_squared_error"),
                                ("Mean absolute error", "neg_mean_absolute_error"),
                                ("Coefficient of determination", "r2")):
            sign = 1 if scoring == "r2" else -1
            expected = sign * cross_val_score(Ridge(alpha=alpha), X, y, cv=folds, scoring=scoring).mean()
            assert results.loc[alpha, column] == pytest.approx(expected)
    search = GridSearchCV(Ridge(), {"alpha": alphas}, cv=folds, scoring="neg_root_mean_squared_error").fit(X, y)
    assert out["results"].iloc[0]["alpha"] == search.best_params_["alpha"]
    np.testing.assert_allclose(out["model"].estimator.predict(X), search.best_estimator_.predict(X))
    assert out["model"].task == "regression"


def test_multiclass_metrics_are_macro_averages_named_as_such_with_one_vs_rest_auc(catalog):
    data = scaled(load_wine(as_frame=True).frame)
    cs = [0.01, 1.0]
    out = tune(catalog, learner=ranged(catalog, "multiclass_logistic_regression", C_range=cs, tol_range=[1e-4]),
               data=data, label_column="target", folds=3, seed=2, classification_metric="Average Log Loss")
    results = out["results"].set_index("C")
    assert {"Precision (macro)", "Recall (macro)", "F-score (macro)"} <= set(results.columns)
    X, y = data.drop(columns="target"), data["target"]
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=2)
    for c in cs:
        est = LogisticRegression(C=c, max_iter=1000)
        for column, scoring, sign in (("F-score (macro)", "f1_macro", 1), ("Average Log Loss", "neg_log_loss", -1),
                                      ("AUC", "roc_auc_ovr", 1), ("Accuracy", "accuracy", 1)):
            expected = sign * cross_val_score(est, X, y, cv=folds, scoring=scoring).mean()
            assert results.loc[c, column] == pytest.approx(expected), column
    assert list(out["results"]["Average Log Loss"]) == sorted(out["results"]["Average Log Loss"])  # lower is better
    assert out["model"].task == "multiclass"


def test_a_random_sweep_trains_the_combinations_scikit_learn_s_sampler_draws(catalog):
    data = load_iris(as_frame=True).frame
    learner = ranged(catalog, "multiclass_decision_forest", n_estimators_range=[2, 4, 8], max_depth_range=[2, 3],
                     min_samples_leaf_range=[1, 5])
    out = tune(catalog, learner=learner, data=data, label_column="target", sweep_mode="Random sweep", max_runs=5,
               seed=11, folds=3)
    drawn = list(ParameterSampler(learner.sweep, n_iter=5, random_state=11))
    runs = out["results"].sort_values("run")
    assert [tuple(r) for r in runs[["n_estimators", "max_depth", "min_samples_leaf"]].to_numpy()] == \
        [(d["n_estimators"], d["max_depth"], d["min_samples_leaf"]) for d in drawn]
    everything = tune(catalog, learner=learner, data=data, label_column="target", sweep_mode="Random sweep",
                      max_runs=1000, folds=3)
    assert len(everything["results"]) == 12  # never more runs than the grid holds


def test_the_same_seed_gives_the_same_sweep(catalog):
    data = load_iris(as_frame=True).frame
    learner = ranged(catalog, "multiclass_decision_forest", n_estimators_range=[3, 6], max_depth_range=[2],
                     min_samples_leaf_range=[1])
    a = tune(catalog, learner=learner, data=data, label_column="target", folds=3, seed=4)
    b = tune(catalog, learner=learner, data=data, label_column="target", folds=3, seed=4)
    pd.testing.assert_frame_equal(a["results"], b["results"])
    np.testing.assert_array_equal(a["model"].estimator.predict_proba(data.drop(columns="target")),
                                  b["model"].estimator.predict_proba(data.drop(columns="target")))


def test_a_learner_in_single_parameter_mode_is_measured_once_with_its_own_values(catalog):
    data = load_iris(as_frame=True).frame
    learner = catalog.get("multiclass_decision_forest").fn(SimpleContext(), n_estimators=5)
    out = tune(catalog, learner=learner, data=data, label_column="target", folds=3)
    assert len(out["results"]) == 1 and out["model"].estimator.n_estimators == 5


def test_an_entire_grid_too_large_is_refused_pointing_at_a_random_sweep(catalog):
    learner = ranged(catalog, "two_class_boosted_decision_tree", max_leaf_nodes_range={"min": 2, "max": 100, "count": 20},
                     min_samples_leaf_range={"min": 1, "max": 100, "count": 20}, max_iter_range=[10, 20, 30],
                     learning_rate_range=[0.1])
    data = load_breast_cancer(as_frame=True).frame
    with pytest.raises(ValueError, match="holds 1200 combinations, more than 1000; use a random sweep"):
        tune(catalog, learner=learner, data=data, label_column="target")


@pytest.mark.parametrize("change,message", [
    (lambda d: d.assign(kind=np.where(d.index % 2, "a", "b")),
     "Tune Model Hyperparameters: column 'kind' holds text, and Tune Model Hyperparameters needs numbers"),
    (lambda d: d.assign(**{"mean radius": d["mean radius"].where(d.index > 5)}),
     "feature column 'mean radius' of the training dataset has 6 missing values"),
    (lambda d: d.assign(target=d["target"].where(d.index > 2)), "label column 'target' has 3 missing values"),
    (lambda d: d.assign(target=d.index % 3), "is a two-class learner, but label column 'target' has 3 classes"),
    (lambda d: d.assign(target=1), "label column 'target' holds one class only"),
])
def test_data_a_classifier_cannot_use_is_refused_naming_column_and_module(catalog, change, message):
    data = change(load_breast_cancer(as_frame=True).frame.iloc[:100])
    with pytest.raises(ValueError, match=message):
        tune(catalog, learner=ranged(catalog, "logistic_regression"), data=data, label_column="target", folds=2)


def test_a_learner_that_is_not_a_classifier_or_regressor_or_a_text_label_for_a_regressor_is_refused(catalog):
    data = load_iris(as_frame=True).frame
    with pytest.raises(ValueError, match="K-Means Clustering is a clustering learner; Tune Model Hyperparameters tunes"):
        tune(catalog, learner=catalog.get("k_means_clustering").fn(SimpleContext()), data=data, label_column="target")
    texts = data.assign(target=data["target"].map({0: "a", 1: "b", 2: "c"}))
    with pytest.raises(ValueError, match="label column 'target' holds string values, and Linear Regression predicts"):
        tune(catalog, learner=ranged(catalog, "linear_regression"), data=texts, label_column="target")
    with pytest.raises(ValueError, match="column 'petal width \\(cm\\)' is not in the input"):
        tune(catalog, learner=ranged(catalog, "linear_regression"), data=data, label_column="target",
             validation=data.drop(columns="petal width (cm)"))


def test_a_learner_s_own_error_names_the_combination_that_met_it(catalog):
    data = load_diabetes(as_frame=True).frame.assign(target=lambda d: d["target"] - 200)
    with pytest.raises(ValueError, match=r"training Poisson Regression with alpha=0.1, tol=0.0001 failed: Poisson "
                                         r"Regression: label column 'target' holds negative values"):
        tune(catalog, learner=ranged(catalog, "poisson_regression", alpha_range=[0.1], tol_range=[1e-4]), data=data,
             label_column="target", folds=2)


def design(catalog, learner_key, columns, label="target", validation=None):
    upstream = {"learner": Upstream(catalog.get(learner_key), {}, "learner")}
    inputs = {"data": tuple(columns)} | ({"validation": tuple(validation)} if validation is not None else {})
    return list(catalog.get(KEY).check(Design(inputs=inputs, params={"label_column": label}, upstream=upstream)))


def test_design_time_checks_name_text_features_a_wrong_label_and_a_learner_it_cannot_tune(catalog):
    cols = [Column("age", "int"), Column("sex", "string"), Column("target", "float")]
    (v,) = design(catalog, "decision_forest_regression", cols)
    assert (v.column, v.port) == ("sex", "data") and "holds text" in v.message and "Convert to Indicator" in v.hint
    (v,) = design(catalog, "two_class_decision_forest", [Column("age", "int"), Column("target", "float")])
    assert v.param == "label_column" and "needs a label of classes" in v.message
    found = design(catalog, "k_means_clustering", [Column("age", "int"), Column("target", "int")])
    assert [(v.code, v.port) for v in found] == [("learner_task", "learner")]
    assert "K-Means Clustering is a clustering learner" in found[0].message
    (v,) = design(catalog, "linear_regression", [Column("age", "int"), Column("target", "float")],
                  validation=[Column("target", "float")])
    assert (v.code, v.port, v.column) == ("missing_column", "validation", "age")
    assert design(catalog, "linear_regression", [Column("age", "int"), Column("target", "float")]) == []
    (v,) = design(catalog, "linear_regression", [Column("age", "int"), Column("target", "float", "")], label=None)
    assert v.param == "label_column" and v.code == "required"
    assert design(catalog, "linear_regression", [Column("age", "int"), Column("y", "float", "label")], label=None) == []


def test_the_compiler_reports_a_clustering_learner_wired_into_tune_model_before_the_run():
    doc = document([node("data", "sample_dataset", name="iris"), node("kmeans", "k_means_clustering"),
                    node("tune", KEY, label_column="target")],
                   [edge("data", "data", "tune", "data"), edge("kmeans", "learner", "tune", "learner")])
    errors = validate_document(doc)
    assert [(e["code"], e["node"], e["port"]) for e in errors] == [("learner_task", "tune", "learner")]
    doc["nodes"][1] = node("kmeans", "multiclass_decision_forest", trainer_mode="Parameter Range")
    assert validate_document(doc) == []


@pytest.mark.parametrize("key,make,params", UNTOUCHED, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(UNTOUCHED)])
def test_tune_model_leaves_its_dataframe_inputs_exactly_as_they_were(catalog, key, make, params):
    inputs = make()
    frames = {name: value for name, value in inputs.items() if isinstance(value, pd.DataFrame)}
    before = {name: df.copy(deep=True) for name, df in frames.items()}
    catalog.get(key).fn(SimpleContext(seed=1), **inputs, **params)
    for name, df in frames.items():
        pd.testing.assert_frame_equal(df, before[name])
    assert isinstance(inputs["learner"], Learner) and not hasattr(inputs["learner"].estimator, "coef_")


@pytest.mark.django_db(transaction=True)
def test_a_tuning_pipeline_runs_in_the_engine_and_its_best_model_scores_new_rows(engine, workspace):
    """The Learner with its sweep, the results table and the best model go through the datastore."""
    from designer.services import version_snapshot
    from engine import services
    from engine.selectors import datastore
    from tests.conftest import wait_for_run

    doc = document(
        [node("data", "sample_dataset", name="breast_cancer"), node("split", "split_data", fraction=0.7, seed=1),
         node("learner", "two_class_boosted_decision_tree", trainer_mode="Parameter Range",
              max_iter_range={"values": [5, 10]}, learning_rate_range={"min": 0.1, "max": 0.3, "count": 2},
              max_leaf_nodes_range=[8], min_samples_leaf_range=[10]),
         node("tune", KEY, label_column="target", classification_metric="AUC"),
         node("score", "score_model")],
        [edge("data", "data", "split", "data"), edge("split", "train", "tune", "data"),
         edge("split", "test", "tune", "validation"), edge("learner", "learner", "tune", "learner"),
         edge("tune", "model", "score", "model"), edge("split", "test", "score", "data")])
    version = version_snapshot(workspace=workspace, user=None, document=doc, name="tuning")
    run = wait_for_run(services.run_submit(workspace=workspace, version=version).id, timeout=180)
    assert run.status == "succeeded", run.error
    tune_step = run.steps.get(node_id="tune")
    results = datastore().load(tune_step.outputs["results"]["digest"], "DataFrame")
    assert len(results) == 4 and list(results["AUC"]) == sorted(results["AUC"], reverse=True)
    assert {"max_iter", "learning_rate"} <= set(results.columns)
    scored = datastore().load(run.steps.get(node_id="score").outputs["data"]["digest"], "DataFrame")
    assert "scored_probability" in scored.columns
    best = skm.roc_auc_score(scored["target"], scored["scored_probability"])
    assert best == pytest.approx(results["AUC"].iloc[0])  # the validation rows are the scored test rows
