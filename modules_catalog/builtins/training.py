"""Model Training and Model Scoring: fit a learner (supervised, clustering, anomaly detection),
score new rows, assign rows to clusters, cross-validate."""
from __future__ import annotations

import warnings
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..checks import ENCODE_HINT, describe, label_violations, upstream_task
from ..learner import Learner, as_learner
from ..schema import dtype_kind
from ..spec import (NUMERIC_DTYPES, Column, Design, Param, ParamKind, Port, PortType, Schema, Upstream, Violation,
                    module)
from ..trained import (ASSIGNMENTS, DISTANCE_PREFIX, QUANTILE_PREFIX, SCORED_LABEL, SCORED_PROBABILITY,
                       TrainedModel, is_numeric_series, require_columns)
from .evaluation import SCORING, evaluate_frame
from .stepwise import fit_with_progress, score_with_progress
from .transforms import column_list, single_column

TRAINING = "Model Training"
SUPERVISED = ("binary", "multiclass", "regression")
# the training score of a step that frees its input before fitting is taken on this many rows at most
SCORE_SAMPLE_ROWS = 100_000
# roles that make a column no feature by default (Edit Metadata)
_NOT_FEATURES = ("label", "score", "weight")
TRAINER_OF = {"clustering": "Train Clustering Model", "anomaly": "Train Anomaly Detection Model"}
_RANGE_HINT = "set the learner's trainer mode to a single parameter, or train it with Tune Model Hyperparameters"


# -- shared by the trainers ---------------------------------------------------------------------------
def _columns_with_roles(data: pd.DataFrame) -> list[Column]:
    from ..columns import columns_of

    return columns_of(data)


def role_label(columns: list[Column]) -> str | None:
    """The one column Edit Metadata marked as the label, if exactly one is."""
    labels = [c.name for c in columns if c.role == "label"]
    return labels[0] if len(labels) == 1 else None


def default_features(columns: list[Column], label: str | None, *, numeric_only: bool = False) -> list[str]:
    """Every column but the label and those Edit Metadata made labels, scores or weights (and, for
    clustering and anomaly detection, only the numeric ones)."""
    return [c.name for c in columns if c.name != label and c.role not in _NOT_FEATURES
            and (not numeric_only or c.dtype in NUMERIC_DTYPES)]


def _feature_violations(schema: Schema, label: str | None, chosen: list[str], module_label: str,
                        *, numeric_only: bool = False) -> list[Violation]:
    """Design time: every feature column (the chosen ones are the compiler's to type-check) is numeric."""
    if chosen:
        return []
    names = default_features(list(schema), label, numeric_only=numeric_only)
    by_name = {c.name: c for c in schema}
    out = []
    for name in names:
        column = by_name[name]
        if column.dtype not in NUMERIC_DTYPES:
            hint = ENCODE_HINT if column.dtype in ("string", "category", "bool") else \
                "turn it into numbers with Execute Python Script, or leave it out with Select Columns"
            out.append(Violation(f"{describe(column)}: {module_label} uses every column but the label as a feature, "
                                 "and features must be numbers", hint=hint, port="data", column=name,
                                 param="feature_columns"))
    if not names:
        out.append(Violation(f"{module_label}: the input has no feature columns besides the label", port="data",
                             code="no_features"))
    return out


def _learner_violations(design: Design, module_label: str, wanted: tuple[str, ...]) -> list[Violation]:
    found = design.upstream.get("learner")
    if found is not None and found.params.get("trainer_mode") == "Parameter Range":
        return [Violation(f"{found.spec.label} is in Parameter Range mode, which only Tune Model Hyperparameters "
                          f"uses; {module_label} trains one model", hint=_RANGE_HINT, port="learner",
                          code="learner_mode")]
    task = upstream_task(design, "learner")
    if task is None or task in wanted:
        return []
    if task in TRAINER_OF and wanted == SUPERVISED:
        hint = f"train it with {TRAINER_OF[task]}"
    elif wanted == ("clustering",):
        hint = "connect a clustering learner such as K-Means Clustering, or train this one with " + \
               ("Train Model" if task in SUPERVISED else TRAINER_OF.get(task, "Train Model"))
    else:
        hint = "connect an anomaly detection learner such as PCA-Based Anomaly Detection or Isolation Forest"
    return [Violation(f"{module_label} cannot train a {task} learner", hint=hint, port="learner", code="learner_task")]


