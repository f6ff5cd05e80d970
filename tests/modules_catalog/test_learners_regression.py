"""Regression learners on scikit-learn's diabetes data, against the same estimators fitted directly
with the same params and seed; the quantile regression forest against Meinshausen's weights
computed densely; Poisson regression's label errors."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import PoissonRegressor
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from modules_catalog.context import SimpleContext
from modules_catalog.estimators import QuantileForestRegressor, parse_quantiles
from modules_catalog.spec import Design


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return X.iloc[:300], y.iloc[:300], X.iloc[300:], y.iloc[300:]


def fitted(catalog, key, X, y, seed=0, **params):
    learner = catalog.get(key).fn(SimpleContext(seed=seed), **params)
    assert learner.task == "regression"
    return clone(learner.estimator).fit(X, y)


def test_decision_forest_regression_is_a_random_forest_bagged_or_replicated(catalog, diabetes):
    X, y, Xt, _ = diabetes
    ours = fitted(catalog, "decision_forest_regression", X, y, n_estimators=12, max_depth=6, min_samples_leaf=3, seed=4)
    theirs = RandomForestRegressor(n_estimators=12, max_depth=6, min_samples_leaf=3, random_state=4).fit(X, y)
    np.testing.assert_array_equal(ours.predict(Xt), theirs.predict(Xt))
    ours = fitted(catalog, "decision_forest_regression", X, y, resampling="Replicate", n_estimators=3)
    theirs = RandomForestRegressor(n_estimators=3, max_depth=32, bootstrap=False, random_state=0).fit(X, y)
    np.testing.assert_array_equal(ours.predict(Xt), theirs.predict(Xt))


def test_boosted_decision_tree_regression_grows_exactly_its_trees(catalog, diabetes):
    X, y, Xt, _ = diabetes
    ours = fitted(catalog, "boosted_decision_tree_regression", X, y, max_leaf_nodes=8, min_samples_leaf=5,
                  learning_rate=0.1, max_iter=40, seed=2)
    theirs = HistGradientBoostingRegressor(max_leaf_nodes=8, min_samples_leaf=5, learning_rate=0.1, max_iter=40,
                                           early_stopping=False, random_state=2).fit(X, y)
    np.testing.assert_array_equal(ours.predict(Xt), theirs.predict(Xt))
    assert ours.n_iter_ == 40


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_neural_network_regression_is_an_sgd_network_on_min_max_features_and_a_standardized_label(catalog, diabetes):
    X, y, Xt, yt = diabetes
    ours = fitted(catalog, "neural_network_regression", X, y, hidden_nodes=20, learning_rate=0.01, max_iter=60,
                  seed=7)
    net = MLPRegressor(hidden_layer_sizes=(20,), solver="sgd", learning_rate_init=0.01, momentum=0.0,
                       nesterovs_momentum=False, batch_size=32, max_iter=60, shuffle=True, random_state=7)
    theirs = TransformedTargetRegressor(Pipeline([("normalize", MinMaxScaler()), ("network", net)]),
                                       transformer=StandardScaler()).fit(X, y)
    np.testing.assert_allclose(ours.predict(Xt), theirs.predict(Xt))
    assert ours.score(Xt, yt) > 0.3  # it learns the data, in the label's own scale


def test_poisson_regression_fits_counts_as_scikit_learn_does(catalog, diabetes):
    X, y, Xt, _ = diabetes
    counts = (y // 10).astype(int)
    ours = fitted(catalog, "poisson_regression", X, counts, alpha=0.1, tol=1e-8, max_iter=500)
    theirs = PoissonRegressor(alpha=0.1, tol=1e-8, max_iter=500).fit(X, counts)
    np.testing.assert_allclose(ours.predict(Xt), theirs.predict(Xt))


def test_poisson_regression_names_a_label_that_is_not_counts(catalog, diabetes):
    X, y, _, _ = diabetes
    learner = catalog.get("poisson_regression").fn(SimpleContext())
    with pytest.raises(ValueError, match=r"Poisson Regression: label column 'target' holds negative values "
                                         r"\(the smallest is -175\)"):
        clone(learner.estimator).fit(X, y - 200)
    with pytest.raises(ValueError, match="label column 'target' holds only zeros"):
        clone(learner.estimator).fit(X, y * 0)


def dense_quantiles(model: QuantileForestRegressor, X, y, Xt, levels):
    """Meinshausen's estimate the slow way: every training row's weight for every query row."""
    train, test = model.forest_.apply(X), model.forest_.apply(Xt)
    weights = np.zeros((len(test), len(train)))
    for t in range(train.shape[1]):
        same = test[:, t][:, None] == train[:, t][None, :]
        weights += same / same.sum(axis=1, keepdims=True)
    weights /= train.shape[1]
    order = np.argsort(np.asarray(y), kind="stable")
    cumulative = np.cumsum(weights[:, order], axis=1)
    ys = np.asarray(y)[order]
    return np.stack([ys[np.argmax(cumulative >= q - 1e-9, axis=1)] for q in levels], axis=1)


def test_fast_forest_quantile_regression_is_meinshausen_s_quantile_regression_forest(catalog, diabetes):
    X, y, Xt, yt = diabetes
    learner = catalog.get("fast_forest_quantile_regression").fn(
        SimpleContext(seed=5), quantiles="0.9; 0.1; 0.5", n_estimators=40, max_leaf_nodes=30, min_samples_leaf=5)
    model = clone(learner.estimator).fit(X, y)
    assert model.levels_ == (0.1, 0.5, 0.9)
    predicted = model.predict_quantiles(Xt)
    np.testing.assert_array_equal(predicted, dense_quantiles(model, X, y, Xt, (0.1, 0.5, 0.9)))
    np.testing.assert_array_equal(model.predict(Xt), predicted[:, 1])  # the scored label is the median
    assert (predicted[:, 0] <= predicted[:, 1]).all() and (predicted[:, 1] <= predicted[:, 2]).all()
    inside = ((yt >= predicted[:, 0]) & (yt <= predicted[:, 2])).mean()
    assert 0.65 < inside < 0.95  # an 80% interval covers about 80% of rows it never saw
    # the trees are scikit-learn's random forest with Azure's settings
    forest = RandomForestRegressor(n_estimators=40, max_leaf_nodes=30, min_samples_leaf=5, max_samples=0.7,
                                   max_features=0.7, random_state=5).fit(X, y)
    np.testing.assert_array_equal(model.forest_.predict(Xt), forest.predict(Xt))


def test_quantile_forest_scores_one_column_per_quantile_as_a_trained_model(catalog, diabetes):
    from modules_catalog.trained import TrainedModel

    X, y, Xt, _ = diabetes
    learner = catalog.get("fast_forest_quantile_regression").fn(SimpleContext(), n_estimators=10)
    model = TrainedModel(clone(learner.estimator).fit(X, y), "target", list(X.columns), "regression")
    scored = model.score(Xt)
    assert [c for c in scored.columns if c.startswith("scored_quantile_")] == [
        "scored_quantile_0.25", "scored_quantile_0.5", "scored_quantile_0.75"]
    np.testing.assert_array_equal(scored["scored_quantile_0.5"], scored["scored_label"])


def test_quantile_levels_are_parsed_strictly_and_checked_at_design_time(catalog):
    assert parse_quantiles("0.75; 0.25,0.5") == (0.25, 0.5, 0.75)
    for text, message in (("", "at least one"), ("0.5; x", "'x' is not a number"), ("1", "strictly between"),
                          ("0.5;0.5", "twice"), ("0", "strictly between")):
        with pytest.raises(ValueError, match=message):
            parse_quantiles(text)
    spec = catalog.get("fast_forest_quantile_regression")
    assert list(spec.check(Design(inputs={}, params={"quantiles": "0.1; 0.9"}))) == []
    (v,) = spec.check(Design(inputs={}, params={"quantiles": "0.5; 1.5"}))
    assert v.param == "quantiles" and "1.5" in v.message and v.hint
    with pytest.raises(ValueError, match="Fast Forest Quantile Regression: param 'quantiles'"):
        spec.fn(SimpleContext(), quantiles="half")


def test_a_quantile_forest_gives_its_quantiles_in_the_order_they_are_asked(diabetes):
    X, y, Xt, _ = diabetes
    forward = QuantileForestRegressor(quantiles=(0.2, 0.8), n_estimators=5, random_state=1).fit(X, y)
    backward = QuantileForestRegressor(quantiles=(0.8, 0.2), n_estimators=5, random_state=1).fit(X, y)
    np.testing.assert_array_equal(forward.predict_quantiles(Xt), backward.predict_quantiles(Xt)[:, ::-1])
    with pytest.raises(ValueError, match="quantile 1.5 is not strictly between 0 and 1"):
        QuantileForestRegressor(quantiles=(0.5, 1.5), n_estimators=2).fit(X, y)


def test_a_quantile_forest_refuses_a_label_with_missing_values(diabetes):
    X, y, _, _ = diabetes
    with pytest.raises(ValueError, match="label column 'target' holds missing"):
        QuantileForestRegressor(n_estimators=2).fit(X, y.where(y > 100))


def test_regression_learners_are_deterministic_under_their_seed(catalog, diabetes):
    X, y, Xt, _ = diabetes
    for key in ("decision_forest_regression", "boosted_decision_tree_regression", "fast_forest_quantile_regression"):
        a = fitted(catalog, key, X, y, seed=9).predict(Xt)
        b = fitted(catalog, key, X, y, seed=9).predict(Xt)
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(fitted(catalog, "decision_forest_regression", X, y, seed=1).predict(Xt),
                              fitted(catalog, "decision_forest_regression", X, y, seed=2).predict(Xt))


def test_the_compiler_reports_bad_quantile_levels_on_the_param_before_the_run():
    from engine.compiler import validate_document
    from engine.documents import document, node

    (error,) = validate_document(document([node("qrf", "fast_forest_quantile_regression", quantiles="0.5; 2")], []))
    assert (error["code"], error["node"], error["param"]) == ("bad_param", "qrf", "quantiles")
    assert "quantile 2 is not strictly between 0 and 1" in error["message"]
    assert validate_document(document([node("qrf", "fast_forest_quantile_regression", quantiles="0.1;0.9")], [])) == []
