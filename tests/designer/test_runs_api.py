"""Submitting, planning and following runs over REST on the real engine, and reading step outputs."""
from __future__ import annotations

import io
import time

import pandas as pd
import pytest
from django.db import transaction
from sklearn.datasets import load_iris

from tests.conftest import wait_for_run
from tests.engine.graphs import document, iris_regression, node

pytestmark = pytest.mark.django_db(transaction=True)


def submit(api, draft_id: int, **body) -> dict:
    response = api.post(f"/api/v1/drafts/{draft_id}/submit/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def finished(api, run_id: int) -> dict:
    assert wait_for_run(run_id, timeout=90).status
    return api.get(f"/api/v1/runs/{run_id}/").json()


def test_submitting_a_draft_snapshots_a_version_and_runs_it(engine, api, draft, iris_pick):
    body = submit(api, draft["id"])
    assert body["run"]["status"] in ("queued", "running") and body["version"]["name"] == "Iris"
    run = finished(api, body["run"]["id"])
    assert run["status"] == "succeeded"
    assert {s["node"]: s["status"] for s in run["steps"]} == {"data": "succeeded", "pick": "succeeded"}
    version = api.get(f"/api/v1/versions/{body['version']['id']}/").json()
    assert version["draft"] == draft["id"] and [n["id"] for n in version["document"]["nodes"]] == ["data", "pick"]
    assert "position" not in version["document"]["nodes"][0]


def test_an_unchanged_draft_submitted_again_reuses_its_version_and_every_step(engine, api, draft):
    first = submit(api, draft["id"])
    finished(api, first["run"]["id"])
    second = submit(api, draft["id"])
    assert second["version"]["id"] == first["version"]["id"]
    run = finished(api, second["run"]["id"])
    assert {s["status"] for s in run["steps"]} == {"cached"}
    assert api.get("/api/v1/versions/").json()["count"] == 1


def test_the_plan_says_what_would_run_and_what_would_be_reused(engine, api, draft):
    plan = api.post(f"/api/v1/drafts/{draft['id']}/plan/", {}, format="json").json()
    assert [(p["node"], p["action"]) for p in plan] == [("data", "run"), ("pick", "run")]
    finished(api, submit(api, draft["id"])["run"]["id"])
    plan = api.post(f"/api/v1/drafts/{draft['id']}/plan/", {}, format="json").json()
    assert [(p["node"], p["action"]) for p in plan] == [("data", "reuse"), ("pick", "reuse")]
    assert all(p["cache_key"] and p["reason"] for p in plan)
    forced = api.post(f"/api/v1/drafts/{draft['id']}/plan/", {"force": True}, format="json").json()
    assert {p["action"] for p in forced} == {"run"}


def test_an_invalid_draft_is_not_submitted_and_its_errors_point_at_the_places(engine, api, draft, iris_pick):
    broken = dict(iris_pick, edges=[])
    api.put(f"/api/v1/drafts/{draft['id']}/", {"name": "Iris", "document": broken}, format="json")
    for url in (f"/api/v1/drafts/{draft['id']}/submit/", f"/api/v1/drafts/{draft['id']}/plan/"):
        response = api.post(url, {}, format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0] | {"message": ""} == {
            "code": "missing_input", "message": "", "node": "pick", "edge": None, "port": "data", "param": None,
            "column": None, "hint": None}
    assert api.get("/api/v1/versions/").json()["count"] == 0
    assert api.get("/api/v1/runs/").json()["count"] == 0


def test_a_version_is_submitted_again_with_pipeline_parameters(engine, api, workspace):
    doc = document([node("data", "sample_dataset", name={"$param": "which"})], [],
                   parameters=[{"name": "which", "kind": "text", "default": "iris", "help": ""}])
    draft = api.post("/api/v1/drafts/", {"name": "Param", "document": doc}, format="json").json()
    first = submit(api, draft["id"])
    finished(api, first["run"]["id"])
    response = api.post(f"/api/v1/versions/{first['version']['id']}/submit/", {"params": {"which": "wine"}},
                        format="json")
    assert response.status_code == 201
    run = finished(api, response.json()["run"]["id"])
    assert run["params"] == {"which": "wine"} and run["steps"][0]["status"] == "succeeded"
    bad = api.post(f"/api/v1/versions/{first['version']['id']}/submit/", {"params": {"nope": 1}}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["param"] == "nope"


def test_versions_cannot_be_edited_or_deleted(api, engine, draft):
    version = submit(api, draft["id"])["version"]
    assert api.put(f"/api/v1/versions/{version['id']}/", {}, format="json").status_code == 405
    assert api.delete(f"/api/v1/versions/{version['id']}/").status_code == 405


def test_runs_are_listed_and_filtered_by_status_and_version(engine, api, draft):
    body = submit(api, draft["id"])
    finished(api, body["run"]["id"])
    assert api.get("/api/v1/runs/", {"status": "succeeded"}).json()["count"] == 1
    assert api.get("/api/v1/runs/", {"status": "failed"}).json()["count"] == 0
    assert api.get("/api/v1/runs/", {"version": body["version"]["id"]}).json()["results"][0]["id"] == body["run"]["id"]
    assert api.get("/api/v1/runs/", {"status": "bogus"}).status_code == 400
    assert api.get("/api/v1/runs/", {"version": "x"}).status_code == 400


def test_events_after_a_sequence_number_let_a_client_resync(engine, api, draft):
    run = finished(api, submit(api, draft["id"])["run"]["id"])
    page = api.get(f"/api/v1/runs/{run['id']}/events/", {"after": 0}).json()
    events = page["results"]
    assert page["next"] is None
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1)) and events[-1]["seq"] == run["seq"]
    assert events[-1]["type"] == "run.status" and events[-1]["status"] == "succeeded"
    assert all(e["at"] and e["run"] == run["id"] for e in events)
    tail = api.get(f"/api/v1/runs/{run['id']}/events/", {"after": run["seq"] - 1}).json()["results"]
    assert len(tail) == 1

    # pages: `next` continues where a full page stopped, until the last event
    seen, url, params = [], f"/api/v1/runs/{run['id']}/events/", {"after": 0, "limit": 2}
    while url:
        page = api.get(url, params).json()
        seen += [e["seq"] for e in page["results"]]
        url, params = page["next"], None
        assert len(seen) <= run["seq"]
    assert seen == list(range(1, run["seq"] + 1))


