"""Machine Learning Algorithms, Regression: decision forest, boosted decision tree, neural network,
Poisson and fast forest quantile regression (Linear Regression is in learners.py)."""
from __future__ import annotations

from typing import Any, Iterable

from ..estimators import PoissonCountRegressor, QuantileForestRegressor, parse_quantiles
from ..learner import Learner
from ..spec import Design, Param, ParamKind, Violation, module
from .learners_common import (BOOSTED_TARGETS, CATEGORY, FOREST_TARGETS, SINGLE, boosted, boosted_params, build,
                              forest, forest_params, learner_port, network, network_params, network_targets,
                              seed_of, seed_param, trainer_mode, tunable)

GROUP = "Regression"


@module("decision_forest_regression", "1", "Decision Forest Regression", CATEGORY, task="regression", group=GROUP,
        outputs=[learner_port()], params=forest_params())
def decision_forest_regression(ctx: Any, *, trainer_mode: str = SINGLE, resampling: str = "Bagging",
                               n_estimators: int = 8, max_depth: int = 32, min_samples_leaf: int = 1,
                               seed: int | None = None, **ranges: Any) -> Learner:
    """scikit-learn's RandomForestRegressor: the average of many decision trees, each grown on a
    bootstrap sample of the rows (Bagging) or on every row (Replicate)."""
    from sklearn.ensemble import RandomForestRegressor

    estimator = forest(RandomForestRegressor, ctx, resampling=resampling, n_estimators=n_estimators,
                       max_depth=max_depth, min_samples_leaf=min_samples_leaf, seed=seed)
    return build(decision_forest_regression, estimator, "regression", mode=trainer_mode, ranges=ranges,
                 targets=FOREST_TARGETS)


@module("boosted_decision_tree_regression", "1", "Boosted Decision Tree Regression", CATEGORY, task="regression",
        group=GROUP, outputs=[learner_port()], params=boosted_params())
