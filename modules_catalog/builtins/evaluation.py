"""Evaluate Model: classification, regression and clustering metrics of scored rows (one scored
input, or two compared side by side), and the chart points of the results panel."""
from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from ..checks import TYPE_WORDS
from ..schema import dtype_kind
from ..spec import Design, Param, ParamKind, Port, PortType, Violation, module
from ..trained import (ASSIGNMENTS, DISTANCE_PREFIX, PROBABILITY_PREFIX, QUANTILE_PREFIX, SCORED_LABEL,
                       SCORED_PROBABILITY, is_numeric_series, require_columns)
from .curves import classifier_curves, regression_residuals
from .transforms import single_column

SCORING = "Model Scoring & Evaluation"
AVERAGES = ("macro", "micro", "weighted")
SILHOUETTE_SAMPLE_ROWS = 5_000  # silhouette costs rows²: above this, on a seeded sample of rows
MAX_CLASSES = 1_000  # per-class tables and confusion matrices of more classes are not a classifier's
_SECOND = "Scored dataset to compare"
DEFAULT_LABEL = "target"  # the label when none is chosen nor marked (older pipelines relied on it)
_NOT_COMPARED = ("positive_class", "threshold")  # settings, not measures


def _check(design: Design) -> list[Violation]:
    """Each scored input must carry what a scoring module adds, and predictions a label to compare with."""
    out = []
    chosen = single_column(design.params.get("label_column"))
    for port in ("data", "data2"):
        schema = design.inputs.get(port)
        if schema is None:
            continue
        names = {c.name for c in schema}
        if SCORED_LABEL not in names and ASSIGNMENTS not in names:
            out.append(Violation(
                f"the input holds no {SCORED_LABEL!r} (nor {ASSIGNMENTS!r}) column: Evaluate Model measures "
                "scored rows", port=port, code="missing_scores",
                hint="connect the output of Score Model (or of Assign Data to Clusters)"))
        elif ASSIGNMENTS not in names and not (chosen or DEFAULT_LABEL in names or any(c.role == "label" for c in schema)):
            out.append(Violation("Evaluate Model needs the label column to compare the scores with: none is chosen, "
                                 f"none has the label role and there is no {DEFAULT_LABEL!r} column",
                                 param="label_column", code="required",
                                 hint="choose the label column, or mark it as the label with Edit Metadata"))
        elif port == "data2" and chosen and chosen not in names:
            out.append(Violation(f"label column {chosen!r} is not in the second scored input", port=port,
                                 column=chosen, code="missing_column",
                                 hint="compare two models' scores of the same rows"))
    return out


@module(
    "evaluate_model", "1", "Evaluate Model", SCORING,
    inputs=[Port("data", PortType.DATAFRAME, "Scored dataset"),
            Port("data2", PortType.DATAFRAME, _SECOND, optional=True,
                 help="A second model's scores of the same rows: both are measured and compared side by side.")],
    outputs=[Port("metrics", PortType.METRICS, "Evaluation results")],
    params=[
        Param("label_column", ParamKind.COLUMNS, "Label column", port="data", multiple=False, required=False,
              help="The true labels to compare `scored_label` with (for clusters, optional: classes to compare "
                   "them with). Empty: the column Edit Metadata marked as the label, else `target`."),
        Param("average", ParamKind.CHOICE, "Averaging over classes", default="macro", choices=AVERAGES,
              help="How precision, recall, F1 and AUC of several classes are averaged: macro (each class "
                   "counts the same), micro (each row counts the same), weighted (by class size)."),
        Param("positive_class", ParamKind.TEXT, "Positive class", required=False,
              help="Two classes: the one precision, recall and AUC are about. Empty: the larger value."),
        Param("threshold", ParamKind.FLOAT, "Threshold", required=False, min=0.0, max=1.0,
              help="Two classes: a row is positive when its probability is at least this. Empty: the "
                   "model's own scored labels."),
    ],
    check=_check,
)
def evaluate_model(ctx: Any, *, data: pd.DataFrame, data2: pd.DataFrame | None = None,
                   label_column: str | None = None, average: str = "macro", positive_class: str | None = None,
                   threshold: float | None = None) -> dict[str, Any]:
    """Metrics by what the rows carry: clusters (`assignments`), classes (`scored_probability` or
    scored labels that are not decimal numbers) or numbers. `curves` holds the points of the results
    panel's charts; with a second input, `comparison` lists every metric of both and the difference."""
    if average not in AVERAGES:
        raise ValueError(f"Evaluate Model: param 'average' must be one of {', '.join(AVERAGES)}; got {average!r}")
    if threshold is not None and not 0.0 <= float(threshold) <= 1.0:
        raise ValueError(f"Evaluate Model: param 'threshold' must be between 0 and 1; got {threshold}")
    options = dict(label_column=label_column, average=average, positive_class=positive_class,
                   threshold=threshold, seed=ctx.seed)
    metrics = evaluate_frame(data, **options)
    _report(ctx, metrics, "")
    if data2 is not None:
        other = evaluate_frame(data2, **options)
        if other["task"] != metrics["task"]:
            raise ValueError(f"Evaluate Model: the two inputs hold different kinds of scores ({metrics['task']} and "
                             f"{other['task']}); compare models of the same task")
        metrics["comparison"] = compare(metrics, other)
        _report(ctx, other, "compared_")
    ctx.log(f"evaluated {metrics['rows']} rows ({metrics['task']})" +
            (f" against {len(data2)} rows of a second model" if data2 is not None else ""))
    return metrics


