"""Every learner module hands out an untrained Learner: an unfitted estimator with the given params
and seed, its task, and in Parameter Range mode the values to sweep. The linear learners, against
scikit-learn fitted directly on real data."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge

from modules_catalog.context import SimpleContext
from modules_catalog.learner import Learner, as_learner
from modules_catalog.spec import TASKS, ParamKind

LEARNER_GROUPS = {"Regression", "Classification", "Clustering", "Anomaly Detection"}
AZURE_LEARNERS = {
    "linear_regression", "decision_forest_regression", "boosted_decision_tree_regression", "neural_network_regression",
    "poisson_regression", "fast_forest_quantile_regression", "logistic_regression", "two_class_decision_forest",
    "two_class_boosted_decision_tree", "two_class_neural_network", "two_class_support_vector_machine",
    "two_class_averaged_perceptron", "multiclass_logistic_regression", "multiclass_decision_forest",
    "multiclass_boosted_decision_tree", "multiclass_neural_network", "one_vs_all_multiclass", "one_vs_one_multiclass",
    "k_means_clustering", "pca_based_anomaly_detection", "isolation_forest",
}


def learner_specs(catalog):
    return [s for s in catalog if s.category == "Machine Learning Algorithms"
            and s.fn.__module__.startswith("modules_catalog.builtins.")]


def make(catalog, key, ctx=None, **params):
    spec = catalog.get(key, "1")
    inputs = {}
    if spec.inputs:
        inputs["learner"] = catalog.get("logistic_regression").fn(SimpleContext())
    return spec.fn(ctx or SimpleContext(seed=0), **inputs, **params)


def test_the_catalogue_has_azure_s_learners_each_declaring_its_task_and_group(catalog):
    specs = {s.key: s for s in learner_specs(catalog)}
    assert AZURE_LEARNERS <= set(specs)
    for spec in specs.values():
        assert spec.task in TASKS and spec.group in LEARNER_GROUPS, spec.key
        assert [(p.name, p.type.value) for p in spec.outputs] == [("learner", "UntrainedModel")]
        assert all(p.type.value == "UntrainedModel" for p in spec.inputs)


def test_every_learner_returns_a_learner_of_its_declared_task_that_clones_and_pickles(catalog):
    for spec in learner_specs(catalog):
        learner = make(catalog, spec.key)
        assert isinstance(learner, Learner) and learner.task == spec.task, spec.key
        assert learner.name.startswith(spec.label) and learner.sweep == {}
        assert as_learner(learner) is learner
        copy = clone(learner.estimator)
        assert copy.get_params() .keys() == learner.estimator.get_params().keys()
        assert type(pickle.loads(pickle.dumps(learner)).estimator) is type(learner.estimator)


def test_a_learner_with_ranges_declares_both_trainer_modes_and_each_range_matches_its_single_param(catalog):
    for spec in learner_specs(catalog):
        ranges = [p for p in spec.params if p.kind is ParamKind.RANGE]
        if spec.task in ("clustering", "anomaly") or spec.inputs:
            assert not ranges and spec.param("trainer_mode") is None, spec.key
            continue
        assert spec.param("trainer_mode").choices == ("Single Parameter", "Parameter Range"), spec.key
        assert ranges, spec.key
        for r in ranges:
            single = spec.param(r.name.removesuffix("_range"))
            assert single is not None and r.item is single.kind and (r.min, r.max) == (single.min, single.max)


def test_in_range_mode_every_swept_path_is_a_param_of_the_estimator_and_single_mode_sweeps_nothing(catalog):
    for spec in learner_specs(catalog):
        if spec.param("trainer_mode") is None:
            continue
        learner = make(catalog, spec.key, trainer_mode="Parameter Range")
        assert learner.sweep, spec.key
        params = learner.estimator.get_params(deep=True)
        for path, values in learner.sweep.items():
            assert path in params and values, (spec.key, path)
            clone(learner.estimator).set_params(**{path: values[-1]})  # settable


def test_a_seed_param_or_else_the_run_s_seed_is_the_random_state_of_every_stochastic_estimator(catalog):
    for spec in learner_specs(catalog):
        if spec.param("seed") is None:
            continue
        states = {k: v for k, v in make(catalog, spec.key, SimpleContext(seed=11)).estimator.get_params(deep=True)
                  .items() if k.endswith("random_state")}
        assert states and set(states.values()) == {11}, spec.key
        seeded = make(catalog, spec.key, SimpleContext(seed=11), seed=5).estimator.get_params(deep=True)
        assert {seeded[k] for k in states} == {5}, spec.key


def test_two_class_logistic_regression_is_an_unfitted_classifier_with_the_given_params(catalog, ctx):
    learner = catalog.get("logistic_regression", "1").fn(ctx, C=0.5, max_iter=200, penalty="l2")
    est = learner.estimator
    assert isinstance(est, LogisticRegression) and learner.task == "binary"
    assert (est.C, est.max_iter, est.penalty) == (0.5, 200, "l2")
    assert not hasattr(est, "coef_")
    assert catalog.get("logistic_regression").fn(ctx, penalty="none").estimator.penalty is None


def test_logistic_regressions_predict_as_scikit_learn_fitted_directly(catalog, ctx):
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = (X - X.mean()) / X.std()  # scaled, so that lbfgs converges in a few iterations
    ours = clone(catalog.get("logistic_regression").fn(ctx, C=0.3, max_iter=500).estimator).fit(X, y)
    theirs = LogisticRegression(C=0.3, max_iter=500).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X))
    X, y = load_wine(return_X_y=True, as_frame=True)
    X = (X - X.mean()) / X.std()
    learner = catalog.get("multiclass_logistic_regression").fn(ctx, C=2.0, tol=1e-6, max_iter=500)
    assert learner.task == "multiclass"
    ours = clone(learner.estimator).fit(X, y)
    theirs = LogisticRegression(C=2.0, tol=1e-6, max_iter=500).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X))
    assert ours.predict_proba(X).shape == (len(X), 3)


def test_linear_regression_is_least_squares_at_zero_and_ridge_above_as_before(catalog, ctx):
    spec = catalog.get("linear_regression", "1")
    ols = spec.fn(ctx, fit_intercept=False, l2_regularization=0.0).estimator
    assert type(ols) is LinearRegression and ols.fit_intercept is False
    ridge = spec.fn(ctx, fit_intercept=True, l2_regularization=2.5).estimator
    assert isinstance(ridge, Ridge) and ridge.alpha == 2.5
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    np.testing.assert_allclose(clone(ridge).fit(X, y).predict(X), Ridge(alpha=2.5).fit(X, y).predict(X))
    np.testing.assert_allclose(clone(spec.fn(ctx).estimator).fit(X, y).predict(X),
                               LinearRegression().fit(X, y).predict(X))


def test_linear_regression_in_range_mode_sweeps_ridge_alphas_zero_being_least_squares(catalog, ctx):
    learner = catalog.get("linear_regression").fn(ctx, trainer_mode="Parameter Range",
                                                  l2_regularization_range={"values": [0.0, 1.0, 10.0]})
    assert isinstance(learner.estimator, Ridge) and learner.sweep == {"alpha": [0.0, 1.0, 10.0]}
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    at_zero = clone(learner.estimator).set_params(alpha=0.0).fit(X, y)
    np.testing.assert_allclose(at_zero.predict(X), LinearRegression().fit(X, y).predict(X), rtol=1e-6)


def test_a_range_param_s_default_is_swept_when_none_is_given(catalog, ctx):
    spec = catalog.get("two_class_boosted_decision_tree")
    learner = spec.fn(ctx, trainer_mode="Parameter Range", max_iter_range={"min": 10, "max": 1000, "count": 3,
                                                                            "scale": "log"})
    assert learner.sweep["max_iter"] == [10, 100, 1000]
    assert learner.sweep["learning_rate"] == spec.param("learning_rate_range").default["values"]
    assert learner.estimator.max_iter == 100  # the single value stays what Train Model uses


def test_a_learner_refuses_an_unknown_param_and_an_unknown_trainer_mode(catalog, ctx):
    spec = catalog.get("two_class_decision_forest")
    with pytest.raises(TypeError, match="no parameter 'depth_range'"):
        spec.fn(ctx, depth_range=[1])
    with pytest.raises(ValueError, match="trainer_mode"):
        spec.fn(ctx, trainer_mode="Both")
