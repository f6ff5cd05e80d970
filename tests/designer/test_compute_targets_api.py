"""Issue 10, item 2: compute targets as objects. A workspace's targets over the API (editors and
owners only, bounded settings checked per kind, structured 400s), the compiler's unknown_target
against them, and runs on a workspace-defined target (a second `local` of concurrency 1): each
step records where it ran; an edit takes effect at the next launch, with no restart."""
from __future__ import annotations

import socket

import pytest

from designer.models import Membership
from designer.services import document_validate
from engine.compute_targets import TargetSettingsError, validate
from engine.documents import document_digest
from engine.models import ComputeTarget, Run, Step
from tests.conftest import wait_for_run
from tests.engine.graphs import document, edge, node

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/targets/"


def create(api, workspace, name, kind, settings, expect=201):
    response = api.post(URL, {"workspace": workspace.slug, "name": name, "kind": kind, "settings": settings},
                        format="json")
    assert response.status_code == expect, response.json()
    return response.json()


def errors(body) -> list[tuple[str, str]]:
    return [(e.get("field"), e["code"]) for e in body["errors"]]


def test_targets_are_created_listed_edited_and_removed(api, workspace):
    made = create(api, workspace, "solo", "local", {"concurrency": 1})
    assert (made["name"], made["kind"], made["settings"], made["workspace"]) == ("solo", "local", {"concurrency": 1},
                                                                                 workspace.slug)
    docker = create(api, workspace, "box", "docker", {"image": "graphwright-step:latest", "memory_mb": 512})
    # defaults filled in: no network unless asked, bounded CPU and pids
    assert docker["settings"] == {"image": "graphwright-step:latest", "memory_mb": 512, "concurrency": 2, "cpus": 1.0,
                                  "pids": 256, "docker_host": "", "network": False}
    listed = api.get(URL, {"workspace": workspace.slug}).json()
    assert [b["name"] for b in listed["builtin"]] == ["local"]  # always there, from settings
    assert [t["name"] for t in listed["targets"]] == ["box", "solo"]
    edited = api.patch(f"{URL}{made['id']}/", {"settings": {"concurrency": 3}}, format="json")
    assert edited.status_code == 200 and edited.json()["settings"] == {"concurrency": 3}
    assert ComputeTarget.objects.get(pk=made["id"]).settings == {"concurrency": 3}
    renamed = api.patch(f"{URL}{made['id']}/", {"name": "trio"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "trio"
    assert api.delete(f"{URL}{made['id']}/").status_code == 204
    assert not ComputeTarget.objects.filter(pk=made["id"]).exists()
    assert api.get(f"{URL}{made['id']}/").status_code == 404


@pytest.mark.parametrize("name, kind, values, expected", [
    ("local", "local", {"concurrency": 1}, [("name", "reserved_name")]),  # the built-in cannot be shadowed
    ("../up", "local", {}, [("name", "invalid_name")]),
    ("a" * 65, "local", {}, [("name", "max_length")]),
    ("t", "local", {"concurrency": 0}, [("settings.concurrency", "out_of_range")]),
    ("t", "local", {"concurrency": 65}, [("settings.concurrency", "out_of_range")]),
    ("t", "local", {"concurrency": "4"}, [("settings.concurrency", "invalid")]),
    ("t", "local", {"concurrency": True}, [("settings.concurrency", "invalid")]),
    ("t", "local", {"concurrency": 1, "pool": 3}, [("settings.pool", "unknown_setting")]),
    ("t", "celery", {}, [("settings.queue", "invalid")]),
    ("t", "celery", {"queue": "a b"}, [("settings.queue", "invalid")]),
    ("t", "docker", {}, [("settings.image", "required")]),
    ("t", "docker", {"image": "bad image"}, [("settings.image", "invalid")]),
    ("t", "docker", {"image": "x", "docker_host": "http://h:2375"}, [("settings.docker_host", "invalid")]),
    ("t", "docker", {"image": "x", "cpus": 1000, "memory_mb": 1, "pids": 1e9, "network": "yes"},
     [("settings.cpus", "out_of_range"), ("settings.memory_mb", "out_of_range"), ("settings.pids", "out_of_range"),
      ("settings.network", "invalid")]),
    ("t", "docker", {"image": "x", "cpus": float("nan")}, None),  # not JSON: refused by the parser
    ("t", "gpu", {}, [("kind", "invalid_choice")]),
])
def test_bad_targets_are_400s_naming_each_field(api, workspace, name, kind, values, expected):
    if expected is None:
        with pytest.raises(TargetSettingsError):
            validate(kind, values)
        return
    body = create(api, workspace, name, kind, values, expect=400)
    assert sorted(errors(body)) == sorted(expected), body
    assert all(e["message"] for e in body["errors"])
    assert not ComputeTarget.objects.exists()


def test_a_name_is_one_target_per_workspace(api, workspace):
    create(api, workspace, "solo", "local", {})
    body = create(api, workspace, "solo", "local", {}, expect=400)
    assert errors(body) == [("name", "name_taken")]


def test_viewers_and_outsiders_cannot_change_targets(api, client_for, make_user, workspace, outsider_api):
    made = create(api, workspace, "solo", "local", {"concurrency": 1})
    viewer = make_user("vic")
    Membership.objects.create(workspace=workspace, user=viewer, role=Membership.Role.VIEWER)
    as_viewer = client_for(viewer)
    assert as_viewer.get(f"{URL}{made['id']}/").status_code == 200
    assert as_viewer.patch(f"{URL}{made['id']}/", {"settings": {"concurrency": 2}}, format="json").status_code == 403
    assert as_viewer.delete(f"{URL}{made['id']}/").status_code == 403
    assert create(as_viewer, workspace, "mine", "local", {}, expect=403)["errors"][0]["code"] == "permission_denied"
    assert outsider_api.get(f"{URL}{made['id']}/").status_code == 404
    assert outsider_api.delete(f"{URL}{made['id']}/").status_code == 404
    assert outsider_api.get(URL).json()["targets"] == []
    assert ComputeTarget.objects.get(pk=made["id"]).settings == {"concurrency": 1}


def _two_nodes(**doc_fields) -> dict:
    doc = document([node("data", "sample_dataset", name="iris"), node("pick", "passthrough")],
                   [edge("data", "data", "pick", "data")])
    return {**doc, **doc_fields}


def test_a_node_naming_a_target_the_workspace_lacks_is_a_compile_error_naming_it(api, workspace):
    doc = _two_nodes()
    doc["nodes"][1]["target"] = "gpu"
    found = document_validate(workspace=workspace, document=doc)
    assert [(e["code"], e.get("node"), e.get("field")) for e in found] == [("unknown_target", "pick", "target")]
    assert "'gpu'" in found[0]["message"] and "local" in found[0]["message"]
    # a default target the workspace lacks: an error about the pipeline's field
    found = document_validate(workspace=workspace, document=_two_nodes(default_target="gpu"))
    assert [(e["code"], e.get("field")) for e in found] == [("unknown_target", "default_target")]
    create(api, workspace, "gpu", "local", {"concurrency": 1})
    assert document_validate(workspace=workspace, document=doc) == []
    assert document_validate(workspace=workspace, document=_two_nodes(default_target="gpu")) == []
    # over HTTP too, and another workspace's target is not this one's
    response = api.post("/api/v1/pipelines/validate/", {"document": doc, "workspace": workspace.slug}, format="json")
    assert response.status_code == 200, response.json()


def test_the_served_document_schema_offers_the_workspaces_targets(api, workspace, outsider_api):
    create(api, workspace, "solo", "local", {"concurrency": 1})
    schema_url = "/api/v1/schemas/pipeline-document/"
    node_target = lambda body: body["$defs"]["node"]["properties"]["target"]["enum"]  # noqa: E731
    assert node_target(api.get(schema_url).json()) == ["local", None]  # no workspace: the server's
    assert node_target(api.get(schema_url, {"workspace": workspace.slug}).json()) == ["local", "solo", None]
    assert outsider_api.get(schema_url, {"workspace": workspace.slug}).status_code == 404


def test_the_default_target_is_written_into_each_node_of_a_version():
    doc = _two_nodes()
    before = document_digest(doc)
    assert document_digest({**doc, "default_target": None}) == before  # documents without one hash as before
    with_default = _two_nodes(default_target="solo")
    with_default["nodes"][1]["target"] = "local"
    from engine.documents import canonical_document

    assert [n["target"] for n in canonical_document(with_default)["nodes"]] == ["solo", "local"]


def _submit(api, workspace, doc, **body) -> int:
    made = api.post("/api/v1/drafts/", {"workspace": workspace.slug, "name": "targets", "document": doc}, format="json")
    assert made.status_code == 201, made.json()
    response = api.post(f"/api/v1/drafts/{made.json()['id']}/submit/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["run"]["id"]


def test_a_run_on_a_workspace_target_records_where_each_step_ran(engine, api, workspace):
    create(api, workspace, "solo", "local", {"concurrency": 1})
    doc = document([node("data", "sample_dataset", name="iris"), node("a", "passthrough"), node("b", "passthrough")],
                   [edge("data", "data", "a", "data"), edge("data", "data", "b", "data")])
    doc["default_target"] = "solo"
    doc["nodes"][2]["target"] = "local"  # a node overrides the pipeline's default
    run = wait_for_run(_submit(api, workspace, doc), timeout=120)
    assert run.status == Run.Status.SUCCEEDED, run.error
    assert dict(Step.objects.filter(run=run).values_list("node_id", "target")) == {"data": "solo", "a": "solo",
                                                                                     "b": "local"}
    solo = [key for key in engine.directory.instances if key.startswith(f"ws{workspace.pk}:solo:")]
    assert len(solo) == 1 and engine.directory.instances[solo[0]].concurrency == 1
    assert engine.directory.instances[solo[0]].launches() >= 1  # its steps ran on it (not on the built-in)
    detail = api.get(f"/api/v1/runs/{run.pk}/steps/a/").json()
    assert (detail["target"], detail["host"], detail["worker"], detail["container"]) == \
        ("solo", socket.gethostname(), "", "")

    # an edit is used from the next launch, without a restart: a new instance with the new settings,
    # and the old one is closed once it has nothing to run
    old = engine.directory.instances[solo[0]]
    target = ComputeTarget.objects.get(name="solo")
    assert api.patch(f"{URL}{target.pk}/", {"settings": {"concurrency": 2}}, format="json").status_code == 200
    engine.directory.forget()  # what TTL_SECONDS does by itself; no waiting in a test
    second = wait_for_run(_submit(api, workspace, doc, force=True), timeout=120)  # force: run, not reuse
    assert second.status == Run.Status.SUCCEEDED
    solo = {engine.directory.instances[k].concurrency: engine.directory.instances[k]
            for k in engine.directory.instances if k.startswith(f"ws{workspace.pk}:solo:")}
    assert sorted(solo) == [2] and solo[2].launches() >= 1
    assert old._closed


def test_a_step_on_a_celery_target_fails_at_launch_saying_why(engine, api, workspace, settings):
    settings.REDIS_URL = None  # no broker: the launch says so
    create(api, workspace, "farm", "celery", {"queue": "farm"})
    doc = _two_nodes()
    doc["nodes"][1]["target"] = "farm"
    run = wait_for_run(_submit(api, workspace, doc), timeout=120)
    assert run.status == Run.Status.FAILED
    step = Step.objects.get(run=run, node_id="pick")
    assert step.status == Step.Status.FAILED and step.reason == "launch"
    assert "no broker" in step.error and "REDIS_URL" in step.error and "'farm'" in step.error