def _supervised_check(module_label: str) -> Any:
    def check(design: Design) -> list[Violation]:
        out = _learner_violations(design, module_label, SUPERVISED)
        schema = design.inputs.get("data")
        if schema is None:
            return out
        label = single_column(design.params.get("label_column")) or role_label(list(schema))
        if label is None:
            out.append(Violation(f"{module_label} needs a label column: none is chosen and no column has the label "
                                 "role", param="label_column", code="required",
                                 hint="choose the label column, or mark it as the label with Edit Metadata"))
        else:
            column = next((c for c in schema if c.name == label), None)
            out += label_violations(column, upstream_task(design, "learner"), module=module_label,
                                    param="label_column")
        return out + _feature_violations(schema, label, column_list(design.params.get("feature_columns")),
                                         module_label)
    return check


def _unsupervised_check(module_label: str, task: str) -> Any:
    def check(design: Design) -> list[Violation]:
        out = _learner_violations(design, module_label, (task,))
        schema = design.inputs.get("data")
        if schema is not None:
            label = single_column(design.params.get("label_column")) or role_label(list(schema))
            chosen = column_list(design.params.get("feature_columns"))
            if not chosen and not default_features(list(schema), label, numeric_only=True):
                out.append(Violation(f"{module_label}: the input has no numeric columns to use as features",
                                     port="data", code="no_features",
                                     hint="encode text columns with Convert to Indicator Values"))
        return out
    return check


def _learner(value: Any, module_label: str, wanted: tuple[str, ...]) -> Learner:
    try:
        learner = as_learner(value)
    except TypeError as exc:
        raise TypeError(f"{module_label}: {exc}") from None
    name = learner.name or type(learner.estimator).__name__
    if learner.task not in wanted:
        if wanted == SUPERVISED:
            where = TRAINER_OF.get(learner.task, "a module for its task")
            raise ValueError(f"{module_label}: {name} is a {learner.task} learner; train it with {where}")
        raise ValueError(f"{module_label}: {name} is a {learner.task} learner, not a {' or '.join(wanted)} learner")
    if learner.sweep:
        raise ValueError(f"{module_label}: {name} is in parameter range mode (it sweeps "
                         f"{', '.join(sorted(learner.sweep))}); {_RANGE_HINT}")
    return learner


def _label(data: pd.DataFrame, label_column: Any, module_label: str, *, required: bool = True) -> str | None:
    label = single_column(label_column)
    if label is None:
        label = role_label(_columns_with_roles(data))
        if label is None and required:
            raise ValueError(f"{module_label}: choose the label column (param 'label_column'), or mark it as the "
                             "label with Edit Metadata")
    if label is not None:
        require_columns(data, [label], what="label column")
        missing = int(data[label].isna().sum())
        if missing and required:
            raise ValueError(f"{module_label}: label column {label!r} has {missing} missing values; clean them "
                             "first (Clean Missing Data)")
    return label


def _features(data: pd.DataFrame, label: str | None, feature_columns: Any, module_label: str,
              *, numeric_only: bool = False) -> list[str]:
    chosen = column_list(feature_columns)
    if chosen:
        require_columns(data, chosen, what="feature column")
        if label in chosen:
            raise ValueError(f"{module_label}: the label column {label!r} cannot also be a feature")
        return chosen
    features = default_features(_columns_with_roles(data), label, numeric_only=numeric_only)
    if not features:
        what = "numeric columns" if numeric_only else "columns"
        raise ValueError(f"{module_label}: no feature columns: the input has no {what} besides the label")
    return features


def classes_task(learner: Learner, y: pd.Series, label: str, module_label: str) -> str:
    """binary or multiclass from the label's classes; a two-class learner refuses more."""
    classes = _sorted(pd.unique(y))
    name = learner.name or type(learner.estimator).__name__
    shown = ", ".join(str(v) for v in classes[:10]) + (", …" if len(classes) > 10 else "")
    if len(classes) < 2:
        raise ValueError(f"{module_label}: label column {label!r} holds one class only ({shown}); a classifier "
                         "needs at least two")
    if learner.task == "binary" and len(classes) > 2:
        raise ValueError(f"{module_label}: {name} is a two-class learner, but label column {label!r} has "
                         f"{len(classes)} classes ({shown}); use a multiclass learner, or One-vs-All Multiclass")
    return "binary" if len(classes) == 2 else "multiclass"