def test_the_events_of_a_run_page_past_a_thousand(api, draft):
    from engine import events as engine_events

    run = submit(api, draft["id"])["run"]  # no engine: nothing else writes events
    with transaction.atomic():
        for i in range(2500):
            engine_events.emit(run["id"], "step.log", {"node": "data", "text": f"{i}\n"})
    seen, url, params = [], f"/api/v1/runs/{run['id']}/events/", {"after": 0}
    while url:
        page = api.get(url, params).json()
        assert len(page["results"]) <= 1000
        seen += [e["seq"] for e in page["results"]]
        url, params = page["next"], None
    assert seen == list(range(1, 2502))


def test_the_submit_answer_is_small_and_the_steps_of_a_run_page(api, draft):
    body = submit(api, draft["id"])
    run = body["run"]
    assert set(run) == {"id", "status", "links"} and run["status"] == "queued"
    assert api.get(run["links"]["self"]).json()["id"] == run["id"]
    assert run["links"]["websocket"] == f"/ws/runs/{run['id']}/"
    first = api.get(run["links"]["steps"], {"limit": 1}).json()
    assert [s["node"] for s in first["results"]] == ["data"] and first["next"]
    second = api.get(first["next"]).json()
    assert [s["node"] for s in second["results"]] == ["pick"] and second["next"] is None
    assert second["results"][0] == {"node": "pick", "module": "select_columns", "status": "waiting", "outputs": {}}
    assert api.get(run["links"]["steps"], {"after": "ghost"}).json() == {"results": [], "next": None}
    assert api.get(run["links"]["steps"], {"after": "../x"}).status_code == 400
    assert api.get(run["links"]["events"]).json()["results"][0]["type"] == "run.status"


@pytest.mark.parametrize("raw", ["1e30", "99999999999999999999999", "9223372036854775808", "-1", "0", "1.5", " 1",
                                 "\u0661", "x" * 5000], ids=lambda v: v if len(v) <= 30 else f"{len(v)} x's")
def test_a_version_filter_that_is_not_a_bounded_positive_id_is_a_400_naming_it(api, draft, raw):
    response = api.get("/api/v1/runs/", {"version": raw})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "version" and "whole number from 1 to 9223372036854775807" in error["message"]
    assert len(error["message"]) < 200


