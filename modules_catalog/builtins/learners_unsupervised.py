"""Machine Learning Algorithms, Clustering and Anomaly Detection: K-Means, PCA-Based Anomaly
Detection and Isolation Forest. They learn without a label (Train Clustering Model, Train Anomaly
Detection Model), so they have no parameter ranges: Tune Model Hyperparameters tunes classifiers
and regressors."""
from __future__ import annotations

from typing import Any

from ..estimators import PCAAnomalyDetector
from ..learner import Learner
from ..spec import Param, ParamKind, module
from .learners_common import CATEGORY, learner_port, seed_of, seed_param

INITS = {"K-Means++": "k-means++", "Random": "random"}
METRICS = ("Euclidean", "Cosine")


@module(
    "k_means_clustering", "1", "K-Means Clustering", CATEGORY, task="clustering", group="Clustering",
    outputs=[learner_port()],
    params=[
        Param("n_clusters", ParamKind.INT, "Number of centroids", default=2, min=2, max=10000),
        Param("init", ParamKind.CHOICE, "Initialization", default="K-Means++", choices=tuple(INITS),
              help="K-Means++: centroids spread over the data. Random: rows drawn at random."),
        Param("n_init", ParamKind.INT, "Number of initializations", default=1, min=1, max=100,
              help="Runs from different starting centroids; the one with the tightest clusters is kept."),
        Param("metric", ParamKind.CHOICE, "Metric", default="Euclidean", choices=METRICS,
              help="Cosine: rows are scaled to length 1 first, so clusters follow the rows' directions."),
        Param("max_iter", ParamKind.INT, "Iterations", default=100, min=1, max=100000),
        seed_param(),
    ],
)
def k_means_clustering(ctx: Any, *, n_clusters: int = 2, init: str = "K-Means++", n_init: int = 1,
                       metric: str = "Euclidean", max_iter: int = 100, seed: int | None = None) -> Learner:
    """scikit-learn's KMeans (Lloyd's algorithm): each row belongs to its nearest centroid."""
    from sklearn.cluster import KMeans
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import Normalizer

    if init not in INITS:
        raise ValueError(f"param 'init' must be one of {', '.join(INITS)}; got {init!r}")
    if metric not in METRICS:
        raise ValueError(f"param 'metric' must be one of {', '.join(METRICS)}; got {metric!r}")
    kmeans = KMeans(n_clusters=int(n_clusters), init=INITS[init], n_init=int(n_init), max_iter=int(max_iter),
                    random_state=seed_of(ctx, seed))
    estimator = kmeans if metric == "Euclidean" else Pipeline([("normalize", Normalizer()), ("kmeans", kmeans)])
    return Learner(estimator, "clustering", {}, k_means_clustering.spec.label)  # type: ignore[attr-defined]


@module(
    "pca_based_anomaly_detection", "1", "PCA-Based Anomaly Detection", CATEGORY, task="anomaly",
    group="Anomaly Detection", outputs=[learner_port()],
    params=[
        Param("n_components", ParamKind.INT, "Number of components to use in PCA", default=2, min=1, max=10000,
              help="Must be fewer than the feature columns: what the components miss is the anomaly score."),
        Param("normalize", ParamKind.BOOL, "Enable input feature mean normalization", default=False,
              help="Scale every feature to mean 0 and variance 1 before the PCA."),
        Param("contamination", ParamKind.FLOAT, "Fraction of training rows flagged", default=0.05, min=0.0,
              max=0.5, help="The anomaly threshold: the reconstruction error of all but this share of the "
                            "training rows."),
        seed_param(),
    ],
)
def pca_based_anomaly_detection(ctx: Any, *, n_components: int = 2, normalize: bool = False,
                                contamination: float = 0.05, seed: int | None = None) -> Learner:
    """Fits a PCA to the training rows; a row's anomaly score is its squared reconstruction error
    from the first components, and a row above the threshold is an anomaly."""
    estimator = PCAAnomalyDetector(n_components=int(n_components), normalize=bool(normalize),
                                   contamination=float(contamination), random_state=seed_of(ctx, seed))
    return Learner(estimator, "anomaly", {}, pca_based_anomaly_detection.spec.label)  # type: ignore[attr-defined]


@module(
    "isolation_forest", "1", "Isolation Forest", CATEGORY, task="anomaly", group="Anomaly Detection",
    outputs=[learner_port()],
    params=[
        Param("n_estimators", ParamKind.INT, "Number of trees", default=100, min=1, max=5000),
        Param("max_samples", ParamKind.INT, "Rows per tree", default=256, min=2, max=10_000_000,
              help="Each tree isolates a sample of this many rows (all rows when there are fewer)."),
        Param("contamination", ParamKind.FLOAT, "Fraction of training rows flagged", default=None, required=False,
              min=0.0001, max=0.5, help="Empty: the threshold of the original paper (a score of 0.5)."),
        Param("max_features", ParamKind.FLOAT, "Feature fraction", default=1.0, min=0.01, max=1.0,
              help="The share of the features each tree uses."),
        seed_param(),
    ],
)
def isolation_forest(ctx: Any, *, n_estimators: int = 100, max_samples: int = 256,
                     contamination: float | None = None, max_features: float = 1.0,
                     seed: int | None = None) -> Learner:
    """scikit-learn's IsolationForest: a row that random splits isolate quickly is an anomaly."""
    from sklearn.ensemble import IsolationForest

    estimator = IsolationForest(n_estimators=int(n_estimators), max_samples=int(max_samples),
                                contamination="auto" if contamination is None else float(contamination),
                                max_features=float(max_features), random_state=seed_of(ctx, seed))
    return Learner(estimator, "anomaly", {}, isolation_forest.spec.label)  # type: ignore[attr-defined]