def _sorted(values: Any) -> list[Any]:
    values = list(values)
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def prepared_estimator(ctx: Any, learner: Learner) -> tuple[Any, dict[str, Any]]:
    """A fresh copy of the learner's estimator, seeded by the run; and its own params."""
    from sklearn.base import clone

    estimator = clone(learner.estimator)
    own = estimator.get_params(deep=False)
    if "random_state" in own and own["random_state"] is None:  # a learner module seeds its own
        estimator.set_params(random_state=ctx.seed)
    return estimator, own


def fit_logged(ctx: Any, estimator: Any, X: Any, y: Any, *, start: float, end: float) -> None:
    """Fit with progress; a fitting warning (non-convergence) goes to the step's log, where users look."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit_with_progress(ctx, estimator, X, y, start=start, end=end)
    for warning in caught:
        ctx.log(f"warning: {type(warning.message).__name__}: {str(warning.message).splitlines()[0]}")


def _model_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any], *,
                  numeric_only: bool = False, label_required: bool = True) -> Schema | None:
    """What flows on a Model port at design time: the training columns, the label with its role."""
    schema = inputs.get("data")
    if schema is None:
        return None
    label = single_column(params.get("label_column")) or role_label(list(schema))
    if label_required and label is None:
        return None
    chosen = column_list(params.get("feature_columns"))
    names = chosen or default_features(list(schema), label, numeric_only=numeric_only)
    by_name = {c.name: c for c in schema}
    label_cols = (Column(label, by_name[label].dtype, "label"),) if label in by_name else ()
    return label_cols + tuple(Column(n, by_name[n].dtype, "feature") for n in names if n in by_name)


def upstream_learner(upstream: Mapping[str, Upstream] | None, port: str) -> Upstream | None:
    """The learner node feeding `port`, following trainers back to it (as checks.upstream_task)."""
    found = (upstream or {}).get(port)
    for _ in range(64):
        if found is None or found.spec.task is not None:
            return found
        found = next(iter(found.upstream.values()), None) if len(found.upstream) == 1 else \
            found.upstream.get("learner") or found.upstream.get("model")
    return None


def scored_columns(learner: Upstream | None, label: Column | None) -> tuple[Column, ...] | None:
    """The columns a model of this learner adds when it scores, or None where only its training can
    tell (a multiclass model's one probability column per class)."""
    if learner is None:
        return (Column(SCORED_LABEL, "float"),)  # what is known of any model: it predicts something
    task, params = learner.spec.task, learner.params
    if task == "binary":  # predictions take the label's type (categories come back as their text)
        dtype = "string" if label is not None and label.dtype == "category" else label.dtype if label else "int"
        return Column(SCORED_LABEL, dtype), Column(SCORED_PROBABILITY, "float")
    if task == "anomaly":
        return Column(SCORED_LABEL, "int"), Column(SCORED_PROBABILITY, "float")
    if task == "clustering":
        decl = learner.spec.param("n_clusters")
        k = params.get("n_clusters", decl.default if decl is not None else None)
        if not isinstance(k, int) or isinstance(k, bool) or not 0 < k <= 10_000:
            return None
        return (Column(ASSIGNMENTS, "int"), *(Column(f"{DISTANCE_PREFIX}{i}", "float") for i in range(k)))
    if task == "regression":
        if learner.spec.param("quantiles") is None:
            return (Column(SCORED_LABEL, "float"),)
        from ..estimators import parse_quantiles

        levels = parse_quantiles(params.get("quantiles", learner.spec.param("quantiles").default))
        return (Column(SCORED_LABEL, "float"), *(Column(f"{QUANTILE_PREFIX}{q:g}", "float") for q in levels))
    return None


def _with_scores(schema: Schema | None, added: tuple[Column, ...] | None) -> Schema | None:
    if schema is None or added is None:
        return None
    names = {c.name for c in added}
    return (*(c for c in schema if c.name not in names), *added)


def _label_param(help_text: str) -> Param:
    return Param("label_column", ParamKind.COLUMNS, "Label column", port="data", multiple=False, required=False,
                 help=help_text)


def _features_param(help_text: str) -> Param:
    return Param("feature_columns", ParamKind.COLUMNS, "Feature columns", port="data", required=False,
                 dtypes=NUMERIC_DTYPES, hint=ENCODE_HINT, help=help_text)


_LEARNER_IN = Port("learner", PortType.UNTRAINED_MODEL, "Untrained model")


# -- Train Model --------------------------------------------------------------------------------------
@module(
    "train_model", "1", "Train Model", TRAINING,
    inputs=[_LEARNER_IN, Port("data", PortType.DATAFRAME, "Training dataset", owned=True)],
    outputs=[Port("model", PortType.MODEL, "Trained model")],
    params=[_label_param("The column to predict. Empty: the column Edit Metadata marked as the label."),
            _features_param("Empty: every other column (but those Edit Metadata made labels, scores or weights); "
                            "features must be numeric.")],
    infer_schema=lambda inputs, params: {"model": _model_schema(inputs, params)},
    check=_supervised_check("Train Model"),
)
def train_model(ctx: Any, *, learner: Any, data: pd.DataFrame, label_column: str | None = None,
                feature_columns: list[str] | None = None) -> TrainedModel:
    """Fit a copy of a classification or regression learner on the feature columns to predict the
    label; the fit is seeded by the run. Clustering and anomaly detection learners have trainers of
    their own (Train Clustering Model, Train Anomaly Detection Model)."""
    learner = _learner(learner, "Train Model", SUPERVISED)
    label = _label(data, label_column, "Train Model")
    features = _features(data, label, feature_columns, "Train Model")
    if len(data) == 0:
        raise ValueError("Train Model: the training dataset has no rows")
    estimator, own = prepared_estimator(ctx, learner)
    if own.get("copy_X") is True:
        # the feature matrix below is this step's own copy: fitting may centre it in place, which
        # saves one copy of the data at peak (the training score is computed on a fresh one)
        estimator.set_params(copy_X=False)
    if learner.task == "regression":
        if not is_numeric_series(data[label]):
            raise ValueError(f"Train Model: label column {label!r} holds {dtype_kind(data[label].dtype)} values; "
                             f"{learner.name or type(estimator).__name__} predicts numbers: use a classification "
                             "learner, or convert the label with Edit Metadata")
        task = "regression"
    else:
        task = classes_task(learner, data[label], label, "Train Model")
    model = TrainedModel(estimator, label, features, task, learner_name=learner.name)
    X, y, rows = model.feature_frame(data, module="Train Model"), data[label], len(data)
    score_on: tuple[pd.DataFrame, pd.Series] | None = None
    if ctx.owns(data):
        # the input is this step's alone: keep an even sample of rows for the training score, then
        # free it, so that only the feature matrix (and the learner's own copies) exist at the peak
        picks = np.linspace(0, rows - 1, min(rows, SCORE_SAMPLE_ROWS)).round().astype(np.intp)
        score_on = (X.iloc[picks].copy(), y.iloc[picks].copy())
        y = y.copy()
        data.drop(columns=list(data.columns), inplace=True)
    ctx.log(f"fitting {type(estimator).__name__} ({task}) on {rows} rows, {len(features)} features, label {label!r}")
    ctx.progress(0.05, f"fitting {type(estimator).__name__} on {rows} rows")
    fit_logged(ctx, estimator, X, y, start=0.05, end=0.9)
    del X
    if score_on is None:
        score_on = (model.feature_frame(data, module="Train Model"), y)
    elif len(score_on[0]) < rows:
        ctx.log(f"training score on an even sample of {len(score_on[0])} of the {rows} rows")
    ctx.metric("training_rows", rows)
    ctx.metric("training_score", float(estimator.score(*score_on)))
    estimator.set_params(**{k: v for k, v in own.items() if k == "copy_X"})  # the model keeps the learner's settings
    ctx.progress(1.0, "trained")
    return model


# -- Train Clustering Model, Train Anomaly Detection Model ---------------------------------------------
def _clusters_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any],
                     upstream: Mapping[str, Upstream] | None = None) -> Mapping[str, Schema | None]:
    """The training columns on the model port; the rows gain `assignments` and one distance per
    centroid, known when the learner's number of centroids is."""
    learner = upstream_learner(upstream, "learner")
    added = scored_columns(learner, None) if learner is not None and learner.spec.task == "clustering" else None
    return {"model": _model_schema(inputs, params, numeric_only=True, label_required=False),
            "data": _with_scores(inputs.get("data"), added)}


