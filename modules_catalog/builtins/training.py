"""Model Training and Model Scoring & Evaluation: fit a learner, score new rows, measure the scores."""
from __future__ import annotations

import math
import warnings
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..schema import dtype_kind
from ..spec import Column, Param, ParamKind, Port, PortType, Schema, module
from ..trained import SCORED_LABEL, SCORED_PROBABILITY, TrainedModel, is_numeric_series, require_columns
from .curves import classifier_curves, regression_residuals
from .stepwise import fit_with_progress, score_with_progress
from .transforms import single_column

SCORING = "Model Scoring & Evaluation"
# the training score of a step that frees its input before fitting is taken on this many rows at most
SCORE_SAMPLE_ROWS = 100_000


@module(
    "train_model", "1", "Train Model", "Model Training",
    inputs=[Port("learner", PortType.UNTRAINED_MODEL, "Untrained model"),
            Port("data", PortType.DATAFRAME, "Training dataset", owned=True)],
    outputs=[Port("model", PortType.MODEL, "Trained model")],
    params=[Param("label_column", ParamKind.COLUMNS, "Label column", port="data", multiple=False,
                  help="Every other column is a feature and must be numeric.")],
)
def train_model(ctx: Any, *, learner: Any, data: pd.DataFrame, label_column: str) -> TrainedModel:
    """Fit a copy of the learner on every column but the label; the fit is seeded by the run."""
    from sklearn.base import clone, is_classifier

    label = single_column(label_column)
    if label is None:
        raise ValueError("param 'label_column' is required")
    require_columns(data, [label], what="label column")
    if not hasattr(learner, "fit"):
        raise TypeError(f"the learner input is not an estimator (got {type(learner).__name__})")
    features = [str(c) for c in data.columns if c != label]
    if not features:
        raise ValueError(f"no feature columns: the input holds only the label column {label!r}")
    if len(data) == 0:
        raise ValueError("the training dataset has no rows")
    missing = int(data[label].isna().sum())
    if missing:
        raise ValueError(f"label column {label!r} has {missing} missing values; clean them first")
    estimator = clone(learner)
    own = estimator.get_params(deep=False)
    if "random_state" in own:
        estimator.set_params(random_state=ctx.seed)
    if own.get("copy_X") is True:
        # the feature matrix below is this step's own copy: fitting may centre it in place, which
        # saves one copy of the data at peak (the training score is computed on a fresh one)
        estimator.set_params(copy_X=False)
    task = "classification" if is_classifier(estimator) else "regression"
    if task == "regression" and not is_numeric_series(data[label]):
        raise ValueError(f"label column {label!r} is not numeric ({dtype_kind(data[label].dtype)}); "
                         f"{type(estimator).__name__} predicts numbers")
    model = TrainedModel(estimator, label, features, task)
    X, y, rows = model.feature_frame(data), data[label], len(data)
    score_on: tuple[pd.DataFrame, pd.Series] | None = None
    if ctx.owns(data):
        # the input is this step's alone: keep an even sample of rows for the training score, then
        # free it, so that only the feature matrix (and the learner's own copies) exist at the peak
        picks = np.linspace(0, rows - 1, min(rows, SCORE_SAMPLE_ROWS)).round().astype(np.intp)
        score_on = (X.iloc[picks].copy(), y.iloc[picks].copy())
        y = y.copy()
        data.drop(columns=list(data.columns), inplace=True)
    ctx.log(f"fitting {type(estimator).__name__} ({task}) on {rows} rows, {len(features)} features, "
            f"label {label!r}")
    ctx.progress(0.05, f"fitting {type(estimator).__name__} on {rows} rows")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit_with_progress(ctx, estimator, X, y, start=0.05, end=0.9)
    for warning in caught:  # e.g. a ConvergenceWarning belongs in the step's log, where the user looks
        ctx.log(f"warning: {type(warning.message).__name__}: {str(warning.message).splitlines()[0]}")
    del X
    if score_on is None:
        score_on = (model.feature_frame(data), y)
    elif len(score_on[0]) < rows:
        ctx.log(f"training score on an even sample of {len(score_on[0])} of the {rows} rows")
    ctx.metric("training_rows", rows)
    ctx.metric("training_score", float(estimator.score(*score_on)))
    estimator.set_params(**{k: v for k, v in own.items() if k == "copy_X"})  # the model keeps the learner's settings
    ctx.progress(1.0, "trained")
    return model


def _score_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    """The input columns plus `scored_label`; `scored_probability` is left out because whether the
    model classifies is only known once it is trained."""
    schema = inputs.get("data")
    if schema is None:
        return {"data": None}
    kept = tuple(c for c in schema if c.name != SCORED_LABEL)
    return {"data": (*kept, Column(SCORED_LABEL, "float"))}


