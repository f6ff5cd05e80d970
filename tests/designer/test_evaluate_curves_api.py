"""The results panel reads Evaluate Model's chart points where it reads its metrics: the step's
Metrics output (`meta.metrics`, StepOutputApi), stored as JSON without NaN or Infinity."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer.services import version_snapshot
from engine import services
from tests.conftest import wait_for_run

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
pytestmark = pytest.mark.django_db(transaction=True)


def run_sample(workspace, name: str):
    document = json.loads((SAMPLES / name).read_text())
    version = version_snapshot(workspace=workspace, user=None, document=document, name=name)
    run = wait_for_run(services.run_submit(workspace=workspace, version=version).id, timeout=120)
    assert run.status == "succeeded", run.error
    return run


def metrics_of(api, run, node_id: str) -> dict:
    response = api.get(f"/api/v1/runs/{run.id}/steps/{node_id}/outputs/metrics/")
    assert response.status_code == 200, response.content
    json.loads(response.content, parse_constant=lambda c: pytest.fail(f"{c} in the metrics JSON"))
    return response.json()["meta"]["metrics"]


def test_a_classifier_runs_metrics_carry_roc_pr_and_the_confusion_matrix(engine, api, workspace):
    metrics = metrics_of(api, run_sample(workspace, "breast_cancer_classifier.json"), "evaluate")
    roc, pr = metrics["curves"]["roc"], metrics["curves"]["pr"]
    assert len(roc["fpr"]) == len(roc["tpr"]) == len(roc["thresholds"]) >= 2
    assert len(pr["recall"]) == len(pr["precision"]) == len(pr["thresholds"]) >= 2
    assert roc["auc"] == pytest.approx(metrics["roc_auc"]) and 0 < pr["average_precision"] <= 1
    assert metrics["confusion_matrix"]["labels"] == [0, 1]
    assert sum(map(sum, metrics["confusion_matrix"]["matrix"])) == metrics["rows"]


def test_a_regressor_runs_metrics_carry_actual_and_predicted_points(engine, api, workspace):
    metrics = metrics_of(api, run_sample(workspace, "diabetes_regression.json"), "evaluate")
    residuals = metrics["curves"]["residuals"]
    assert len(residuals["actual"]) == len(residuals["predicted"]) == metrics["rows"]
    assert {"mae", "rmse", "r2"} <= set(metrics)