def test_the_largest_id_a_column_holds_is_a_filter_that_finds_nothing(api, draft):
    assert api.get("/api/v1/runs/", {"version": "9223372036854775807"}).json()["count"] == 0


@pytest.mark.parametrize("params, field", [
    ({"limit": "abc"}, "limit"), ({"limit": "0"}, "limit"), ({"limit": "1001"}, "limit"),
    ({"offset": "-1.5"}, "offset"), ({"offset": "1e30"}, "offset"),
])
def test_page_numbers_that_are_not_bounded_counts_are_a_400_not_silently_ignored(api, draft, params, field):
    response = api.get("/api/v1/drafts/", params)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == field


def test_a_page_is_cut_by_limit_and_offset(api, draft, workspace):
    for name in ("second", "third"):
        assert api.post("/api/v1/drafts/", {"workspace": workspace.slug, "name": name}, format="json").status_code == 201
    page = api.get("/api/v1/drafts/", {"limit": "1", "offset": "1"}).json()
    assert page["count"] == 3 and len(page["results"]) == 1 and page["next"] and page["previous"]


def test_an_events_cursor_that_is_not_a_bounded_count_is_a_400(api, draft):
    run = submit(api, draft["id"])["run"]  # no engine: the run stays queued, its first event recorded
    url = f"/api/v1/runs/{run['id']}/events/"
    assert [e["seq"] for e in api.get(url, {"after": "0"}).json()["results"]] == [1]
    assert api.get(url, {"after": "9223372036854775807"}).json() == {"results": [], "next": None}
    for raw in ("0", "1001", "x"):
        response = api.get(url, {"limit": raw})
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "limit"
    for raw in ("1e30", "-1", "99999999999999999999999"):
        response = api.get(url, {"after": raw})
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "after"


def test_a_step_shows_its_log_and_its_dataframe_output_with_preview_and_statistics(engine, api, draft):
    run = finished(api, submit(api, draft["id"])["run"]["id"])
    step = api.get(f"/api/v1/runs/{run['id']}/steps/data/").json()
    assert step["status"] == "succeeded" and "iris" in step["log"]
    output = api.get(f"/api/v1/runs/{run['id']}/steps/pick/outputs/data/").json()
    iris = load_iris(as_frame=True).frame[["sepal length (cm)", "target"]]
    assert output["kind"] == "DataFrame" and output["meta"]["rows"] == 150
    columns = {c["name"]: c for c in output["meta"]["columns"]}
    assert list(columns) == list(iris.columns) and columns["target"]["dtype"] == "int"
    assert columns["sepal length (cm)"]["stats"]["mean"] == pytest.approx(iris["sepal length (cm)"].mean())
    assert output["meta"]["preview"]["rows"][0] == iris.iloc[0].tolist()


def test_a_dataframe_output_downloads_as_parquet_or_streamed_csv(engine, api, draft):
    run = finished(api, submit(api, draft["id"])["run"]["id"])
    url = f"/api/v1/runs/{run['id']}/steps/pick/outputs/data/download/"
    parquet = api.get(url)
    assert parquet.status_code == 200 and 'filename="pick_data.parquet"' in parquet["Content-Disposition"]
    df = pd.read_parquet(io.BytesIO(b"".join(parquet.streaming_content)))
    assert list(df.columns) == ["sepal length (cm)", "target"] and len(df) == 150
    csv = api.get(url, {"format": "csv"})
    assert csv.status_code == 200 and 'filename="pick_data.csv"' in csv["Content-Disposition"]
    pd.testing.assert_frame_equal(pd.read_csv(io.StringIO(b"".join(csv.streaming_content).decode())), df)
    assert api.get(url, {"format": "xlsx"}).status_code == 400


