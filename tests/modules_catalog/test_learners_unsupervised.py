"""Clustering and anomaly detection learners on scikit-learn's iris and breast_cancer data, against
scikit-learn's KMeans and IsolationForest and a PCA reconstruction error computed directly."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.preprocessing import StandardScaler, normalize

from modules_catalog.context import SimpleContext
from modules_catalog.estimators import PCAAnomalyDetector


def learner(catalog, key, seed=0, **params):
    made = catalog.get(key).fn(SimpleContext(seed=seed), **params)
    assert made.task == catalog.get(key).task and made.sweep == {}
    return made


def test_k_means_is_scikit_learn_s_k_means_with_the_given_centroids_init_and_seed(catalog):
    X = load_iris(as_frame=True).data
    ours = clone(learner(catalog, "k_means_clustering", n_clusters=3, n_init=4, seed=3).estimator).fit(X)
    theirs = KMeans(n_clusters=3, n_init=4, max_iter=100, random_state=3).fit(X)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_allclose(ours.cluster_centers_, theirs.cluster_centers_)
    ours = clone(learner(catalog, "k_means_clustering", n_clusters=4, init="Random", seed=1).estimator).fit(X)
    theirs = KMeans(n_clusters=4, init="random", n_init=1, max_iter=100, random_state=1).fit(X)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


def test_k_means_with_the_cosine_metric_clusters_rows_scaled_to_length_one(catalog):
    X = load_iris(as_frame=True).data
    ours = clone(learner(catalog, "k_means_clustering", n_clusters=3, metric="Cosine").estimator).fit(X)
    theirs = KMeans(n_clusters=3, n_init=1, max_iter=100, random_state=0).fit(normalize(X.to_numpy()))
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(normalize(X.to_numpy())))
    np.testing.assert_allclose(ours.transform(X), theirs.transform(normalize(X.to_numpy())))
    assert learner(catalog, "k_means_clustering").estimator.__class__ is KMeans


def reconstruction_error(pca: PCA, X: np.ndarray) -> np.ndarray:
    return ((X - pca.inverse_transform(pca.transform(X))) ** 2).sum(axis=1)


@pytest.fixture(scope="module")
def cancer():
    data = load_breast_cancer(as_frame=True)
    return data.data, data.target  # target 1: benign


def test_pca_based_anomaly_detection_scores_the_reconstruction_error_of_a_pca(catalog, cancer):
    X, y = cancer
    benign = X[y == 1]
    est = clone(learner(catalog, "pca_based_anomaly_detection", n_components=3, normalize=True,
                        contamination=0.1).estimator).fit(benign)
    scaler = StandardScaler().fit(benign)
    pca = PCA(n_components=3, random_state=0).fit(scaler.transform(benign))
    errors = reconstruction_error(pca, scaler.transform(X))
    np.testing.assert_allclose(-est.score_samples(X), errors, rtol=1e-8)
    threshold = np.quantile(reconstruction_error(pca, scaler.transform(benign)), 0.9)
    np.testing.assert_array_equal(est.predict(X), np.where(errors > threshold, -1, 1))
    assert (est.predict(benign) == -1).mean() == pytest.approx(0.1, abs=0.01)
    # malignant rows, never seen in training, look far more anomalous than benign ones
    assert (est.predict(X[y == 0]) == -1).mean() > 3 * (est.predict(benign) == -1).mean()


def test_pca_based_anomaly_detection_without_normalization_centres_only(catalog, cancer):
    X, _ = cancer
    est = clone(learner(catalog, "pca_based_anomaly_detection", n_components=2).estimator).fit(X)
    pca = PCA(n_components=2).fit(X.to_numpy())
    np.testing.assert_allclose(-est.score_samples(X), reconstruction_error(pca, X.to_numpy()), rtol=1e-6)


def test_pca_based_anomaly_detection_needs_fewer_components_than_features(cancer):
    X, _ = cancer
    with pytest.raises(ValueError, match="PCA-Based Anomaly Detection: 30 components of 30 features"):
        PCAAnomalyDetector(n_components=30).fit(X)
    with pytest.raises(ValueError, match="5 components need at least as many training rows; got 3"):
        PCAAnomalyDetector(n_components=5).fit(X.iloc[:3])


def test_isolation_forest_is_scikit_learn_s_with_the_given_trees_sample_and_seed(catalog, cancer):
    X, _ = cancer
    ours = clone(learner(catalog, "isolation_forest", n_estimators=50, max_samples=128, contamination=0.05,
                         seed=4).estimator).fit(X)
    theirs = IsolationForest(n_estimators=50, max_samples=128, contamination=0.05, random_state=4).fit(X)
    np.testing.assert_allclose(ours.score_samples(X), theirs.score_samples(X))
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    assert learner(catalog, "isolation_forest").estimator.contamination == "auto"


def test_anomaly_detectors_follow_scikit_learn_s_outlier_conventions(catalog, cancer):
    X, _ = cancer
    for key in ("pca_based_anomaly_detection", "isolation_forest"):
        est = clone(learner(catalog, key).estimator).fit(X)
        assert est._estimator_type == "outlier_detector"
        assert set(np.unique(est.predict(X))) == {-1, 1}
        np.testing.assert_array_equal(est.predict(X) == -1, est.decision_function(X) < 0)
