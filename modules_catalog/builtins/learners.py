"""Machine Learning Algorithms: modules that hand out an unfitted scikit-learn estimator to Train Model."""
from __future__ import annotations

from typing import Any

from ..spec import Param, ParamKind, Port, PortType, module

CATEGORY = "Machine Learning Algorithms"


def _learner_port() -> Port:
    return Port("learner", PortType.UNTRAINED_MODEL, "Untrained model")


@module(
    "logistic_regression", "1", "Two-Class Logistic Regression", CATEGORY,
    outputs=[_learner_port()],
    params=[
        Param("C", ParamKind.FLOAT, "Inverse regularization strength", default=1.0, min=1e-6,
              help="Smaller values regularize more."),
        Param("max_iter", ParamKind.INT, "Maximum iterations", default=1000, min=1, max=100000),
        Param("penalty", ParamKind.CHOICE, "Penalty", default="l2", choices=("l2", "none")),
    ],
)
def logistic_regression(ctx: Any, *, C: float = 1.0, max_iter: int = 1000, penalty: str = "l2") -> Any:
    """scikit-learn's LogisticRegression (lbfgs); it also handles more than two classes."""
    from sklearn.linear_model import LogisticRegression

    if C <= 0:
        raise ValueError(f"param 'C' must be positive; got {C}")
    if penalty not in ("l2", "none"):
        raise ValueError(f"param 'penalty' must be l2 or none; got {penalty!r}")
    return LogisticRegression(C=float(C), max_iter=int(max_iter), penalty=None if penalty == "none" else "l2")


@module(
    "linear_regression", "1", "Linear Regression", CATEGORY,
    outputs=[_learner_port()],
    params=[
        Param("fit_intercept", ParamKind.BOOL, "Fit intercept", default=True),
        Param("l2_regularization", ParamKind.FLOAT, "L2 regularization", default=0.0, min=0,
              help="0 fits ordinary least squares; above 0, ridge regression with this alpha."),
    ],
)
def linear_regression(ctx: Any, *, fit_intercept: bool = True, l2_regularization: float = 0.0) -> Any:
    """scikit-learn's LinearRegression, or Ridge when L2 regularization is above 0."""
    from sklearn.linear_model import LinearRegression, Ridge

    if l2_regularization < 0:
        raise ValueError(f"param 'l2_regularization' must be 0 or more; got {l2_regularization}")
    if l2_regularization > 0:
        return Ridge(alpha=float(l2_regularization), fit_intercept=bool(fit_intercept))
    return LinearRegression(fit_intercept=bool(fit_intercept))
