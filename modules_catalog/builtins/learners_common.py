"""What every learner module (Machine Learning Algorithms) declares and returns: an untrained
Learner (an unfitted scikit-learn estimator, its task, and in Azure's "Parameter Range" mode the
values Tune Model Hyperparameters sweeps), Azure's trainer modes, a seed, a setting in both modes."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from ..learner import Learner
from ..spec import Param, ParamKind, Port, PortType
from ..sweep import range_values

CATEGORY = "Machine Learning Algorithms"
SINGLE, RANGE_MODE = "Single Parameter", "Parameter Range"
TRAINER_MODES = (SINGLE, RANGE_MODE)
MAX_SEED = 2**32 - 1  # numpy's random_state


def learner_port() -> Port:
    return Port("learner", PortType.UNTRAINED_MODEL, "Untrained model")


def trainer_mode() -> Param:
    return Param("trainer_mode", ParamKind.CHOICE, "Create trainer mode", default=SINGLE, choices=TRAINER_MODES,
                 help="Single Parameter: train with the single values (Train Model). Parameter Range: for Tune "
                      "Model Hyperparameters, which tries the combinations of the ranges and keeps the best.")


def tunable(name: str, kind: ParamKind, label: str, *, default: Any, values: list[Any],
            min: float | None = None, max: float | None = None, choices: tuple[str, ...] = (),
            help: str = "") -> tuple[Param, Param]:
    """A setting in both of Azure's trainer modes: its single value, and `<name>_range`, the values
    a sweep tries (by default `values`)."""
    single = Param(name, kind, label, default=default, min=min, max=max, choices=choices, help=help)
    ranged = Param(f"{name}_range", ParamKind.RANGE, f"Range for {label[0].lower()}{label[1:]}",
                   default={"values": list(values)}, min=min, max=max, choices=choices, item=kind,
                   help=f"Parameter Range mode: the values of {label[0].lower()}{label[1:]} Tune Model "
                        "Hyperparameters tries; a list, or min, max, count and a linear or log scale.")
    return single, ranged


def seed_param() -> Param:
    return Param("seed", ParamKind.INT, "Random number seed", default=None, required=False, min=0, max=MAX_SEED,
                 help="Empty: the run's seed. The same seed gives the same model on the same data.")


def seed_of(ctx: Any, seed: int | None) -> int:
    return int(seed) if seed is not None else int(ctx.seed) % (MAX_SEED + 1)


# a module param that maps onto an estimator param: (its path in the estimator, how to turn a
# module value into the estimator's value)
Target = tuple[str, Callable[[Any], Any]]


def same(value: Any) -> Any:
    return value


def build(fn: Callable[..., Any], estimator: Any, task: str, *, mode: str, ranges: Mapping[str, Any],
          targets: Mapping[str, Target]) -> Learner:
    """The Learner of learner module `fn`: in Parameter Range mode, its sweep holds the values of
    each `<param>_range` (the declared default when not given) under the estimator param's path."""
    spec = fn.spec  # type: ignore[attr-defined]
    unknown = set(ranges) - {f"{name}_range" for name in targets}
    if unknown:
        raise TypeError(f"{spec.label} has no parameter {sorted(unknown)[0]!r}")
    if mode not in TRAINER_MODES:
        raise ValueError(f"{spec.label}: param 'trainer_mode' must be one of {', '.join(TRAINER_MODES)}; got {mode!r}")
    sweep: dict[str, list[Any]] = {}
    if mode == RANGE_MODE:
        for name, (path, convert) in targets.items():
            decl = spec.param(f"{name}_range")
            value = ranges.get(decl.name)
            sweep[path] = [convert(v) for v in range_values(decl, decl.default if value is None else value)]
    return Learner(estimator, task, sweep, spec.label)


# ---- the settings of the learner families that come in several tasks (forests, boosted trees,
# neural networks), as Azure names them, with its defaults and default ranges

def forest_params() -> list[Param]:
    return [
        trainer_mode(),
        Param("resampling", ParamKind.CHOICE, "Resampling method", default="Bagging", choices=("Bagging", "Replicate"),
              help="Bagging: each tree sees a bootstrap sample of the rows. Replicate: every tree sees every row."),
        *tunable("n_estimators", ParamKind.INT, "Number of decision trees", default=8, min=1, max=5000,
                 values=[1, 8, 32]),
        *tunable("max_depth", ParamKind.INT, "Maximum depth of the decision trees", default=32, min=1, max=1000,
                 values=[1, 16, 64]),
        *tunable("min_samples_leaf", ParamKind.INT, "Minimum number of samples per leaf node", default=1, min=1,
                 max=100000, values=[1, 4, 16]),
        seed_param(),
    ]


FOREST_TARGETS: dict[str, Target] = {"n_estimators": ("n_estimators", int), "max_depth": ("max_depth", int),
                                     "min_samples_leaf": ("min_samples_leaf", int)}