def _report(ctx: Any, metrics: Mapping[str, Any], prefix: str) -> None:
    for name, value in metrics.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            ctx.metric(prefix + name, value)


def compare(left: Mapping[str, Any], right: Mapping[str, Any]) -> dict[str, Any]:
    """Every number metric of either input, side by side, with right − left."""
    rows = []
    for name, a in left.items():
        b = right.get(name)
        if name in _NOT_COMPARED or not (_is_number(a) or _is_number(b)):
            continue
        if not all(v is None or _is_number(v) for v in (a, b)):
            continue
        diff = float(b) - float(a) if _is_number(a) and _is_number(b) else None
        rows.append({"metric": name, "left": a, "right": b, "difference": _number(diff)})
    return {"labels": ["Scored dataset", _SECOND], "metrics": rows, "right": dict(right)}


def evaluate_frame(data: pd.DataFrame, *, label_column: str | None = None, average: str = "macro",
                   positive_class: str | None = None, threshold: float | None = None, seed: int = 0,
                   curves: bool = True) -> dict[str, Any]:
    """The metrics of one scored frame (what Evaluate Model and Cross Validate Model report)."""
    if len(data) == 0:
        raise ValueError("Evaluate Model: the scored dataset has no rows")
    label = single_column(label_column) or _role_label(data) or (DEFAULT_LABEL if DEFAULT_LABEL in data.columns else None)
    if ASSIGNMENTS in data.columns:
        return clustering_metrics(data, label if label in data.columns else None, seed=seed)
    if label is None:
        raise ValueError("Evaluate Model: choose the label column (param 'label_column'), or mark it with "
                         "Edit Metadata")
    require_columns(data, [label], what="label column")
    require_columns(data, [SCORED_LABEL], what="score column")
    for name in (label, SCORED_LABEL):
        missing = int(data[name].isna().sum())
        if missing:
            raise ValueError(f"Evaluate Model: column {name!r} has {missing} missing values; remove those rows "
                             "(Clean Missing Data) before evaluating")
    if _is_classification(data):
        return classification_metrics(data, label, average=average, positive_class=positive_class,
                                      threshold=threshold, curves=curves)
    metrics = regression_metrics(data, label)
    if curves:
        metrics["curves"] = {"residuals": regression_residuals(data[label], data[SCORED_LABEL], seed=seed)}
    return metrics


def _role_label(data: pd.DataFrame) -> str | None:
    from ..columns import frame_roles

    labels = [name for name, role in frame_roles(data).items() if role == "label"]
    return labels[0] if len(labels) == 1 else None


def _is_classification(data: pd.DataFrame) -> bool:
    """Probabilities, or predicted labels that are not decimal numbers (a regressor predicts floats)."""
    if SCORED_PROBABILITY in data.columns or any(str(c).startswith(PROBABILITY_PREFIX) for c in data.columns):
        return True
    return dtype_kind(data[SCORED_LABEL].dtype) != "float"


# -- classification ---------------------------------------------------------------------------------
def _sorted_labels(values: Iterable[Any]) -> list[Any]:
    values = list(values)
    try:
        return sorted(values)
    except TypeError:  # mixed types: text order
        return sorted(values, key=str)


def _class_kind(s: pd.Series) -> str:
    """Categories are predicted back as their text: the two are the same kind of class."""
    kind = dtype_kind(s.dtype)
    return "string" if kind == "category" else kind


def _find_class(labels: list[Any], wanted: str, label: str) -> Any:
    for value in labels:
        if value == wanted or str(_plain(value)) == str(wanted).strip():
            return value
    raise ValueError(f"Evaluate Model: positive class {wanted!r} is not a class of label column {label!r}; "
                     f"its classes are {', '.join(str(_plain(v)) for v in labels[:20])}")


