"""Machine Learning Algorithms: the linear learners (logistic and linear regression)."""
from __future__ import annotations

from typing import Any

from ..learner import Learner
from ..spec import Param, ParamKind, module
from .learners_common import CATEGORY, RANGE_MODE, SINGLE, build, learner_port, trainer_mode, tunable


@module(
    "logistic_regression", "1", "Two-Class Logistic Regression", CATEGORY, task="binary", group="Classification",
    outputs=[learner_port()],
    params=[
        trainer_mode(),
        *tunable("C", ParamKind.FLOAT, "Inverse regularization strength", default=1.0, min=1e-6,
                 values=[0.01, 0.1, 1.0, 10.0, 100.0], help="Smaller values regularize more."),
        Param("max_iter", ParamKind.INT, "Maximum iterations", default=1000, min=1, max=100000),
        Param("penalty", ParamKind.CHOICE, "Penalty", default="l2", choices=("l2", "none")),
    ],
)
def logistic_regression(ctx: Any, *, trainer_mode: str = SINGLE, C: float = 1.0, max_iter: int = 1000,
                        penalty: str = "l2", **ranges: Any) -> Learner:
    """scikit-learn's LogisticRegression (lbfgs) for a label of two classes."""
    return build(logistic_regression, _logistic(C, max_iter, penalty), "binary", mode=trainer_mode,
                 ranges=ranges, targets={"C": ("C", float)})


def _logistic(C: float, max_iter: int, penalty: str, tol: float = 1e-4) -> Any:
    from sklearn.linear_model import LogisticRegression

    if C <= 0:
        raise ValueError(f"param 'C' must be positive; got {C}")
    if penalty not in ("l2", "none"):
        raise ValueError(f"param 'penalty' must be l2 or none; got {penalty!r}")
    return LogisticRegression(C=float(C), max_iter=int(max_iter), tol=float(tol),
                              penalty=None if penalty == "none" else "l2")


@module(
    "multiclass_logistic_regression", "1", "Multiclass Logistic Regression", CATEGORY, task="multiclass",
    group="Classification",
    outputs=[learner_port()],
    params=[
        trainer_mode(),
        *tunable("C", ParamKind.FLOAT, "Inverse regularization strength", default=1.0, min=1e-6,
                 values=[0.01, 0.1, 1.0, 10.0, 100.0], help="Smaller values regularize more."),
        *tunable("tol", ParamKind.FLOAT, "Optimization tolerance", default=1e-4, min=1e-12, max=1.0,
                 values=[1e-4, 1e-6], help="Training stops when an iteration improves the loss less than this."),
        Param("max_iter", ParamKind.INT, "Maximum iterations", default=1000, min=1, max=100000),
        Param("penalty", ParamKind.CHOICE, "Penalty", default="l2", choices=("l2", "none")),
    ],
)
def multiclass_logistic_regression(ctx: Any, *, trainer_mode: str = SINGLE, C: float = 1.0, tol: float = 1e-4,
                                   max_iter: int = 1000, penalty: str = "l2", **ranges: Any) -> Learner:
    """scikit-learn's multinomial LogisticRegression (lbfgs): one probability per class, summing to 1."""
    return build(multiclass_logistic_regression, _logistic(C, max_iter, penalty, tol), "multiclass",
                 mode=trainer_mode, ranges=ranges, targets={"C": ("C", float), "tol": ("tol", float)})


@module(
    "linear_regression", "1", "Linear Regression", CATEGORY, task="regression", group="Regression",
    outputs=[learner_port()],
    params=[
        trainer_mode(),
        Param("fit_intercept", ParamKind.BOOL, "Fit intercept", default=True),
        *tunable("l2_regularization", ParamKind.FLOAT, "L2 regularization", default=0.0, min=0,
                 values=[0.0, 0.01, 0.1, 1.0, 10.0],
                 help="0 fits ordinary least squares; above 0, ridge regression with this alpha."),
    ],
)
def linear_regression(ctx: Any, *, trainer_mode: str = SINGLE, fit_intercept: bool = True,
                      l2_regularization: float = 0.0, **ranges: Any) -> Learner:
    """scikit-learn's LinearRegression, or Ridge when L2 regularization is above 0 (and always in
    Parameter Range mode, where the sweep tries each alpha; Ridge with alpha 0 is least squares)."""
    from sklearn.linear_model import LinearRegression, Ridge

    if l2_regularization < 0:
        raise ValueError(f"param 'l2_regularization' must be 0 or more; got {l2_regularization}")
    if l2_regularization > 0 or trainer_mode == RANGE_MODE:
        estimator: Any = Ridge(alpha=float(l2_regularization), fit_intercept=bool(fit_intercept))
    else:
        estimator = LinearRegression(fit_intercept=bool(fit_intercept))
    return build(linear_regression, estimator, "regression", mode=trainer_mode, ranges=ranges,
                 targets={"l2_regularization": ("alpha", float)})