def test_metrics_and_model_outputs_are_previewed_and_downloaded_by_kind(engine, api, workspace):
    draft = api.post("/api/v1/drafts/", {"name": "Regression", "document": iris_regression()}, format="json").json()
    run = finished(api, submit(api, draft["id"])["run"]["id"])
    assert run["status"] == "succeeded"
    steps = {s["node"]: s for s in run["steps"]}
    (metrics_port,) = steps["evaluate"]["outputs"]
    metrics = api.get(f"/api/v1/runs/{run['id']}/steps/evaluate/outputs/{metrics_port}/").json()
    assert metrics["kind"] == "Metrics" and metrics["meta"]["metrics"]
    download = api.get(f"/api/v1/runs/{run['id']}/steps/evaluate/outputs/{metrics_port}/download/")
    assert download["Content-Type"] == "application/json"
    (model_port,) = steps["train"]["outputs"]
    model = api.get(f"/api/v1/runs/{run['id']}/steps/train/outputs/{model_port}/download/")
    assert model["Content-Type"] == "application/octet-stream"
    assert f'filename="train_{model_port}.pkl"' in model["Content-Disposition"]
    assert api.get(f"/api/v1/runs/{run['id']}/steps/train/outputs/{model_port}/download/",
                   {"format": "csv"}).status_code == 400


def test_an_unknown_step_or_port_is_404(engine, api, draft):
    run = finished(api, submit(api, draft["id"])["run"]["id"])
    assert api.get(f"/api/v1/runs/{run['id']}/steps/ghost/").status_code == 404
    assert api.get(f"/api/v1/runs/{run['id']}/steps/pick/outputs/ghost/").status_code == 404


def test_a_running_pipeline_is_cancelled(engine, api, workspace):
    doc = document([node("slow", "sleep", seconds=30)], [])
    draft = api.post("/api/v1/drafts/", {"name": "Slow", "document": doc}, format="json").json()
    run_id = submit(api, draft["id"])["run"]["id"]
    response = api.post(f"/api/v1/runs/{run_id}/cancel/")
    assert response.status_code == 200 and response.json()["id"] == run_id
    assert wait_for_run(run_id, timeout=30).status == "cancelled"
    # the engine finalises the run a moment before it has reaped the killed step
    deadline = time.monotonic() + 10
    while api.get(f"/api/v1/runs/{run_id}/steps/slow/").json()["status"] != "cancelled":
        assert time.monotonic() < deadline, "the cancelled run's step never became cancelled"
        time.sleep(0.05)


def test_another_workspace_gets_404_for_versions_runs_steps_outputs_and_artifacts(engine, api, outsider_api, draft):
    body = submit(api, draft["id"])
    run = finished(api, body["run"]["id"])
    digest = run["steps"][1]["outputs"]["data"]["digest"]
    urls = [
        f"/api/v1/drafts/{draft['id']}/", f"/api/v1/drafts/{draft['id']}/validation/",
        f"/api/v1/versions/{body['version']['id']}/", f"/api/v1/runs/{run['id']}/",
        f"/api/v1/runs/{run['id']}/events/", f"/api/v1/runs/{run['id']}/steps/pick/",
        f"/api/v1/runs/{run['id']}/steps/pick/outputs/data/",
        f"/api/v1/runs/{run['id']}/steps/pick/outputs/data/download/",
        f"/api/v1/artifacts/{digest}/", f"/api/v1/artifacts/{digest}/download/",
    ]
    for url in urls:
        response = outsider_api.get(url)
        assert response.status_code == 404, url
        assert response.json()["errors"][0]["code"] == "not_found"
    posts = [f"/api/v1/drafts/{draft['id']}/submit/", f"/api/v1/drafts/{draft['id']}/plan/",
             f"/api/v1/versions/{body['version']['id']}/submit/", f"/api/v1/runs/{run['id']}/cancel/"]
    for url in posts:
        assert outsider_api.post(url, {}, format="json").status_code == 404, url
    assert outsider_api.patch(f"/api/v1/drafts/{draft['id']}/", {"name": "x"}, format="json").status_code == 404
    assert outsider_api.delete(f"/api/v1/drafts/{draft['id']}/").status_code == 404
    for listing in ("drafts", "versions", "runs"):
        assert outsider_api.get(f"/api/v1/{listing}/").json()["count"] == 0
    assert api.get(f"/api/v1/artifacts/{digest}/").status_code == 200


def test_the_openapi_schema_documents_events_as_a_page_and_a_runs_creator_as_nullable(api):
    import yaml

    spec = yaml.safe_load(api.get("/api/schema/").content)
    events = spec["paths"]["/api/v1/runs/{run_id}/events/"]["get"]["responses"]["200"]
    assert events["content"]["application/json"]["schema"]["$ref"].endswith("/RunEventPage")
    assert spec["components"]["schemas"]["Run"]["properties"]["created_by"]["nullable"] is True
