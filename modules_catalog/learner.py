"""What flows on an UntrainedModel port: an unfitted estimator, the task it is for, and (in Azure's
"parameter range" mode) the values Tune Model Hyperparameters may sweep."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Learner:
    estimator: Any  # an unfitted scikit-learn-style estimator (fit / predict [/ predict_proba])
    task: str  # modules_catalog.spec.TASKS
    # parameter range mode: estimator param name -> the values to try; empty in single-parameter mode
    sweep: dict[str, list[Any]] = field(default_factory=dict)
    name: str = ""  # the module's label, for logs and errors ("Two-Class Boosted Decision Tree")

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        return self.estimator.get_params(deep=deep)

    def __repr__(self) -> str:
        sweep = f", sweep={sorted(self.sweep)}" if self.sweep else ""
        return f"Learner({self.name or type(self.estimator).__name__}, task={self.task!r}{sweep})"


def as_learner(value: Any) -> Learner:
    """A Learner from what arrived on an UntrainedModel port: a Learner as is, or a bare estimator
    (older pipelines' outputs) with its task read from scikit-learn's estimator type."""
    if isinstance(value, Learner):
        return value
    if not hasattr(value, "fit"):
        raise TypeError(f"the learner input is not an untrained model (got {type(value).__name__})")
    from sklearn.base import is_classifier, is_regressor

    if is_classifier(value):
        task = "multiclass"
    elif is_regressor(value):
        task = "regression"
    elif getattr(value, "_estimator_type", None) == "clusterer":
        task = "clustering"
    else:
        task = "anomaly" if getattr(value, "_estimator_type", None) == "outlier_detector" else "regression"
    return Learner(value, task, name=type(value).__name__)
