"""Machine Learning Algorithms, Classification: two-class and multiclass decision forests, boosted
decision trees and neural networks, the two-class support vector machine and averaged perceptron,
and One-vs-All / One-vs-One, which make a multiclass learner of a two-class one (the logistic
regressions are in learners.py)."""
from __future__ import annotations

from typing import Any, Iterable

from ..checks import upstream_task
from ..estimators import OneVsOneProbaClassifier, PlattCalibratedClassifier
from ..learner import Learner, as_learner
from ..spec import Design, Param, ParamKind, Port, PortType, Violation, module
from .learners_common import (BOOSTED_TARGETS, CATEGORY, FOREST_TARGETS, SINGLE, boosted, boosted_params, build,
                              forest, forest_params, learner_port, network, network_params, network_targets,
                              seed_of, seed_param, trainer_mode, tunable)

GROUP = "Classification"
CALIBRATION_FOLDS = 5  # the SVM and the perceptron: Platt scaling fitted on this many folds' held-out scores


def _forest(ctx: Any, **settings: Any) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return forest(RandomForestClassifier, ctx, **settings)


def _boosted(ctx: Any, **settings: Any) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return boosted(HistGradientBoostingClassifier, ctx, **settings)


def _network(ctx: Any, **settings: Any) -> Any:
    from sklearn.neural_network import MLPClassifier

    return network(MLPClassifier, ctx, **settings)


@module("two_class_decision_forest", "1", "Two-Class Decision Forest", CATEGORY, task="binary", group=GROUP,
        outputs=[learner_port()], params=forest_params())
def two_class_decision_forest(ctx: Any, *, trainer_mode: str = SINGLE, resampling: str = "Bagging",
                              n_estimators: int = 8, max_depth: int = 32, min_samples_leaf: int = 1,
                              seed: int | None = None, **ranges: Any) -> Learner:
    """scikit-learn's RandomForestClassifier: the trees' averaged class probabilities."""
    estimator = _forest(ctx, resampling=resampling, n_estimators=n_estimators, max_depth=max_depth,
                        min_samples_leaf=min_samples_leaf, seed=seed)
    return build(two_class_decision_forest, estimator, "binary", mode=trainer_mode, ranges=ranges,
                 targets=FOREST_TARGETS)


@module("multiclass_decision_forest", "1", "Multiclass Decision Forest", CATEGORY, task="multiclass", group=GROUP,
        outputs=[learner_port()], params=forest_params())
def multiclass_decision_forest(ctx: Any, *, trainer_mode: str = SINGLE, resampling: str = "Bagging",
                               n_estimators: int = 8, max_depth: int = 32, min_samples_leaf: int = 1,
                               seed: int | None = None, **ranges: Any) -> Learner:
    """scikit-learn's RandomForestClassifier: one probability per class, averaged over the trees."""
    estimator = _forest(ctx, resampling=resampling, n_estimators=n_estimators, max_depth=max_depth,
                        min_samples_leaf=min_samples_leaf, seed=seed)
    return build(multiclass_decision_forest, estimator, "multiclass", mode=trainer_mode, ranges=ranges,
                 targets=FOREST_TARGETS)


@module("two_class_boosted_decision_tree", "1", "Two-Class Boosted Decision Tree", CATEGORY, task="binary",
        group=GROUP, outputs=[learner_port()], params=boosted_params())
def two_class_boosted_decision_tree(ctx: Any, *, trainer_mode: str = SINGLE, max_leaf_nodes: int = 20,
                                    min_samples_leaf: int = 10, learning_rate: float = 0.2, max_iter: int = 100,
                                    seed: int | None = None, **ranges: Any) -> Learner:
    """scikit-learn's HistGradientBoostingClassifier (log loss), with no early stopping."""
    estimator = _boosted(ctx, max_leaf_nodes=max_leaf_nodes, min_samples_leaf=min_samples_leaf,
                         learning_rate=learning_rate, max_iter=max_iter, seed=seed)
    return build(two_class_boosted_decision_tree, estimator, "binary", mode=trainer_mode, ranges=ranges,
                 targets=BOOSTED_TARGETS)


@module("multiclass_boosted_decision_tree", "1", "Multiclass Boosted Decision Tree", CATEGORY, task="multiclass",
        group=GROUP, outputs=[learner_port()], params=boosted_params(learning_rate=0.1))
def multiclass_boosted_decision_tree(ctx: Any, *, trainer_mode: str = SINGLE, max_leaf_nodes: int = 20,
                                     min_samples_leaf: int = 10, learning_rate: float = 0.1, max_iter: int = 100,
                                     seed: int | None = None, **ranges: Any) -> Learner:
    """scikit-learn's HistGradientBoostingClassifier: one tree per class and iteration (multinomial log loss)."""
    estimator = _boosted(ctx, max_leaf_nodes=max_leaf_nodes, min_samples_leaf=min_samples_leaf,
                         learning_rate=learning_rate, max_iter=max_iter, seed=seed)
    return build(multiclass_boosted_decision_tree, estimator, "multiclass", mode=trainer_mode, ranges=ranges,
                 targets=BOOSTED_TARGETS)


