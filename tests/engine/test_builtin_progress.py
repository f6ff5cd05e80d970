"""A run on the real engine: Import Data, Train Model and Score Model report their progress as
`step.progress` events, in order, ending at 1."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from sklearn.datasets import load_breast_cancer

from designer.selectors import dataset_resolver
from designer.services import dataset_create, version_snapshot
from engine import services
from engine.models import RunEvent
from tests.conftest import wait_for_run

from .graphs import document, edge, node

pytestmark = pytest.mark.django_db(transaction=True)


def cancer_pipeline() -> dict:
    return document(
        [node("data", "import_data", dataset={"name": "cancer", "version": None}),
         node("split", "split_data", fraction=0.7, seed=1),
         node("learner", "logistic_regression", max_iter=5000),
         node("train", "train_model", label_column="target"),
         node("score", "score_model"),
         node("evaluate", "evaluate_model", label_column="target")],
        [edge("data", "data", "split", "data"), edge("learner", "learner", "train", "learner"),
         edge("split", "train", "train", "data"), edge("train", "model", "score", "model"),
         edge("split", "test", "score", "data"), edge("score", "data", "evaluate", "data")],
    )


def test_import_train_and_score_report_progress_during_a_run(engine, workspace, user):
    csv = load_breast_cancer(as_frame=True).frame.to_csv(index=False).encode()
    dataset_create(workspace=workspace, user=user, name="cancer", file=SimpleUploadedFile("cancer.csv", csv))
    version = version_snapshot(workspace=workspace, user=None, document=cancer_pipeline(), name="progress")
    run = services.run_submit(workspace=workspace, version=version, resolve_dataset=dataset_resolver(workspace=workspace))
    run = wait_for_run(run.id, timeout=120)
    assert run.status == "succeeded", run.error

    progress: dict[str, list[float]] = {}
    for payload in RunEvent.objects.filter(run=run, type="step.progress").values_list("payload", flat=True):
        progress.setdefault(payload["node"], []).append(payload["fraction"])
        assert isinstance(payload["message"], str) and payload["message"]
    assert {"data", "train", "score"} <= set(progress)
    for node_id in ("data", "train", "score"):
        fractions = progress[node_id]
        assert fractions == sorted(fractions) and fractions[-1] == 1.0, (node_id, fractions)
    assert len(progress["train"]) >= 3, "start of the fit, after it, trained"
