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


def passthrough_chain(count: int) -> dict[str, Any]:
    """iris -> p1 -> p2 -> ... (`count` nodes in all). Every pass-through has the key of the one
    before it (same module, same input bytes), so even a first run launches only two steps."""
    nodes = [node("data", "sample_dataset", name="iris")]
    nodes += [node(f"p{i}", "passthrough") for i in range(1, count)]
    edges = [edge(nodes[i - 1]["id"], "data", nodes[i]["id"], "data") for i in range(1, count)]
    return document(nodes, edges, name=f"chain of {count}")


def passthrough_fan(count: int) -> dict[str, Any]:
    """iris -> `count - 1` pass-throughs side by side."""
    nodes = [node("data", "sample_dataset", name="iris")]
    nodes += [node(f"p{i}", "passthrough") for i in range(1, count)]
    edges = [edge("data", "data", f"p{i}", "data") for i in range(1, count)]
    return document(nodes, edges, name=f"fan of {count}")


def passthrough_broom(count: int) -> dict[str, Any]:
    """iris -> p1 -> `count - 2` pass-throughs side by side. Every pass-through has p1's key (same
    module, same input bytes), so even a first run launches two steps and reuses the rest."""
    nodes = [node("data", "sample_dataset", name="iris"), node("p1", "passthrough")]
    nodes += [node(f"p{i}", "passthrough") for i in range(2, count)]
    edges = [edge("data", "data", "p1", "data")] + [edge("p1", "data", f"p{i}", "data") for i in range(2, count)]
    return document(nodes, edges, name=f"broom of {count}")