@module(
    "train_clustering_model", "1", "Train Clustering Model", TRAINING,
    inputs=[_LEARNER_IN, Port("data", PortType.DATAFRAME, "Dataset")],
    outputs=[Port("model", PortType.MODEL, "Trained model"),
             Port("data", PortType.DATAFRAME, "Results dataset",
                  help="The training rows with their cluster (`assignments`) and distance to each centroid.")],
    params=[_features_param("Empty: every numeric column (but a label, score or weight column)."),
            _label_param("Optional: a column left out of the features (kept in the results, e.g. to compare "
                         "clusters with classes).")],
    infer_schema=_clusters_schema,
    check=_unsupervised_check("Train Clustering Model", "clustering"),
)
def train_clustering_model(ctx: Any, *, learner: Any, data: pd.DataFrame, feature_columns: list[str] | None = None,
                           label_column: str | None = None) -> dict[str, Any]:
    """Fit a clustering learner (K-Means) on the feature columns, seeded by the run, and assign every
    training row to its cluster."""
    learner = _learner(learner, "Train Clustering Model", ("clustering",))
    model = _fit_unsupervised(ctx, learner, data, feature_columns, label_column, "clustering", "Train Clustering Model")
    scored = model.score(data)
    sizes = scored[ASSIGNMENTS].value_counts().sort_index()
    ctx.log("cluster sizes: " + ", ".join(f"{k}: {v}" for k, v in sizes.items()))
    ctx.progress(1.0, "trained")
    return {"model": model, "data": scored}


