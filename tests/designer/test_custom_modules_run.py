"""Runs of pipelines using a custom module on the real engine: its step loads the stored file in a
process of its own, its content hash keys reuse, and a missing package or a changed file fails the
step with a message that says so."""
from __future__ import annotations

import hashlib
import os

import pandas as pd
import pytest
from django.conf import settings
from sklearn.datasets import load_iris

from engine.datastore import Datastore
from engine.models import Run
from tests.conftest import wait_for_run
from tests.designer.test_custom_modules_api import SCALE, draft_of, pipeline, registered, scale

pytestmark = pytest.mark.django_db(transaction=True)


def run_of(api, draft: int, **body) -> dict:
    response = api.post(f"/api/v1/drafts/{draft}/submit/", body, format="json")
    assert response.status_code == 201, response.json()
    run_id = response.json()["run"]["id"]
    wait_for_run(run_id, timeout=120)
    return {s["node"]: s for s in api.get(f"/api/v1/runs/{run_id}/steps/").json()["results"]} | {"id": run_id}


def output_frame(api, run_id: int, node: str) -> pd.DataFrame:
    ref = api.get(f"/api/v1/runs/{run_id}/steps/{node}/outputs/data/").json()
    return Datastore(settings.DATASTORE_ROOT).load(ref["digest"], "DataFrame")


def test_a_pipeline_runs_a_custom_module_and_its_content_hash_keys_reuse(engine, api, workspace):
    (v1,) = registered(api, scale("1", factor=2.0))
    draft = draft_of(api, workspace, pipeline("1"))  # factor 10 on sepal length
    steps = run_of(api, draft)
    assert steps["scale"]["status"] == "succeeded", api.get(f"/api/v1/runs/{steps['id']}/steps/scale/").json()
    iris = load_iris(as_frame=True).frame
    expected = iris.copy()
    expected["sepal length (cm)"] = expected["sepal length (cm)"] * 10.0
    got = output_frame(api, steps["id"], "scale")
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False)
    # the step ran as user code, its source hash is the SHA-256 of the stored file
    (planned,) = [s for s in Run.objects.get(pk=steps["id"]).plan["steps"] if s["node_id"] == "scale"]
    assert planned["user_code"] is True and planned["source_hash"] == v1["content_hash"] == planned["code"]

    again = run_of(api, draft)
    assert again["scale"]["status"] == "cached"
    assert again["scale"]["outputs"]["data"]["digest"] == steps["scale"]["outputs"]["data"]["digest"]
    plan = api.post(f"/api/v1/drafts/{draft}/plan/", {}, format="json").json()
    assert {p["node"]: p["action"] for p in plan}["scale"] == "reuse"

    # version 2 has other code: the same node pinned to it is not reused, and runs v2's code
    source = SCALE.format(version="2", factor=2.0).replace("out[columns] * factor", "out[columns] * factor + 1")
    registered(api, source.encode())
    doc = pipeline("2")
    api.patch(f"/api/v1/drafts/{draft}/", {"document": doc}, format="json")
    plan = api.post(f"/api/v1/drafts/{draft}/plan/", {}, format="json").json()
    assert {p["node"]: p["action"] for p in plan}["scale"] == "run"
    third = run_of(api, draft)
    got = output_frame(api, third["id"], "scale")
    assert got["sepal length (cm)"].tolist() == pytest.approx((iris["sepal length (cm)"] * 10.0 + 1).tolist())


def test_a_missing_declared_package_fails_the_step_with_a_clear_message(engine, api, workspace):
    source = SCALE.format(version="1", factor=2.0).replace(
        'label="Factor")])', 'label="Factor")],\n        requires=["no-such-dist-xyz>=1"])')
    registered(api, source.encode())
    steps = run_of(api, draft_of(api, workspace, pipeline("1")))
    assert steps["data"]["status"] == "succeeded" and steps["scale"]["status"] == "failed"
    detail = api.get(f"/api/v1/runs/{steps['id']}/steps/scale/").json()
    message = str(detail)
    assert "scale_columns@1 needs Python packages" in message and "no-such-dist-xyz>=1 (not installed)" in message


def test_a_stored_file_changed_behind_the_designer_is_refused_by_its_step(engine, api, workspace):
    (v1,) = registered(api, scale("1"))
    path = os.path.join(settings.DATASTORE_ROOT, "modules", v1["content_hash"], "source.py")
    with open(path, "ab") as fh:
        fh.write(b"\nprint('tampered')\n")
    assert hashlib.sha256(open(path, "rb").read()).hexdigest() != v1["content_hash"]
    steps = run_of(api, draft_of(api, workspace, pipeline("1")))
    assert steps["scale"]["status"] == "failed"
    assert "do not match their SHA-256" in str(api.get(f"/api/v1/runs/{steps['id']}/steps/scale/").json())


LEARNER = '''"""A linear regression whose predictions are shifted by a constant."""
from sklearn.linear_model import LinearRegression

from modules_catalog.learner import Learner
from modules_catalog.spec import module, Port, PortType


class ShiftedRegression(LinearRegression):
    def __init__(self, shift=100.0, fit_intercept=True):
        super().__init__(fit_intercept=fit_intercept)
        self.shift = shift

    def predict(self, X):
        return super().predict(X) + self.shift


@module("shifted_regression", "1", "Shifted Regression", "Machine Learning Algorithms",
        outputs=[Port("learner", PortType.UNTRAINED_MODEL, label="Untrained model")], task="regression")
def shifted_regression(ctx):
    return Learner(ShiftedRegression(), "regression", name="Shifted Regression")
'''


def test_a_custom_learner_is_trained_and_scored_by_the_builtins_in_processes_of_their_own(engine, api, workspace):
    from tests.engine.graphs import iris_regression

    registered(api, LEARNER.encode())
    builtin = iris_regression()
    custom = iris_regression()
    (learner,) = [n for n in custom["nodes"] if n["id"] == "learner"]
    learner.update(module="shifted_regression", version="1", params={})
    runs = {}
    for name, doc in (("builtin", builtin), ("custom", custom)):
        runs[name] = run_of(api, draft_of(api, workspace, doc))
        assert {s: runs[name][s]["status"] for s in ("train", "score")} == {"train": "succeeded", "score": "succeeded"}, \
            api.get(f"/api/v1/runs/{runs[name]['id']}/steps/train/").json()
    plan = {s["node_id"]: s for s in Run.objects.get(pk=runs["custom"]["id"]).plan["steps"]}
    assert plan["train"]["user_code"] and plan["score"]["user_code"]  # what a custom learner made is user code
    ours, theirs = output_frame(api, runs["custom"]["id"], "score"), output_frame(api, runs["builtin"]["id"], "score")
    assert list(ours.columns) == list(theirs.columns)
    numeric = theirs.select_dtypes("number").columns
    shifted = [c for c in numeric if not (ours[c] - theirs[c]).abs().lt(1e-9).all()]
    assert len(shifted) == 1 and (ours[shifted[0]] - theirs[shifted[0]]).tolist() == pytest.approx([100.0] * len(ours))
