"""The learner modules hand out the unfitted scikit-learn estimator their params describe."""
from __future__ import annotations

from sklearn.base import is_classifier, is_regressor
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge


def test_logistic_regression_is_an_unfitted_classifier_with_the_given_params(catalog, ctx):
    learner = catalog.get("logistic_regression", "1").fn(ctx, C=0.5, max_iter=200, penalty="l2")
    assert isinstance(learner, LogisticRegression) and is_classifier(learner)
    assert (learner.C, learner.max_iter, learner.penalty) == (0.5, 200, "l2")
    assert not hasattr(learner, "coef_")


def test_logistic_regression_without_penalty_passes_none(catalog, ctx):
    learner = catalog.get("logistic_regression").fn(ctx, C=1.0, max_iter=1000, penalty="none")
    assert learner.penalty is None


def test_linear_regression_is_ordinary_least_squares_at_zero_and_ridge_above(catalog, ctx):
    spec = catalog.get("linear_regression", "1")
    ols = spec.fn(ctx, fit_intercept=False, l2_regularization=0.0)
    assert type(ols) is LinearRegression and ols.fit_intercept is False
    ridge = spec.fn(ctx, fit_intercept=True, l2_regularization=2.5)
    assert isinstance(ridge, Ridge) and ridge.alpha == 2.5 and is_regressor(ridge)


def test_learner_modules_declare_one_untrained_model_output(catalog):
    for key in ("logistic_regression", "linear_regression"):
        spec = catalog.get(key)
        assert [(p.name, p.type.value) for p in spec.outputs] == [("learner", "UntrainedModel")]
        assert spec.inputs == ()