@module(
    "train_anomaly_detection_model", "1", "Train Anomaly Detection Model", TRAINING,
    inputs=[_LEARNER_IN, Port("data", PortType.DATAFRAME, "Dataset")],
    outputs=[Port("model", PortType.MODEL, "Trained model")],
    params=[_features_param("Empty: every numeric column (but a label, score or weight column)."),
            _label_param("Optional: a column left out of the features (the known anomalies, for Evaluate Model).")],
    infer_schema=lambda inputs, params: {"model": _model_schema(inputs, params, numeric_only=True,
                                                                label_required=False)},
    check=_unsupervised_check("Train Anomaly Detection Model", "anomaly"),
)
def train_anomaly_detection_model(ctx: Any, *, learner: Any, data: pd.DataFrame,
                                  feature_columns: list[str] | None = None,
                                  label_column: str | None = None) -> TrainedModel:
    """Fit an anomaly detection learner (PCA-Based Anomaly Detection, Isolation Forest) on the
    feature columns, seeded by the run. Score Model then adds `scored_label` (1: an anomaly) and
    `scored_probability`: the share of the training rows less anomalous than the row."""
    learner = _learner(learner, "Train Anomaly Detection Model", ("anomaly",))
    model = _fit_unsupervised(ctx, learner, data, feature_columns, label_column, "anomaly",
                              "Train Anomaly Detection Model")
    model.fit_reference(model.feature_frame(data, module="Train Anomaly Detection Model"))
    ctx.progress(1.0, "trained")
    return model


def _fit_unsupervised(ctx: Any, learner: Learner, data: pd.DataFrame, feature_columns: Any, label_column: Any,
                      task: str, module_label: str) -> TrainedModel:
    label = _label(data, label_column, module_label, required=False) if label_column else None
    if label is None:
        label = role_label(_columns_with_roles(data))
    features = _features(data, label, feature_columns, module_label, numeric_only=True)
    if not column_list(feature_columns):
        left = [c.name for c in _columns_with_roles(data) if c.name not in features and c.name != label]
        if left:
            ctx.log(f"features: every numeric column; left out {len(left)} others: " + ", ".join(map(repr, left[:20])))
    if len(data) == 0:
        raise ValueError(f"{module_label}: the training dataset has no rows")
    estimator, _ = prepared_estimator(ctx, learner)
    model = TrainedModel(estimator, label, features, task, learner_name=learner.name)
    X = model.feature_frame(data, module=module_label)
    ctx.log(f"fitting {type(estimator).__name__} ({task}) on {len(X)} rows, {len(features)} features")
    ctx.progress(0.05, f"fitting {type(estimator).__name__} on {len(X)} rows")
    fit_logged(ctx, estimator, X, None, start=0.05, end=0.9)
    ctx.metric("training_rows", len(X))
    return model