def boosted_decision_tree_regression(ctx: Any, *, trainer_mode: str = SINGLE, max_leaf_nodes: int = 20,
                                     min_samples_leaf: int = 10, learning_rate: float = 0.2, max_iter: int = 100,
                                     seed: int | None = None, **ranges: Any) -> Learner:
    """scikit-learn's HistGradientBoostingRegressor: trees added one by one, each correcting the
    errors of those before it (squared error)."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    estimator = boosted(HistGradientBoostingRegressor, ctx, max_leaf_nodes=max_leaf_nodes,
                        min_samples_leaf=min_samples_leaf, learning_rate=learning_rate, max_iter=max_iter, seed=seed)
    return build(boosted_decision_tree_regression, estimator, "regression", mode=trainer_mode, ranges=ranges,
                 targets=BOOSTED_TARGETS)


@module("neural_network_regression", "1", "Neural Network Regression", CATEGORY, task="regression", group=GROUP,
        outputs=[learner_port()], params=network_params(learning_rate=0.005))
def neural_network_regression(ctx: Any, *, trainer_mode: str = SINGLE, hidden_nodes: int = 100,
                              hidden_layers: int = 1, learning_rate: float = 0.005, max_iter: int = 100,
                              momentum: float = 0.0, batch_size: int = 32, normalizer: str = "Min-Max",
                              shuffle: bool = True, seed: int | None = None, **ranges: Any) -> Learner:
    """scikit-learn's MLPRegressor after the normalizer, trained by stochastic gradient descent on
    the standardized label (predictions are turned back into the label's scale)."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.neural_network import MLPRegressor
    from sklearn.preprocessing import StandardScaler

    net = network(MLPRegressor, ctx, hidden_nodes=hidden_nodes, hidden_layers=hidden_layers,
                  learning_rate=learning_rate, max_iter=max_iter, momentum=momentum, batch_size=batch_size,
                  normalizer=normalizer, shuffle=shuffle, seed=seed)
    estimator = TransformedTargetRegressor(regressor=net, transformer=StandardScaler())
    return build(neural_network_regression, estimator, "regression", mode=trainer_mode, ranges=ranges,
                 targets=network_targets(hidden_layers, prefix="regressor__network__"))


@module(
    "poisson_regression", "1", "Poisson Regression", CATEGORY, task="regression", group=GROUP,
    outputs=[learner_port()],
    params=[
        trainer_mode(),
        *tunable("alpha", ParamKind.FLOAT, "L2 regularization weight", default=1.0, min=0.0, max=1e6,
                 values=[0.0, 0.01, 0.1, 1.0], help="0 fits an unpenalized model; larger values shrink the weights."),
        *tunable("tol", ParamKind.FLOAT, "Optimization tolerance", default=1e-7, min=1e-12, max=1.0,
                 values=[1e-4, 1e-7]),
        Param("max_iter", ParamKind.INT, "Maximum iterations", default=1000, min=1, max=100000),
    ],
)
def poisson_regression(ctx: Any, *, trainer_mode: str = SINGLE, alpha: float = 1.0, tol: float = 1e-7,
                       max_iter: int = 1000, **ranges: Any) -> Learner:
    """scikit-learn's PoissonRegressor (a log-linear model of counts). The label must hold counts:
    numbers of 0 or more, not all 0; training says which rule a label breaks."""
    if alpha < 0:
        raise ValueError(f"param 'alpha' must be 0 or more; got {alpha}")
    estimator = PoissonCountRegressor(alpha=float(alpha), tol=float(tol), max_iter=int(max_iter))
    return build(poisson_regression, estimator, "regression", mode=trainer_mode, ranges=ranges,
                 targets={"alpha": ("alpha", float), "tol": ("tol", float)})


def _check_quantiles(design: Design) -> Iterable[Violation]:
    try:
        parse_quantiles(design.params.get("quantiles") or "")
    except ValueError as exc:
        yield Violation(f"Fast Forest Quantile Regression: {exc}", param="quantiles", code="bad_param",
                        hint="list levels between 0 and 1 separated by ';', such as 0.25; 0.5; 0.75")


@module(
    "fast_forest_quantile_regression", "1", "Fast Forest Quantile Regression", CATEGORY, task="regression",
    group=GROUP, outputs=[learner_port()], check=_check_quantiles,
    params=[
        trainer_mode(),
        *tunable("n_estimators", ParamKind.INT, "Number of trees", default=100, min=1, max=5000, values=[16, 32, 64]),
        *tunable("max_leaf_nodes", ParamKind.INT, "Number of leaves", default=20, min=2, max=100000,
                 values=[16, 32, 64], help="The most leaves a tree may have."),
        *tunable("min_samples_leaf", ParamKind.INT, "Minimum number of training instances required to form a leaf",
                 default=10, min=1, max=100000, values=[1, 5, 10]),
        *tunable("max_samples", ParamKind.FLOAT, "Bagging fraction", default=0.7, min=0.01, max=1.0,
                 values=[0.25, 0.5, 0.75], help="The share of the rows each tree is grown on (drawn with replacement)."),
        *tunable("max_features", ParamKind.FLOAT, "Feature fraction", default=0.7, min=0.01, max=1.0,
                 values=[0.25, 0.5, 0.75], help="The share of the features each split considers."),
        Param("quantiles", ParamKind.TEXT, "Quantiles to be estimated", default="0.25; 0.5; 0.75",
              help="Levels between 0 and 1 separated by ';'. Score Model adds one column per level."),
        seed_param(),
    ],
)
def fast_forest_quantile_regression(ctx: Any, *, trainer_mode: str = SINGLE, n_estimators: int = 100,
                                    max_leaf_nodes: int = 20, min_samples_leaf: int = 10, max_samples: float = 0.7,
                                    max_features: float = 0.7, quantiles: str = "0.25; 0.5; 0.75",
                                    seed: int | None = None, **ranges: Any) -> Learner:
    """A quantile regression forest (Meinshausen, 2006): a random forest whose leaves keep the
    training labels, so it predicts the label's distribution at each row, not only its mean.
    Scoring adds one column per quantile level; the scored label is the median."""
    try:
        levels = parse_quantiles(quantiles)
    except ValueError as exc:
        raise ValueError(f"Fast Forest Quantile Regression: param 'quantiles': {exc}") from None
    estimator = QuantileForestRegressor(
        quantiles=levels, n_estimators=int(n_estimators), max_leaf_nodes=int(max_leaf_nodes),
        min_samples_leaf=int(min_samples_leaf), max_samples=float(max_samples), max_features=float(max_features),
        random_state=seed_of(ctx, seed))
    return build(fast_forest_quantile_regression, estimator, "regression", mode=trainer_mode, ranges=ranges,
                 targets={"n_estimators": ("n_estimators", int), "max_leaf_nodes": ("max_leaf_nodes", int),
                          "min_samples_leaf": ("min_samples_leaf", int), "max_samples": ("max_samples", float),
                          "max_features": ("max_features", float)})
