"""Small graph documents built from the built-in modules, for engine and API tests."""
from __future__ import annotations

from typing import Any

from engine.documents import document, edge, node  # noqa: F401  (re-exported for the tests)


def iris_regression(fraction: float = 0.7) -> dict[str, Any]:
    """iris -> split -> train linear regression on petal width -> score -> evaluate."""
    return document(
        [node("data", "sample_dataset", name="iris"),
         node("split", "split_data", fraction=fraction, seed=1),
         node("learner", "linear_regression"),
         node("train", "train_model", label_column="target"),
         node("score", "score_model"),
         node("evaluate", "evaluate_model", label_column="target")],
        [edge("data", "data", "split", "data"), edge("learner", "learner", "train", "learner"),
         edge("split", "train", "train", "data"), edge("train", "model", "score", "model"),
         edge("split", "test", "score", "data"), edge("score", "data", "evaluate", "data")],
    )


def script_node(id: str, script: str, **extra: Any) -> dict[str, Any]:
    return {**node(id, "execute_python_script", script=script), **extra}