# -- Score Model, Assign Data to Clusters ---------------------------------------------------------------
def _score_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any],
                  upstream: Mapping[str, Upstream] | None = None) -> Mapping[str, Schema | None]:
    """The input columns plus what the model adds, by the task of the learner upstream: a two-class
    model's `scored_label` (of the label's type) and `scored_probability`, a regressor's number (and
    quantiles), an anomaly detector's 0/1 and score, a clustering model's assignments and distances.
    A multiclass model's columns (one per class) are only known once it is trained. With no learner
    in sight, `scored_label` only, as a number."""
    trained = inputs.get("model") or ()
    label = next((c for c in trained if c.role == "label"), None)
    return {"data": _with_scores(inputs.get("data"), scored_columns(upstream_learner(upstream, "model"), label))}


def _score_check(design: Design) -> list[Violation]:
    """The scored rows hold every feature the model was trained on, as numbers."""
    trained, schema = design.inputs.get("model"), design.inputs.get("data")
    if not trained or schema is None:
        return []
    by_name = {c.name: c for c in schema}
    out = []
    for feature in (c for c in trained if c.role == "feature"):
        column = by_name.get(feature.name)
        if column is None:
            out.append(Violation(f"feature column {feature.name!r}, which the model was trained on, is not in the "
                                 "input", port="data", column=feature.name, code="missing_column",
                                 hint="give Score Model rows with the same columns as the training rows"))
        elif column.dtype not in NUMERIC_DTYPES:
            out.append(Violation(f"{describe(column)}: the model needs it as numbers", port="data",
                                 column=feature.name, hint="transform these rows as the training rows were "
                                 "(Apply Transformation)"))
    return out


@module(
    "score_model", "1", "Score Model", SCORING,
    inputs=[Port("model", PortType.MODEL, "Trained model"), Port("data", PortType.DATAFRAME, "Dataset")],
    outputs=[Port("data", PortType.DATAFRAME, "Scored dataset")],
    infer_schema=_score_schema,
    check=_score_check,
)
def score_model(ctx: Any, *, model: TrainedModel, data: pd.DataFrame) -> pd.DataFrame:
    """The input rows plus the model's scores: `scored_label`; for two classes `scored_probability`
    (of the larger class); for more, `scored_probability` (of the scored label) and one
    `scored_probability_<class>` column per class; a quantile regressor's `scored_quantile_<q>`; an
    anomaly detector's `scored_label` (1: anomaly) and `scored_probability`; a clustering model's
    `assignments` and distances."""
    if not isinstance(model, TrainedModel):
        raise TypeError(f"Score Model: the model input is not a trained model (got {type(model).__name__})")
    scored = score_with_progress(ctx, model, data)
    ctx.log(f"scored {len(scored)} rows with {type(model.estimator).__name__} ({model.kind})")
    return scored


def _assign_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any],
                   upstream: Mapping[str, Upstream] | None = None) -> Mapping[str, Schema | None]:
    learner = upstream_learner(upstream, "model")
    added = scored_columns(learner, None) if learner is not None and learner.spec.task == "clustering" else None
    if added is None or inputs.get("data") is None:
        return {"data": None}
    return {"data": _with_scores(inputs["data"], added) if params.get("append", True) else added}


@module(
    "assign_data_to_clusters", "1", "Assign Data to Clusters", SCORING,
    inputs=[Port("model", PortType.MODEL, "Trained model"), Port("data", PortType.DATAFRAME, "Dataset")],
    outputs=[Port("data", PortType.DATAFRAME, "Results dataset")],
    params=[Param("append", ParamKind.BOOL, "Append to the input", default=True,
                  help="On: the input columns plus the assignments; off: the assignments and distances only.")],
    infer_schema=_assign_schema,
)
def assign_data_to_clusters(ctx: Any, *, model: TrainedModel, data: pd.DataFrame, append: bool = True) -> pd.DataFrame:
    """Each row's cluster (`assignments`) under a trained clustering model, and its distance to
    every centroid (`distance_to_centroid_<i>`)."""
    if not isinstance(model, TrainedModel) or model.kind != "clustering":
        what = model.kind if isinstance(model, TrainedModel) else type(model).__name__
        raise TypeError(f"Assign Data to Clusters: the model input is not a trained clustering model (got {what}); "
                        "use Score Model for other models")
    scored = score_with_progress(ctx, model, data)
    if not append:
        scored = scored[[c for c in scored.columns if c not in data.columns]].copy()
    ctx.log(f"assigned {len(scored)} rows to {scored[ASSIGNMENTS].nunique()} clusters")
    return scored


