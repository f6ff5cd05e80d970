"""Every sample pipeline (samples/*.json, loaded by `make run`) is built from built-ins only, runs
green out of the box on the real engine, and its evaluation says the model learned something."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer.services import version_snapshot
from engine import services
from engine.datastore import open_datastore
from modules_catalog.registry import load_builtins
from tests.conftest import wait_for_run

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples").glob("*.json"))
pytestmark = pytest.mark.django_db(transaction=True)

# what the sample's Evaluate Model must show (out of the box, on the bundled data)
EXPECT = {
    "penguin_sex_binary_classification": lambda m: m["accuracy"] > 0.85 and m["roc_auc"] > 0.9,
    "wine_multiclass_classification": lambda m: m["accuracy"] > 0.9 and m["comparison"],
    "diabetes_tuned_regression": lambda m: m["r2"] > 0.2,
    "breast_cancer_cross_validation": lambda m: m["accuracy"] > 0.9,
    "sklearn_docs_text_classification": lambda m: m["accuracy"] > 0.5,
    "iris_clustering": lambda m: m["task"] == "clustering",
}


def test_there_are_at_least_six_samples_for_the_kinds_of_work_azure_shows():
    names = {p.stem for p in SAMPLES}
    assert set(EXPECT) <= names and len(names) >= 6


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_a_sample_is_built_from_builtins_and_runs_green(path, engine, workspace):
    doc = json.loads(path.read_text())
    builtins = {s.key for s in load_builtins() if s.fn.__module__.startswith("modules_catalog.builtins.")}
    assert {node["module"] for node in doc["nodes"]} <= builtins
    version = version_snapshot(workspace=workspace, user=None, document=doc, name=path.stem)
    run = wait_for_run(services.run_submit(workspace=workspace, version=version).id, timeout=300)
    failed = {s.node_id: s.error for s in run.steps.exclude(status="succeeded")}
    assert run.status == "succeeded", (run.error, failed)
    check = EXPECT.get(path.stem)
    if check is not None:
        step = run.steps.get(module="evaluate_model")
        metrics = open_datastore().load(step.outputs["metrics"]["digest"], "Metrics")
        assert check(metrics), {k: v for k, v in metrics.items() if not isinstance(v, (dict, list))}