@module("two_class_neural_network", "1", "Two-Class Neural Network", CATEGORY, task="binary", group=GROUP,
        outputs=[learner_port()], params=network_params(learning_rate=0.1))
def two_class_neural_network(ctx: Any, *, trainer_mode: str = SINGLE, hidden_nodes: int = 100,
                             hidden_layers: int = 1, learning_rate: float = 0.1, max_iter: int = 100,
                             momentum: float = 0.0, batch_size: int = 32, normalizer: str = "Min-Max",
                             shuffle: bool = True, seed: int | None = None, **ranges: Any) -> Learner:
    """scikit-learn's MLPClassifier after the normalizer, trained by stochastic gradient descent."""
    estimator = _network(ctx, hidden_nodes=hidden_nodes, hidden_layers=hidden_layers, learning_rate=learning_rate,
                         max_iter=max_iter, momentum=momentum, batch_size=batch_size, normalizer=normalizer,
                         shuffle=shuffle, seed=seed)
    return build(two_class_neural_network, estimator, "binary", mode=trainer_mode, ranges=ranges,
                 targets=network_targets(hidden_layers))


@module("multiclass_neural_network", "1", "Multiclass Neural Network", CATEGORY, task="multiclass", group=GROUP,
        outputs=[learner_port()], params=network_params(learning_rate=0.1))
def multiclass_neural_network(ctx: Any, *, trainer_mode: str = SINGLE, hidden_nodes: int = 100,
                              hidden_layers: int = 1, learning_rate: float = 0.1, max_iter: int = 100,
                              momentum: float = 0.0, batch_size: int = 32, normalizer: str = "Min-Max",
                              shuffle: bool = True, seed: int | None = None, **ranges: Any) -> Learner:
    """scikit-learn's MLPClassifier after the normalizer: a softmax output, one probability per class."""
    estimator = _network(ctx, hidden_nodes=hidden_nodes, hidden_layers=hidden_layers, learning_rate=learning_rate,
                         max_iter=max_iter, momentum=momentum, batch_size=batch_size, normalizer=normalizer,
                         shuffle=shuffle, seed=seed)
    return build(multiclass_neural_network, estimator, "multiclass", mode=trainer_mode, ranges=ranges,
                 targets=network_targets(hidden_layers))


def _calibrated(pipeline: Any) -> Any:
    """Platt scaling of a classifier that gives scores, not probabilities: the sigmoid is fitted on
    held-out scores of CALIBRATION_FOLDS folds (in order, not shuffled); the model is one
    classifier fitted on every row."""
    return PlattCalibratedClassifier(estimator=pipeline, method="sigmoid", cv=CALIBRATION_FOLDS, ensemble=False)


@module(
    "two_class_support_vector_machine", "1", "Two-Class Support Vector Machine", CATEGORY, task="binary",
    group=GROUP, outputs=[learner_port()],
    params=[
        trainer_mode(),
        *tunable("max_iter", ParamKind.INT, "Number of iterations", default=10, min=1, max=100000,
                 values=[1, 10, 100], help="Passes of stochastic gradient descent over the rows."),
        *tunable("alpha", ParamKind.FLOAT, "Lambda", default=0.001, min=1e-12, max=1e6,
                 values=[1e-5, 1e-4, 1e-3, 1e-2, 1e-1], help="The weight of the L2 regularization."),
        Param("normalize", ParamKind.BOOL, "Normalize features", default=True,
              help="Rescale each feature to the range 0 to 1 first."),
        Param("project", ParamKind.BOOL, "Project to the unit-sphere", default=False,
              help="Scale each row to length 1 (after normalizing)."),
        seed_param(),
    ],
)
def two_class_support_vector_machine(ctx: Any, *, trainer_mode: str = SINGLE, max_iter: int = 10,
                                     alpha: float = 0.001, normalize: bool = True, project: bool = False,
                                     seed: int | None = None, **ranges: Any) -> Learner:
    """A linear support vector machine trained as Azure's is, by stochastic gradient descent on the
    hinge loss with L2 weight lambda (Pegasos; scikit-learn's SGDClassifier), its scores turned into
    probabilities by Platt scaling (CalibratedClassifierCV)."""
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MinMaxScaler, Normalizer

    svm = SGDClassifier(loss="hinge", penalty="l2", alpha=float(alpha), max_iter=int(max_iter), tol=None,
                        learning_rate="optimal", random_state=seed_of(ctx, seed))
    pipeline = Pipeline([("normalize", MinMaxScaler() if normalize else "passthrough"),
                         ("project", Normalizer() if project else "passthrough"), ("svm", svm)])
    return build(two_class_support_vector_machine, _calibrated(pipeline), "binary", mode=trainer_mode,
                 ranges=ranges, targets={"max_iter": ("estimator__svm__max_iter", int),
                                         "alpha": ("estimator__svm__alpha", float)})