@module(
    "score_model", "1", "Score Model", SCORING,
    inputs=[Port("model", PortType.MODEL, "Trained model"), Port("data", PortType.DATAFRAME, "Dataset")],
    outputs=[Port("data", PortType.DATAFRAME, "Scored dataset")],
    infer_schema=_score_schema,
)
def score_model(ctx: Any, *, model: TrainedModel, data: pd.DataFrame) -> pd.DataFrame:
    """The input rows plus `scored_label` and, for classifiers, `scored_probability`."""
    if not isinstance(model, TrainedModel):
        raise TypeError(f"the model input is not a trained model (got {type(model).__name__})")
    scored = score_with_progress(ctx, model, data)
    ctx.log(f"scored {len(scored)} rows with {type(model.estimator).__name__}")
    return scored


@module(
    "evaluate_model", "1", "Evaluate Model", SCORING,
    inputs=[Port("data", PortType.DATAFRAME, "Scored dataset")],
    outputs=[Port("metrics", PortType.METRICS, "Evaluation results")],
    params=[Param("label_column", ParamKind.COLUMNS, "Label column", port="data", multiple=False,
                  default="target", help="The true labels to compare `scored_label` with.")],
)
def evaluate_model(ctx: Any, *, data: pd.DataFrame, label_column: str = "target") -> dict[str, Any]:
    """Classification metrics when the rows carry `scored_probability`, regression metrics otherwise;
    `curves` holds the points of the results panel's charts (ROC and precision-recall for two
    classes, none for more; a sample of actual and predicted values for a regressor)."""
    label = single_column(label_column) or "target"
    require_columns(data, [label], what="label column")
    require_columns(data, [SCORED_LABEL], what="score column")
    for name in (label, SCORED_LABEL):
        missing = int(data[name].isna().sum())
        if missing:
            raise ValueError(f"column {name!r} has {missing} missing values")
    if len(data) == 0:
        raise ValueError("the scored dataset has no rows")
    if SCORED_PROBABILITY in data.columns:
        metrics = _classification_metrics(data[label], data[SCORED_LABEL], data[SCORED_PROBABILITY])
    else:
        metrics = _regression_metrics(data[label], data[SCORED_LABEL], label)
        metrics["curves"] = {"residuals": regression_residuals(data[label], data[SCORED_LABEL], seed=ctx.seed)}
    for name, value in metrics.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value):
            ctx.metric(name, value)
    ctx.log(f"evaluated {len(data)} rows ({metrics['task']})")
    return metrics


def _classification_metrics(y: pd.Series, pred: pd.Series, proba: pd.Series) -> dict[str, Any]:
    from sklearn import metrics as skm

    labels = sorted(set(y.tolist()) | set(pred.tolist()))
    binary = len(labels) <= 2
    averaging: dict[str, Any] = {"average": "binary", "pos_label": labels[-1]} if binary else {"average": "macro"}
    out: dict[str, Any] = {
        "task": "classification",
        "rows": len(y),
        "accuracy": float(skm.accuracy_score(y, pred)),
        "precision": float(skm.precision_score(y, pred, zero_division=0, **averaging)),
        "recall": float(skm.recall_score(y, pred, zero_division=0, **averaging)),
        "f1": float(skm.f1_score(y, pred, zero_division=0, **averaging)),
    }
    out["curves"] = {}
    if binary and y.nunique() == 2:
        # scored_probability is the probability of the larger class: exactly what roc_auc wants.
        out["roc_auc"] = float(skm.roc_auc_score(y == labels[-1], proba))
        out["curves"] = classifier_curves(y == labels[-1], proba)
    out["confusion_matrix"] = {
        "labels": [_plain(v) for v in labels],
        "matrix": skm.confusion_matrix(y, pred, labels=labels).tolist(),
    }
    return out


def _regression_metrics(y: pd.Series, pred: pd.Series, label: str) -> dict[str, Any]:
    from sklearn import metrics as skm

    for name, s in ((label, y), (SCORED_LABEL, pred)):
        if not is_numeric_series(s):
            raise ValueError(f"column {name!r} is not numeric ({dtype_kind(s.dtype)}): no regression metrics. "
                             f"A classifier's scores carry {SCORED_PROBABILITY!r}")
    return {
        "task": "regression",
        "rows": len(y),
        "mae": float(skm.mean_absolute_error(y, pred)),
        "rmse": float(math.sqrt(skm.mean_squared_error(y, pred))),
        "r2": float(skm.r2_score(y, pred)),
    }


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
