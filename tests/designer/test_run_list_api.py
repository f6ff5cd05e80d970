"""The run list as the runs page reads it (pipeline, version number, experiment, who, when, duration;
filters by pipeline, experiment and status, strictly checked) and the experiments of a workspace."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from designer.models import Membership, PipelineVersion
from engine.models import Run

pytestmark = pytest.mark.django_db


def submit(api, draft_id: int, **body):
    return api.post(f"/api/v1/drafts/{draft_id}/submit/", body, format="json")


def runs(api, **query) -> list[dict]:
    response = api.get("/api/v1/runs/", query)
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_a_submit_files_the_run_under_its_experiment_trimmed_and_the_default_without_one(api, draft):
    named = submit(api, draft["id"], experiment="  Baseline A ").json()["run"]["id"]
    default = submit(api, draft["id"]).json()["run"]["id"]
    blank = submit(api, draft["id"], experiment="").json()["run"]["id"]
    by_id = {r["id"]: r for r in runs(api)}
    assert by_id[named]["experiment"] == "Baseline A"
    assert by_id[default]["experiment"] == by_id[blank]["experiment"] == "Default"
    assert api.get(f"/api/v1/runs/{named}/").json()["experiment"] == "Baseline A"


@pytest.mark.parametrize("bad", ["../etc", "x" * 65, "tab\tin", "-dash first", 7])
def test_a_bad_experiment_name_is_refused_before_anything_is_made(api, draft, bad):
    for url in (f"/api/v1/drafts/{draft['id']}/submit/", f"/api/v1/drafts/{draft['id']}/plan/"):
        response = api.post(url, {"experiment": bad}, format="json")
        assert response.status_code == 400, response.json()
        error = response.json()["errors"][0]
        assert error["field"] == "experiment" and error["message"]
    assert Run.objects.count() == 0 and PipelineVersion.objects.count() == 0


def test_a_version_is_submitted_again_under_another_experiment(api, draft):
    first = submit(api, draft["id"]).json()
    again = api.post(f"/api/v1/versions/{first['version']['id']}/submit/", {"experiment": "rerun"}, format="json")
    assert again.status_code == 201, again.json()
    assert Run.objects.get(pk=again.json()["run"]["id"]).experiment == "rerun"


def test_a_run_names_its_pipeline_draft_version_number_submitter_and_duration(api, draft, iris_pick, user):
    first = submit(api, draft["id"]).json()
    changed = dict(iris_pick, nodes=[iris_pick["nodes"][0], {**iris_pick["nodes"][1], "params": {"columns": ["target"]}}])
    api.put(f"/api/v1/drafts/{draft['id']}/", {"name": "Iris renamed", "document": changed}, format="json")
    second = submit(api, draft["id"]).json()
    rows = runs(api)
    assert [r["id"] for r in rows] == [second["run"]["id"], first["run"]["id"]]  # newest first
    assert [(r["pipeline_name"], r["version_name"], r["draft"], r["version_number"]) for r in rows] == [
        ("Iris renamed", "Iris renamed", draft["id"], 2), ("Iris renamed", "Iris", draft["id"], 1)]
    assert rows[0]["version"] == second["version"]["id"] and rows[0]["created_by"] == user.username
    assert rows[0]["duration"] is None  # not finished
    started = timezone.now()
    Run.objects.filter(pk=first["run"]["id"]).update(started_at=started, finished_at=started + timedelta(seconds=2.5),
                                                     status="succeeded")
    assert runs(api, status="succeeded")[0]["duration"] == pytest.approx(2.5)


def test_the_list_filters_by_pipeline_experiment_and_status(api, draft, workspace, iris_pick):
    other = api.post("/api/v1/drafts/", {"workspace": workspace.slug, "name": "Other", "document": iris_pick},
                     format="json").json()
    a = submit(api, draft["id"], experiment="tuning").json()["run"]["id"]
    b = submit(api, draft["id"], experiment="baseline").json()["run"]["id"]
    c = submit(api, other["id"], experiment="tuning").json()["run"]["id"]
    Run.objects.filter(pk=b).update(status="failed")
    assert {r["id"] for r in runs(api, pipeline=draft["id"])} == {a, b}
    assert {r["id"] for r in runs(api, experiment="tuning")} == {a, c}
    assert {r["id"] for r in runs(api, experiment=" tuning ")} == {a, c}
    assert {r["id"] for r in runs(api, pipeline=draft["id"], experiment="tuning")} == {a}
    assert {r["id"] for r in runs(api, status="failed")} == {b}
    assert {r["id"] for r in runs(api, pipeline=other["id"], status="failed")} == set()
    assert {r["id"] for r in runs(api, experiment="")} == {a, b, c}
    # the same document from another draft shares the version, but the run is that other draft's
    assert [(r["pipeline_name"], r["draft"], r["version_number"]) for r in runs(api, pipeline=other["id"])] == [
        ("Other", other["id"], 1)]


@pytest.mark.parametrize("query, field, words", [
    ({"status": "done"}, "status", "one of: queued"),
    ({"pipeline": "abc"}, "pipeline", "whole number"),
    ({"pipeline": "-1"}, "pipeline", "whole number"),
    ({"experiment": "a/b"}, "experiment", "letters"),
    ({"experiment": "x" * 65}, "experiment", "64"),
])
def test_a_bad_filter_is_a_400_naming_it(api, draft, query, field, words):
    response = api.get("/api/v1/runs/", query)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == field and words in error["message"]


def test_experiments_are_listed_with_their_run_counts_for_the_members_of_the_workspace(
        api, draft, workspace, make_user, client_for, outsider_api):
    for experiment in ("tuning", "tuning", "baseline", None):
        submit(api, draft["id"], **({"experiment": experiment} if experiment else {}))
    body = api.get("/api/v1/experiments/", {"workspace": workspace.slug}).json()
    assert [(e["name"], e["runs"]) for e in body["results"]] == [("Default", 1), ("baseline", 1), ("tuning", 2)]
    newest = Run.objects.filter(experiment="tuning").order_by("-created_at").first().created_at
    tuning = body["results"][2]
    assert tuning["last_run_at"].replace("Z", "+00:00") == newest.isoformat()
    viewer = make_user("vic")
    Membership.objects.create(workspace=workspace, user=viewer, role=Membership.Role.VIEWER)
    assert client_for(viewer).get("/api/v1/experiments/", {"workspace": workspace.slug}).json() == body
    assert outsider_api.get("/api/v1/experiments/").json() == {"results": []}
    assert outsider_api.get("/api/v1/experiments/", {"workspace": workspace.slug}).status_code == 404