@module(
    "two_class_averaged_perceptron", "1", "Two-Class Averaged Perceptron", CATEGORY, task="binary", group=GROUP,
    outputs=[learner_port()],
    params=[
        trainer_mode(),
        *tunable("learning_rate", ParamKind.FLOAT, "Learning rate", default=1.0, min=1e-6, max=1e3,
                 values=[0.1, 0.5, 1.0]),
        *tunable("max_iter", ParamKind.INT, "Maximum number of iterations", default=10, min=1, max=100000,
                 values=[1, 10]),
        seed_param(),
    ],
)
def two_class_averaged_perceptron(ctx: Any, *, trainer_mode: str = SINGLE, learning_rate: float = 1.0,
                                  max_iter: int = 10, seed: int | None = None, **ranges: Any) -> Learner:
    """The averaged perceptron (scikit-learn's SGDClassifier with the perceptron loss, a constant
    learning rate and averaged weights), its scores turned into probabilities by Platt scaling."""
    from sklearn.linear_model import SGDClassifier

    perceptron = SGDClassifier(loss="perceptron", penalty=None, learning_rate="constant", eta0=float(learning_rate),
                               max_iter=int(max_iter), tol=None, average=True, random_state=seed_of(ctx, seed))
    return build(two_class_averaged_perceptron, _calibrated(perceptron), "binary", mode=trainer_mode, ranges=ranges,
                 targets={"learning_rate": ("estimator__eta0", float), "max_iter": ("estimator__max_iter", int)})


def _binary_learner(wrapper: str) -> Any:
    def check(design: Design) -> Iterable[Violation]:
        task = upstream_task(design, "learner")
        if task is not None and task != "binary":
            found = design.upstream.get("learner")
            name = found.spec.label if found is not None else "the learner"
            yield Violation(f"{name} is a {task} learner; {wrapper} needs a two-class learner", port="learner",
                            code="learner_task",
                            hint="connect a two-class learner, such as Two-Class Logistic Regression or Two-Class "
                                 "Boosted Decision Tree")
    return check


def _binary_input(wrapper: str, learner: Any) -> Learner:
    inner = as_learner(learner)
    if inner.task != "binary":
        raise ValueError(f"{wrapper}: {inner.name or 'the learner'} is a {inner.task} learner; {wrapper} needs a "
                         "two-class learner")
    return inner


def _binary_port() -> Port:
    return Port("learner", PortType.UNTRAINED_MODEL, "Untrained binary classification model",
                help="A two-class learner: one copy of it is trained per class (or pair of classes).")


@module("one_vs_all_multiclass", "1", "One-vs-All Multiclass", CATEGORY, task="multiclass", group=GROUP,
        inputs=[_binary_port()], outputs=[learner_port()], check=_binary_learner("One-vs-All Multiclass"))
def one_vs_all_multiclass(ctx: Any, *, learner: Any) -> Learner:
    """One copy of the two-class learner per class, each telling its class from all others
    (scikit-learn's OneVsRestClassifier); a row's class probabilities are the copies' probabilities,
    normalized to sum to 1. The two-class learner's parameter ranges carry over."""
    from sklearn.base import clone
    from sklearn.multiclass import OneVsRestClassifier

    inner = _binary_input("One-vs-All Multiclass", learner)
    return Learner(OneVsRestClassifier(clone(inner.estimator)), "multiclass",
                   {f"estimator__{k}": list(v) for k, v in inner.sweep.items()},
                   f"One-vs-All Multiclass ({inner.name})" if inner.name else "One-vs-All Multiclass")


@module("one_vs_one_multiclass", "1", "One-vs-One Multiclass", CATEGORY, task="multiclass", group=GROUP,
        inputs=[_binary_port()], outputs=[learner_port()], check=_binary_learner("One-vs-One Multiclass"))
def one_vs_one_multiclass(ctx: Any, *, learner: Any) -> Learner:
    """One copy of the two-class learner per pair of classes (scikit-learn's OneVsOneClassifier); the
    probability of a class is the average of its pairs' probabilities, and the scored label the most
    probable class. The two-class learner's parameter ranges carry over."""
    from sklearn.base import clone

    inner = _binary_input("One-vs-One Multiclass", learner)
    return Learner(OneVsOneProbaClassifier(clone(inner.estimator)), "multiclass",
                   {f"estimator__{k}": list(v) for k, v in inner.sweep.items()},
                   f"One-vs-One Multiclass ({inner.name})" if inner.name else "One-vs-One Multiclass")