# -- Cross Validate Model ---------------------------------------------------------------------------------
MAX_FOLDS = 100


def _cv_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any],
               upstream: Mapping[str, Upstream] | None = None) -> Mapping[str, Schema | None]:
    """The scored rows as Score Model's, plus the fold; the metrics by fold depend on what was scored."""
    schema = inputs.get("data")
    learner = upstream_learner(upstream, "learner")
    if schema is None or learner is None or learner.spec.task not in SUPERVISED:
        return {"data": None, "evaluation": None}
    label_name = single_column(params.get("label_column")) or role_label(list(schema))
    label = next((c for c in schema if c.name == label_name), None)
    scored = _with_scores(schema, scored_columns(learner, label))
    if scored is None:
        return {"data": None, "evaluation": None}
    chosen = single_column(params.get("fold_column"))
    by_name = {c.name: c for c in schema}
    fold = "fold" if "fold" not in by_name or chosen == "fold" else "cv_fold"
    dtype = by_name[chosen].dtype if chosen in by_name else "int"
    return {"data": (*(c for c in scored if c.name != fold), Column(fold, dtype)), "evaluation": None}


@module(
    "cross_validate_model", "1", "Cross Validate Model", TRAINING,
    inputs=[_LEARNER_IN, Port("data", PortType.DATAFRAME, "Dataset")],
    outputs=[Port("data", PortType.DATAFRAME, "Scored results",
                  help="Every row scored by the model trained without its fold, with its `fold`."),
             Port("evaluation", PortType.DATAFRAME, "Evaluation results by fold",
                  help="The metrics of each fold, then their mean and standard deviation.")],
    params=[_label_param("The column to predict. Empty: the column Edit Metadata marked as the label."),
            _features_param("Empty: every other column (but those Edit Metadata made labels, scores or weights)."),
            Param("folds", ParamKind.INT, "Number of folds", default=10, min=2, max=MAX_FOLDS,
                  help="Rows are dealt into this many folds at random (by class, for a classifier)."),
            Param("fold_column", ParamKind.COLUMNS, "Fold column", port="data", multiple=False, required=False,
                  dtypes=("int", "string", "category", "bool"),
                  help="Use these folds instead (Partition and Sample's assign to folds); overrides the number."),
            Param("stratify", ParamKind.BOOL, "Stratify by class", default=True,
                  help="A classifier's folds keep the class proportions of the whole."),
            Param("seed", ParamKind.INT, "Random seed", default=0, min=0, max=2**32 - 1)],
    infer_schema=_cv_schema,
    check=_supervised_check("Cross Validate Model"),
)
def cross_validate_model(ctx: Any, *, learner: Any, data: pd.DataFrame, label_column: str | None = None,
                         feature_columns: list[str] | None = None, folds: int = 10, fold_column: str | None = None,
                         stratify: bool = True, seed: int = 0) -> dict[str, Any]:
    """Train the learner k times, each time without one fold, score that fold with it, and measure
    each fold as Evaluate Model does; the learner is seeded by the run, the folds by `seed`."""
    learner = _learner(learner, "Cross Validate Model", SUPERVISED)
    label = _label(data, label_column, "Cross Validate Model")
    features = _features(data, label, feature_columns, "Cross Validate Model")
    y = data[label]
    task = "regression" if learner.task == "regression" else classes_task(learner, y, label, "Cross Validate Model")
    if task == "regression" and not is_numeric_series(y):
        raise ValueError(f"Cross Validate Model: label column {label!r} holds {dtype_kind(y.dtype)} values; a "
                         "regression learner predicts numbers")
    fold_of = _assign_folds(ctx, data, y, task, folds, single_column(fold_column), stratify, seed)
    names = _sorted(pd.unique(fold_of))
    parts, table, span = [], [], 0.9 / len(names)
    for i, fold in enumerate(names):
        held = (fold_of == fold).to_numpy()
        train_rows, test_rows = data.iloc[np.flatnonzero(~held)], data.iloc[np.flatnonzero(held)]
        if len(train_rows) == 0:
            raise ValueError(f"Cross Validate Model: fold {fold} holds every row; at least two folds must have rows")
        if task != "regression" and train_rows[label].nunique() < 2:
            raise ValueError(f"Cross Validate Model: without fold {fold} the label {label!r} has one class only")
        estimator, _ = prepared_estimator(ctx, learner)
        model = TrainedModel(estimator, label, features, task, learner_name=learner.name)
        X = model.feature_frame(train_rows, module="Cross Validate Model")
        fit_logged(ctx, estimator, X, train_rows[label], start=0.05 + i * span, end=0.05 + (i + 0.8) * span)
        part = model.predict_frame(test_rows).reset_index(drop=True)
        scored = pd.concat([test_rows[[label]].reset_index(drop=True), part], axis=1)
        part.index = np.flatnonzero(held)  # positions in the input, whatever its index
        parts.append(part)
        metrics = evaluate_frame(scored, label_column=label, seed=seed, curves=False)
        table.append({"fold": str(fold), "rows": int(held.sum()), **_scalars(metrics)})
        ctx.progress(0.05 + (i + 1) * span, f"fold {i + 1} of {len(names)}")
    added = pd.concat(parts).sort_index()
    fold_name = "fold" if "fold" not in data.columns or single_column(fold_column) == "fold" else "cv_fold"
    # as Score Model: the scores (and the fold) go last, replacing columns of the same name
    out = data[[c for c in data.columns if c not in added.columns and c != fold_name]].copy(deep=False)
    for name in added.columns:
        out[name] = added[name].to_numpy()
    out[fold_name] = fold_of.to_numpy()
    evaluation = _fold_table(table)
    for name in evaluation.columns[2:]:
        mean = evaluation.iloc[-2][name]
        if pd.notna(mean):
            ctx.metric(f"mean_{name}", float(mean))
    ctx.log(f"cross-validated {type(learner.estimator).__name__} ({task}) over {len(names)} folds of {len(data)} rows")
    ctx.progress(1.0, "cross-validated")
    return {"data": out, "evaluation": evaluation}


