"""The run and step endpoints answer exactly what their serializers document (the OpenAPI schema the
TypeScript client is generated from), and every event carries the server's time as `ts`."""
from __future__ import annotations

from datetime import datetime

import pytest

from designer.api.runs import (EventSerializer, RunDetailSerializer, RunSnapshotSerializer, StepBriefSerializer,
                               StepDetailSerializer)
from tests.conftest import wait_for_run
from tests.engine.graphs import edge, iris_regression, script_node

pytestmark = pytest.mark.django_db(transaction=True)


def conforms(serializer_class, body: dict, *, exact: bool = True) -> None:
    """`body` is valid for the serializer, and holds no field it does not document (all of them
    when `exact`)."""
    serializer = serializer_class(data=body)
    assert serializer.is_valid(), serializer.errors
    documented = set(serializer_class().fields)
    assert set(body) <= documented, set(body) - documented
    if exact:
        assert set(body) == documented, documented - set(body)


@pytest.fixture
def finished_run(engine, api, workspace):
    """iris_regression (Train Model reports metrics and progress) and a script that prints."""
    script = ("def azureml_main(dataframe1=None, dataframe2=None):\n"
              "    print('hello')\n"
              "    return dataframe1,\n")
    doc = iris_regression()
    doc["nodes"].append(script_node("script", script))
    doc["edges"].append(edge("data", "data", "script", "dataset1"))
    draft = api.post("/api/v1/drafts/", {"workspace": workspace.slug, "name": "Typed", "document": doc},
                     format="json").json()
    body = api.post(f"/api/v1/drafts/{draft['id']}/submit/", {"experiment": "typed"}, format="json").json()
    run = wait_for_run(body["run"]["id"], timeout=90)
    assert run.status == "succeeded", run.error
    return run.id


def test_a_snapshot_and_a_cancel_answer_as_the_run_snapshot_serializer_says(finished_run, api):
    snapshot = api.get(f"/api/v1/runs/{finished_run}/").json()
    conforms(RunDetailSerializer, snapshot)
    assert [n["id"] for n in snapshot.pop("source_document")["nodes"]][-1] == "script"
    conforms(RunSnapshotSerializer, snapshot)
    assert snapshot["experiment"] == "typed" and snapshot["created_by"] == "ada" and snapshot["version_name"] == "Typed"
    for step in snapshot["steps"]:
        conforms(StepBriefSerializer, step, exact=False)
    conforms(RunSnapshotSerializer, api.post(f"/api/v1/runs/{finished_run}/cancel/").json())
    page = api.get(f"/api/v1/runs/{finished_run}/steps/").json()
    assert page["results"] == snapshot["steps"]


def test_a_step_detail_answers_as_the_step_detail_serializer_says(finished_run, api):
    details = {}
    for node_id in ("data", "split", "train", "score", "evaluate", "script", "learner"):
        details[node_id] = api.get(f"/api/v1/runs/{finished_run}/steps/{node_id}/").json()
        conforms(StepDetailSerializer, details[node_id])
    assert {m["name"] for m in details["train"]["metrics"]} >= {"training_rows", "training_score"}
    assert "hello" in details["script"]["log"]
    assert details["script"]["attempts"][0]["status"] == "succeeded"


def test_every_stored_event_documents_its_fields_and_carries_ts_the_same_instant_as_at(finished_run, api):
    events = api.get(f"/api/v1/runs/{finished_run}/events/").json()["results"]
    assert {e["type"] for e in events} >= {"run.status", "step.status", "step.log", "step.metric", "step.progress"}
    for event in events:
        conforms(EventSerializer, event, exact=False)
        at = datetime.fromisoformat(event["at"].replace("Z", "+00:00"))
        assert event["ts"] == pytest.approx(at.timestamp() * 1000, abs=0.01)
    times = [e["ts"] for e in events]
    assert times == sorted(times)  # recorded in seq order


def test_the_openapi_schema_names_a_serializer_for_every_run_and_step_answer():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]

    def answer(path: str, method: str = "get") -> dict:
        return paths[path][method]["responses"]["200"]["content"]["application/json"]["schema"]

    assert answer("/api/v1/runs/{run_id}/")["$ref"].endswith("/RunDetail")
    assert answer("/api/v1/runs/{run_id}/cancel/", "post")["$ref"].endswith("/RunSnapshot")
    assert answer("/api/v1/runs/{run_id}/steps/{node_id}/")["$ref"].endswith("/StepDetail")
    assert answer("/api/v1/runs/{run_id}/steps/{node_id}/outputs/{port}/")["$ref"].endswith("/Artifact")
    assert answer("/api/v1/runs/{run_id}/events/")["$ref"].endswith("/RunEventPage")
    assert answer("/api/v1/drafts/{draft_id}/schemas/")["$ref"].endswith("/DraftSchemas")
    assert answer("/api/v1/experiments/")["$ref"].endswith("/ExperimentList")