def classification_metrics(data: pd.DataFrame, label: str, *, average: str = "macro",
                           positive_class: str | None = None, threshold: float | None = None,
                           curves: bool = True) -> dict[str, Any]:
    from sklearn import metrics as skm

    y, pred = data[label], data[SCORED_LABEL]
    if _class_kind(y) != _class_kind(pred) and not (is_numeric_series(y) and is_numeric_series(pred)):
        kinds = (TYPE_WORDS.get(dtype_kind(y.dtype)), TYPE_WORDS.get(dtype_kind(pred.dtype)))
        raise ValueError(f"Evaluate Model: label column {label!r} holds {kinds[0]} but {SCORED_LABEL!r} holds "
                         f"{kinds[1]}; choose the label column the model was trained on")
    labels = _sorted_labels(set(y.tolist()) | set(pred.tolist()))
    if len(labels) > MAX_CLASSES:
        raise ValueError(f"Evaluate Model: label column {label!r} has {len(labels)} classes (at most {MAX_CLASSES} "
                         "are evaluated); is it a regression label?")
    binary = len(labels) <= 2
    out: dict[str, Any] = {"task": "classification", "kind": "binary" if binary else "multiclass", "rows": len(y),
                           "classes": len(labels)}
    proba = data[SCORED_PROBABILITY].to_numpy(dtype=np.float64) if SCORED_PROBABILITY in data.columns else None
    if binary:
        positive = _find_class(labels, positive_class, label) if positive_class not in (None, "") else labels[-1]
        out["positive_class"] = _plain(positive)
        if proba is not None and positive != labels[-1]:
            proba = 1.0 - proba  # scored_probability is the larger class's
        if threshold is not None and proba is not None and len(labels) == 2:
            negative = labels[0] if positive == labels[-1] else labels[-1]
            pred = pd.Series(np.where(proba >= threshold, positive, negative), index=pred.index)
            out["threshold"] = float(threshold)
        averaging: dict[str, Any] = {"average": "binary", "pos_label": positive}
        out["average"] = "binary"
    else:
        averaging = {"average": average}
        out["average"] = average
    out["accuracy"] = float(skm.accuracy_score(y, pred))
    out["precision"] = float(skm.precision_score(y, pred, zero_division=0, **averaging))
    out["recall"] = float(skm.recall_score(y, pred, zero_division=0, **averaging))
    out["f1"] = float(skm.f1_score(y, pred, zero_division=0, **averaging))
    if binary and proba is not None and y.nunique() == 2:
        positives = (y == positive).to_numpy()
        out["roc_auc"] = float(skm.roc_auc_score(positives, proba))
        out["log_loss"] = float(skm.log_loss(positives, np.clip(proba, 1e-15, 1 - 1e-15), labels=[False, True]))
        if curves:
            out["curves"] = classifier_curves(positives, proba)
    elif not binary:
        out.update(_multiclass_probability_metrics(data, y, average))
    out.setdefault("curves", {})
    precision, recall, f1, support = skm.precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    out["per_class"] = [{"class": _plain(c), "precision": float(p), "recall": float(r), "f1": float(f),
                         "support": int(s)} for c, p, r, f, s in zip(labels, precision, recall, f1, support)]
    if not binary:
        out["averages"] = {name: {
            "precision": float(skm.precision_score(y, pred, average=name, zero_division=0)),
            "recall": float(skm.recall_score(y, pred, average=name, zero_division=0)),
            "f1": float(skm.f1_score(y, pred, average=name, zero_division=0))} for name in AVERAGES}
    out["confusion_matrix"] = {"labels": [_plain(v) for v in labels],
                               "matrix": skm.confusion_matrix(y, pred, labels=labels).tolist()}
    return out


def _multiclass_probability_metrics(data: pd.DataFrame, y: pd.Series, average: str) -> dict[str, Any]:
    """One-vs-rest AUC (averaged as asked) and log loss, from the `scored_probability_<class>` columns."""
    from sklearn import metrics as skm

    columns = [c for c in data.columns if str(c).startswith(PROBABILITY_PREFIX)]
    if not columns:
        return {}
    names = [str(c)[len(PROBABILITY_PREFIX):] for c in columns]
    truth = y.map(lambda v: str(_plain(v))).to_numpy()
    unknown = sorted(set(truth) - set(names))
    if unknown:
        return {"probability_note": f"classes {', '.join(unknown[:5])} have no probability column: no AUC or log loss"}
    P = np.clip(data[columns].to_numpy(dtype=np.float64), 0.0, 1.0)
    onehot = truth[:, None] == np.asarray(names)[None, :]
    present = [i for i in range(len(names)) if 0 < onehot[:, i].sum() < len(truth)]
    out: dict[str, Any] = {}
    if present:
        if average == "micro":
            auc = skm.roc_auc_score(onehot.ravel(), P.ravel())
        else:
            aucs = np.array([skm.roc_auc_score(onehot[:, i], P[:, i]) for i in present])
            weights = onehot[:, present].sum(axis=0) if average == "weighted" else np.ones(len(present))
            auc = float(np.average(aucs, weights=weights))
        out["roc_auc"] = float(auc)
        out["roc_auc_average"] = f"one-vs-rest, {average}"
    rows = P / np.clip(P.sum(axis=1, keepdims=True), 1e-15, None)
    out["log_loss"] = float(skm.log_loss(truth, np.clip(rows, 1e-15, 1.0), labels=names))
    return out