def _assign_folds(ctx: Any, data: pd.DataFrame, y: pd.Series, task: str, folds: int, fold_column: str | None,
                  stratify: bool, seed: int) -> pd.Series:
    from sklearn.model_selection import KFold, StratifiedKFold

    if fold_column is not None:
        require_columns(data, [fold_column], what="fold column")
        values = data[fold_column]
        if values.isna().any():
            raise ValueError(f"Cross Validate Model: fold column {fold_column!r} has {int(values.isna().sum())} "
                             "missing values")
        count = values.nunique()
        if not 2 <= count <= MAX_FOLDS:
            raise ValueError(f"Cross Validate Model: fold column {fold_column!r} holds {count} folds; "
                             f"between 2 and {MAX_FOLDS} are needed")
        ctx.log(f"folds from column {fold_column!r}: {count}")
        return values.copy()
    if not 2 <= folds <= MAX_FOLDS:
        raise ValueError(f"Cross Validate Model: param 'folds' must be from 2 to {MAX_FOLDS}; got {folds}")
    if len(data) < folds:
        raise ValueError(f"Cross Validate Model: {len(data)} rows cannot make {folds} folds")
    splitter: Any = KFold(n_splits=folds, shuffle=True, random_state=seed)
    if task != "regression" and stratify:
        smallest = int(y.value_counts().min())
        if smallest >= folds:
            splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        else:
            ctx.log(f"folds not stratified: a class of {y.name!r} has {smallest} rows, fewer than {folds} folds")
    assigned = np.empty(len(data), dtype=np.int64)
    for k, (_, test) in enumerate(splitter.split(np.zeros(len(data)), y)):
        assigned[test] = k
    return pd.Series(assigned, index=data.index)


def _scalars(metrics: Mapping[str, Any]) -> dict[str, float]:
    skip = ("rows", "classes", "positive_class", "threshold")
    return {k: float(v) if v is not None else np.nan for k, v in metrics.items()
            if k not in skip and (v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)))}


def _fold_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    table = pd.DataFrame(rows)
    numbers = table.drop(columns=["fold"]).astype(np.float64)
    summary = pd.DataFrame([{"fold": "mean", **numbers.mean().to_dict()}, {"fold": "std", **numbers.std().to_dict()}])
    out = pd.concat([table, summary], ignore_index=True)
    out["rows"] = out["rows"].astype(np.float64)
    return out