def forest(cls: Any, ctx: Any, *, resampling: str, n_estimators: int, max_depth: int, min_samples_leaf: int,
           seed: int | None) -> Any:
    """A scikit-learn random forest (`cls`: RandomForestClassifier or RandomForestRegressor)."""
    if resampling not in ("Bagging", "Replicate"):
        raise ValueError(f"param 'resampling' must be Bagging or Replicate; got {resampling!r}")
    return cls(n_estimators=int(n_estimators), max_depth=int(max_depth), min_samples_leaf=int(min_samples_leaf),
               bootstrap=resampling == "Bagging", random_state=seed_of(ctx, seed))


def boosted_params(learning_rate: float = 0.2) -> list[Param]:
    return [
        trainer_mode(),
        *tunable("max_leaf_nodes", ParamKind.INT, "Maximum number of leaves per tree", default=20, min=2,
                 max=100000, values=[2, 8, 32, 128]),
        *tunable("min_samples_leaf", ParamKind.INT, "Minimum number of samples per leaf node", default=10, min=1,
                 max=100000, values=[1, 10, 50]),
        *tunable("learning_rate", ParamKind.FLOAT, "Learning rate", default=learning_rate, min=1e-6, max=1.0,
                 values=[0.025, 0.05, 0.1, 0.2, 0.4]),
        *tunable("max_iter", ParamKind.INT, "Number of trees constructed", default=100, min=1, max=10000,
                 values=[20, 100, 500]),
        seed_param(),
    ]


BOOSTED_TARGETS: dict[str, Target] = {
    "max_leaf_nodes": ("max_leaf_nodes", int), "min_samples_leaf": ("min_samples_leaf", int),
    "learning_rate": ("learning_rate", float), "max_iter": ("max_iter", int)}


def boosted(cls: Any, ctx: Any, *, max_leaf_nodes: int, min_samples_leaf: int, learning_rate: float, max_iter: int,
            seed: int | None) -> Any:
    """scikit-learn's histogram gradient boosting (`cls`: HistGradientBoostingClassifier or
    ...Regressor) growing exactly `max_iter` trees: no early stopping."""
    return cls(max_leaf_nodes=int(max_leaf_nodes), min_samples_leaf=int(min_samples_leaf),
               learning_rate=float(learning_rate), max_iter=int(max_iter), early_stopping=False,
               random_state=seed_of(ctx, seed))


NORMALIZERS = ("Min-Max", "Gaussian", "None")


def network_params(learning_rate: float) -> list[Param]:
    return [
        trainer_mode(),
        *tunable("hidden_nodes", ParamKind.INT, "Number of hidden nodes", default=100, min=1, max=10000,
                 values=[100], help="Nodes of each hidden layer (fully connected)."),
        Param("hidden_layers", ParamKind.INT, "Number of hidden layers", default=1, min=1, max=10),
        *tunable("learning_rate", ParamKind.FLOAT, "Learning rate", default=learning_rate, min=1e-6, max=10.0,
                 values=[0.01, 0.02, 0.04] if learning_rate < 0.05 else [0.1, 0.2, 0.4],
                 help="The step size of stochastic gradient descent."),
        *tunable("max_iter", ParamKind.INT, "Number of learning iterations", default=100, min=1, max=100000,
                 values=[20, 40, 80, 160], help="Passes over the training rows, at most."),
        Param("momentum", ParamKind.FLOAT, "Momentum", default=0.0, min=0.0, max=1.0),
        Param("batch_size", ParamKind.INT, "Rows per update", default=32, min=1, max=100000,
              help="Rows per gradient step; 1 updates after every row (slow on large data)."),
        Param("normalizer", ParamKind.CHOICE, "Type of normalizer", default="Min-Max", choices=NORMALIZERS,
              help="How the features are scaled before they enter the network."),
        Param("shuffle", ParamKind.BOOL, "Shuffle examples", default=True, help="Shuffle the rows between passes."),
        seed_param(),
    ]


def network_targets(hidden_layers: int, prefix: str = "network__") -> dict[str, Target]:
    layers = int(hidden_layers)
    return {"hidden_nodes": (f"{prefix}hidden_layer_sizes", lambda n: (int(n),) * layers),
            "learning_rate": (f"{prefix}learning_rate_init", float), "max_iter": (f"{prefix}max_iter", int)}


def network(cls: Any, ctx: Any, *, hidden_nodes: int, hidden_layers: int, learning_rate: float, max_iter: int,
            momentum: float, batch_size: int, normalizer: str, shuffle: bool, seed: int | None) -> Any:
    """A Pipeline: the normalizer, then scikit-learn's multi-layer perceptron (`cls`: MLPClassifier
    or MLPRegressor) trained by stochastic gradient descent with momentum, as Azure's networks are."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    scalers = {"Min-Max": MinMaxScaler, "Gaussian": StandardScaler}
    if normalizer not in NORMALIZERS:
        raise ValueError(f"param 'normalizer' must be one of {', '.join(NORMALIZERS)}; got {normalizer!r}")
    net = cls(hidden_layer_sizes=(int(hidden_nodes),) * int(hidden_layers), solver="sgd",
              learning_rate_init=float(learning_rate), momentum=float(momentum), nesterovs_momentum=False,
              batch_size=int(batch_size), max_iter=int(max_iter), shuffle=bool(shuffle),
              random_state=seed_of(ctx, seed))
    return Pipeline([("normalize", scalers[normalizer]() if normalizer in scalers else "passthrough"),
                     ("network", net)])
