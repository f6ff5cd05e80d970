"""Classification learners on scikit-learn's breast_cancer, iris, wine and digits data, against the
same estimators fitted directly with the same params and seed; One-vs-All and One-vs-One refuse a
learner that is not two-class, at design time (naming it) and at run time."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from engine.compiler import validate_document
from engine.documents import document, edge, node
from modules_catalog.context import SimpleContext


def split(loader, rows=None):
    X, y = loader(return_X_y=True, as_frame=True)
    if rows is not None:
        X, y = X.iloc[:rows], y.iloc[:rows]
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


@pytest.fixture(scope="module")
def cancer():
    return split(load_breast_cancer)


@pytest.fixture(scope="module")
def wine():
    return split(load_wine)


def fitted(catalog, key, X, y, seed=0, task=None, **params):
    learner = catalog.get(key).fn(SimpleContext(seed=seed), **params)
    assert learner.task == (task or catalog.get(key).task)
    return clone(learner.estimator).fit(X, y)


def same_probabilities(ours, theirs, X):
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X))
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


def test_decision_forests_are_random_forests(catalog, cancer, wine):
    X, Xt, y, _ = cancer
    ours = fitted(catalog, "two_class_decision_forest", X, y, n_estimators=10, max_depth=5, min_samples_leaf=2, seed=3)
    same_probabilities(ours, RandomForestClassifier(n_estimators=10, max_depth=5, min_samples_leaf=2,
                                                    random_state=3).fit(X, y), Xt)
    X, Xt, y, _ = wine
    ours = fitted(catalog, "multiclass_decision_forest", X, y, resampling="Replicate", n_estimators=6, seed=1)
    same_probabilities(ours, RandomForestClassifier(n_estimators=6, max_depth=32, bootstrap=False,
                                                    random_state=1).fit(X, y), Xt)
    assert ours.predict_proba(Xt).shape == (len(Xt), 3)


def test_boosted_decision_trees_are_histogram_gradient_boosting_without_early_stopping(catalog, cancer, wine):
    X, Xt, y, _ = cancer
    ours = fitted(catalog, "two_class_boosted_decision_tree", X, y, max_iter=12, seed=2)
    same_probabilities(ours, HistGradientBoostingClassifier(max_leaf_nodes=20, min_samples_leaf=10, learning_rate=0.2,
                                                            max_iter=12, early_stopping=False,
                                                            random_state=2).fit(X, y), Xt)
    X, Xt, y, yt = wine
    ours = fitted(catalog, "multiclass_boosted_decision_tree", X, y, max_iter=12, max_leaf_nodes=4)
    same_probabilities(ours, HistGradientBoostingClassifier(max_leaf_nodes=4, min_samples_leaf=10, learning_rate=0.1,
                                                            max_iter=12, early_stopping=False,
                                                            random_state=0).fit(X, y), Xt)
    assert (ours.predict(Xt) == yt).mean() > 0.85


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_neural_networks_are_sgd_networks_on_normalized_features(catalog, cancer):
    X, Xt, y, yt = cancer
    ours = fitted(catalog, "two_class_neural_network", X, y, hidden_nodes=30, max_iter=40, seed=4)
    net = MLPClassifier(hidden_layer_sizes=(30,), solver="sgd", learning_rate_init=0.1, momentum=0.0,
                        nesterovs_momentum=False, batch_size=32, max_iter=40, shuffle=True, random_state=4)
    same_probabilities(ours, Pipeline([("normalize", MinMaxScaler()), ("network", net)]).fit(X, y), Xt)
    assert (ours.predict(Xt) == yt).mean() > 0.9
    X, Xt, y, yt = split(load_digits, rows=600)
    ours = fitted(catalog, "multiclass_neural_network", X, y, hidden_nodes=40, hidden_layers=2, max_iter=30,
                  normalizer="None", learning_rate=0.01, momentum=0.9)
    net = MLPClassifier(hidden_layer_sizes=(40, 40), solver="sgd", learning_rate_init=0.01, momentum=0.9,
                        nesterovs_momentum=False, batch_size=32, max_iter=30, random_state=0)
    same_probabilities(ours, Pipeline([("normalize", "passthrough"), ("network", net)]).fit(X, y), Xt)
    assert ours.predict_proba(Xt).shape == (len(Xt), 10) and (ours.predict(Xt) == yt).mean() > 0.8


def test_the_support_vector_machine_is_pegasos_hinge_sgd_with_platt_probabilities(catalog, cancer):
    X, Xt, y, yt = cancer
    ours = fitted(catalog, "two_class_support_vector_machine", X, y, max_iter=20, alpha=0.01, seed=6)
    svm = SGDClassifier(loss="hinge", alpha=0.01, max_iter=20, tol=None, random_state=6)
    theirs = CalibratedClassifierCV(Pipeline([("normalize", MinMaxScaler()), ("project", "passthrough"),
                                              ("svm", svm)]), method="sigmoid", cv=5, ensemble=False).fit(X, y)
    same_probabilities(ours, theirs, Xt)
    assert (ours.predict(Xt) == yt).mean() > 0.9
    proba = ours.predict_proba(Xt)
    assert ((proba > 0) & (proba < 1)).all()  # probabilities, not 0/1 votes


def test_platt_scaling_names_a_class_too_small_for_its_folds(catalog, cancer):
    X, _, y, _ = cancer
    y = y.copy()
    y.iloc[:3] = 7  # a third class of three rows
    for key in ("two_class_support_vector_machine", "two_class_averaged_perceptron"):
        with pytest.raises(ValueError, match="label column 'target' has 3 rows of class 7; .* needs at least 5 rows "
                                             "of each class"):
            fitted(catalog, key, X, y)


def test_the_averaged_perceptron_averages_perceptron_weights_with_platt_probabilities(catalog, cancer):
    X, Xt, y, _ = cancer
    X, Xt = X / X.max(), Xt / X.max()
    ours = fitted(catalog, "two_class_averaged_perceptron", X, y, learning_rate=0.5, max_iter=5, seed=8)
    perceptron = SGDClassifier(loss="perceptron", penalty=None, learning_rate="constant", eta0=0.5, max_iter=5,
                               tol=None, average=True, random_state=8)
    same_probabilities(ours, CalibratedClassifierCV(perceptron, method="sigmoid", cv=5, ensemble=False).fit(X, y), Xt)


def test_one_vs_all_trains_one_binary_copy_per_class(catalog, wine):
    X, Xt, y, _ = wine
    X, Xt = X / X.max(), Xt / X.max()
    binary = catalog.get("logistic_regression").fn(SimpleContext(), C=3.0)
    learner = catalog.get("one_vs_all_multiclass").fn(SimpleContext(), learner=binary)
    assert learner.task == "multiclass" and "Two-Class Logistic Regression" in learner.name
    ours = clone(learner.estimator).fit(X, y)
    same_probabilities(ours, OneVsRestClassifier(LogisticRegression(C=3.0, max_iter=1000)).fit(X, y), Xt)
    assert len(ours.estimators_) == 3


def test_one_vs_one_averages_its_pairs_probabilities(catalog):
    X, Xt, y, yt = split(load_iris)
    binary = catalog.get("two_class_decision_forest").fn(SimpleContext(seed=2), n_estimators=5)
    learner = catalog.get("one_vs_one_multiclass").fn(SimpleContext(), learner=binary)
    ours = clone(learner.estimator).fit(X, y)
    theirs = OneVsOneClassifier(RandomForestClassifier(n_estimators=5, max_depth=32, random_state=2)).fit(X, y)
    pairs = [(0, 1), (0, 2), (1, 2)]
    expected = np.zeros((len(Xt), 3))
    for (i, j), est in zip(pairs, theirs.estimators_):
        p_j = est.predict_proba(Xt.to_numpy())[:, 1]  # the pairs were fitted on arrays
        expected[:, i] += 1 - p_j
        expected[:, j] += p_j
    np.testing.assert_allclose(ours.predict_proba(Xt), expected / 3)
    np.testing.assert_allclose(ours.predict_proba(Xt).sum(axis=1), 1.0)
    np.testing.assert_array_equal(ours.predict(Xt), expected.argmax(axis=1))
    assert (ours.predict(Xt) == yt).mean() > 0.85


def test_one_vs_all_and_one_vs_one_carry_the_binary_learner_s_ranges(catalog):
    svm = catalog.get("two_class_support_vector_machine").fn(SimpleContext(), trainer_mode="Parameter Range",
                                                             alpha_range=[0.1, 0.01])
    for key in ("one_vs_all_multiclass", "one_vs_one_multiclass"):
        learner = catalog.get(key).fn(SimpleContext(), learner=svm)
        assert learner.sweep["estimator__estimator__svm__alpha"] == [0.1, 0.01]
        clone(learner.estimator).set_params(**{k: v[0] for k, v in learner.sweep.items()})


def test_one_vs_all_refuses_a_learner_that_is_not_two_class_when_it_runs(catalog):
    forest = catalog.get("multiclass_decision_forest").fn(SimpleContext())
    for key, label in (("one_vs_all_multiclass", "One-vs-All Multiclass"),
                       ("one_vs_one_multiclass", "One-vs-One Multiclass")):
        with pytest.raises(ValueError, match=f"{label}: Multiclass Decision Forest is a multiclass learner"):
            catalog.get(key).fn(SimpleContext(), learner=forest)


@pytest.mark.parametrize("upstream,errors", [
    ("two_class_boosted_decision_tree", []),
    ("multiclass_decision_forest", [("learner_task", "ova", "learner", "Multiclass Decision Forest is a multiclass")]),
    ("linear_regression", [("learner_task", "ova", "learner", "Linear Regression is a regression")]),
])
def test_one_vs_all_fed_a_learner_that_is_not_two_class_is_an_error_before_the_run(upstream, errors):
    doc = document([node("base", upstream), node("ova", "one_vs_all_multiclass")],
                   [edge("base", "learner", "ova", "learner")])
    found = validate_document(doc)
    assert [(e["code"], e["node"], e["port"], e["message"].split(" learner")[0]) for e in found] == errors
    assert all(e["hint"] and "two-class" in e["hint"] for e in found)


def test_classifiers_are_deterministic_under_their_seed(catalog, cancer):
    X, Xt, y, _ = cancer
    for key in ("two_class_decision_forest", "two_class_support_vector_machine", "two_class_averaged_perceptron"):
        a = fitted(catalog, key, X, y, seed=9).predict_proba(Xt)
        np.testing.assert_array_equal(a, fitted(catalog, key, X, y, seed=9).predict_proba(Xt))