# -- regression -------------------------------------------------------------------------------------
def regression_metrics(data: pd.DataFrame, label: str) -> dict[str, Any]:
    from sklearn import metrics as skm

    y, pred = data[label], data[SCORED_LABEL]
    for name, s in ((label, y), (SCORED_LABEL, pred)):
        if not is_numeric_series(s):
            raise ValueError(f"Evaluate Model: column {name!r} holds {TYPE_WORDS.get(dtype_kind(s.dtype))}: no "
                             f"regression metrics. A classifier's scores carry {SCORED_PROBABILITY!r}")
    a, p = y.to_numpy(dtype=np.float64), pred.to_numpy(dtype=np.float64)
    spread_abs, spread_sq = np.abs(a - a.mean()).sum(), ((a - a.mean()) ** 2).sum()
    r2 = float(skm.r2_score(a, p)) if len(a) > 1 else None
    out: dict[str, Any] = {
        "task": "regression", "rows": len(y),
        "mae": float(skm.mean_absolute_error(a, p)),
        "rmse": float(math.sqrt(skm.mean_squared_error(a, p))),
        "r2": _number(r2),
        "relative_absolute_error": _number(np.abs(a - p).sum() / spread_abs if spread_abs > 0 else None),
        "relative_squared_error": _number(((a - p) ** 2).sum() / spread_sq if spread_sq > 0 else None),
        "coefficient_of_determination": _number(r2),
    }
    for column in (c for c in data.columns if str(c).startswith(QUANTILE_PREFIX)):
        try:
            q = float(str(column)[len(QUANTILE_PREFIX):])
        except ValueError:
            continue
        if 0 < q < 1:
            out[f"pinball_loss_{q:g}"] = float(skm.mean_pinball_loss(a, data[column].to_numpy(dtype=np.float64),
                                                                     alpha=q))
    return out


# -- clustering -------------------------------------------------------------------------------------
def cluster_features(data: pd.DataFrame, label: str | None) -> list[str]:
    """The numeric columns clusters were made of: all but assignments, distances, scores, the label."""
    skip = {ASSIGNMENTS, label}
    return [str(c) for c in data.columns if c not in skip and is_numeric_series(data[c])
            and not str(c).startswith((DISTANCE_PREFIX, "scored_"))]


def clustering_metrics(data: pd.DataFrame, label: str | None, *, seed: int = 0) -> dict[str, Any]:
    from sklearn import metrics as skm

    assigned = data[ASSIGNMENTS]
    if assigned.isna().any():
        raise ValueError(f"Evaluate Model: column {ASSIGNMENTS!r} has missing values")
    features = cluster_features(data, label)
    sizes = assigned.value_counts().sort_index()
    out: dict[str, Any] = {"task": "clustering", "rows": len(data), "clusters": int(len(sizes))}
    if features and 2 <= len(sizes) <= len(data) - 1:
        X = data[features].to_numpy(dtype=np.float64)
        if np.isnan(X).any():
            raise ValueError("Evaluate Model: the feature columns have missing values; clean them first")
        sample = min(len(data), SILHOUETTE_SAMPLE_ROWS)
        out["silhouette"] = float(skm.silhouette_score(X, assigned, sample_size=sample if sample < len(data) else None,
                                                       random_state=seed))
        out["davies_bouldin"] = float(skm.davies_bouldin_score(X, assigned))
        out["features"] = len(features)
    own = [f"{DISTANCE_PREFIX}{c}" for c in assigned]
    if all(name in data.columns for name in set(own)) and len(own):
        columns = {name: i for i, name in enumerate(sorted(set(own)))}
        values = data[sorted(columns)].to_numpy(dtype=np.float64)
        out["average_distance_to_centroid"] = float(values[np.arange(len(own)), [columns[n] for n in own]].mean())
    if label is not None and label in data.columns and not data[label].isna().any():
        out["adjusted_rand_index"] = float(skm.adjusted_rand_score(data[label], assigned))
    out["cluster_sizes"] = [{"cluster": _plain(k), "rows": int(v)} for k, v in sizes.items()]
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
