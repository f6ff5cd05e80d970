"""Drafts over REST: create, read, save with optimistic concurrency, delete, validate."""
from __future__ import annotations

import pytest

from tests.engine.graphs import document, edge, node

pytestmark = pytest.mark.django_db


def test_a_draft_is_created_in_the_named_workspace_at_revision_one(api, workspace, iris_pick):
    response = api.post("/api/v1/drafts/", {"workspace": workspace.slug, "name": "Iris", "document": iris_pick},
                        format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["workspace"] == workspace.slug and body["revision"] == 1 and body["created_by"] == "ada"
    assert body["document"] == iris_pick


def test_a_draft_without_workspace_or_document_goes_to_the_first_workspace_as_an_empty_graph(api, workspace):
    body = api.post("/api/v1/drafts/", {"name": "Blank"}, format="json").json()
    assert body["workspace"] == workspace.slug
    assert body["document"]["nodes"] == [] and body["document"]["edges"] == []


def test_drafts_are_listed_without_documents_and_filtered_by_workspace(api, draft, workspace, make_workspace, user):
    other = make_workspace(user, slug="second")
    api.post("/api/v1/drafts/", {"workspace": other.slug, "name": "Other"}, format="json")
    page = api.get("/api/v1/drafts/").json()
    assert page["count"] == 2 and "document" not in page["results"][0]
    only = api.get("/api/v1/drafts/", {"workspace": workspace.slug}).json()
    assert [d["name"] for d in only["results"]] == ["Iris"]


def test_filtering_by_a_workspace_that_is_not_yours_answers_404(api, draft, outsider):
    assert api.get("/api/v1/drafts/", {"workspace": "mallory-lab"}).status_code == 404


def test_creating_in_a_workspace_that_is_not_yours_is_refused_pointing_at_the_field(api, outsider):
    response = api.post("/api/v1/drafts/", {"workspace": "mallory-lab", "name": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "workspace"


def test_a_draft_is_read_with_its_document(api, draft, iris_pick):
    body = api.get(f"/api/v1/drafts/{draft['id']}/").json()
    assert body["document"] == iris_pick and body["name"] == "Iris"


def test_put_replaces_the_draft_and_increments_the_revision(api, draft, iris_pick):
    changed = dict(iris_pick, nodes=iris_pick["nodes"][:1], edges=[])
    response = api.put(f"/api/v1/drafts/{draft['id']}/", {"name": "Renamed", "document": changed, "revision": 1},
                       format="json")
    assert response.status_code == 200
    assert response.json()["revision"] == 2 and response.json()["name"] == "Renamed"
    assert api.get(f"/api/v1/drafts/{draft['id']}/").json()["document"] == changed


def test_patch_changes_only_the_given_fields(api, draft, iris_pick):
    response = api.patch(f"/api/v1/drafts/{draft['id']}/", {"description": "notes"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["description"] == "notes" and body["name"] == "Iris" and body["document"] == iris_pick
    assert body["revision"] == 2


def test_a_save_based_on_an_old_revision_is_refused_with_409_and_loses_nothing(api, draft):
    url = f"/api/v1/drafts/{draft['id']}/"
    assert api.patch(url, {"name": "first edit", "revision": 1}, format="json").status_code == 200
    response = api.patch(url, {"name": "stale edit", "revision": 1}, format="json")
    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["code"] == "revision_conflict" and error["current_revision"] == 2
    assert "reload" in error["message"]
    assert api.get(url).json()["name"] == "first edit"


def test_a_document_that_is_not_a_graph_is_refused_naming_the_problem(api, draft):
    response = api.put(f"/api/v1/drafts/{draft['id']}/", {"name": "x", "document": {"nodes": "lots"}}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors[0]["code"] == "invalid_document" and "'nodes' must be a list" in errors[0]["message"]
    response = api.post("/api/v1/drafts/", {"name": "x", "document": ["not", "an", "object"]}, format="json")
    assert response.status_code == 400 and "JSON object" in response.json()["errors"][0]["message"]


def test_a_work_in_progress_graph_with_semantic_errors_can_still_be_saved(api, draft):
    wip = document([node("pick", "select_columns", columns=["nope"]), node("x", "no_such_module")], [])
    response = api.put(f"/api/v1/drafts/{draft['id']}/", {"name": "wip", "document": wip}, format="json")
    assert response.status_code == 200
    validation = api.get(f"/api/v1/drafts/{draft['id']}/validation/").json()
    assert validation["valid"] is False
    codes = {(e["code"], e["node"]) for e in validation["errors"]}
    assert ("unknown_module", "x") in codes and ("missing_input", "pick") in codes


def test_a_valid_draft_validates_clean(api, draft):
    assert api.get(f"/api/v1/drafts/{draft['id']}/validation/").json() == {"valid": True, "errors": []}


def test_a_missing_field_is_a_400_that_names_the_field(api, draft):
    response = api.put(f"/api/v1/drafts/{draft['id']}/", {"name": "no document"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "required", "message": "document: This field is required.", "field": "document"}
    ]


def test_malformed_json_is_a_400_not_a_500(api, draft):
    response = api.generic("PATCH", f"/api/v1/drafts/{draft['id']}/", "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "parse_error"


def test_a_draft_is_deleted(api, draft):
    assert api.delete(f"/api/v1/drafts/{draft['id']}/").status_code == 204
    assert api.get(f"/api/v1/drafts/{draft['id']}/").status_code == 404


def test_a_viewer_can_read_but_not_change_a_draft(api, draft, workspace, make_user, client_for):
    from designer.models import Membership

    viewer = make_user("vic")
    Membership.objects.create(workspace=workspace, user=viewer, role=Membership.Role.VIEWER)
    client = client_for(viewer)
    assert client.get(f"/api/v1/drafts/{draft['id']}/").status_code == 200
    response = client.patch(f"/api/v1/drafts/{draft['id']}/", {"name": "mine"}, format="json")
    assert response.status_code == 403 and "viewer" in response.json()["errors"][0]["message"]


def test_scripts_validate_a_document_without_saving_it(api, workspace, iris_pick):
    ok = api.post("/api/v1/pipelines/validate/", {"document": iris_pick, "params": {}}, format="json")
    assert ok.status_code == 200 and ok.json() == {"valid": True, "errors": []}
    bad = dict(iris_pick, edges=[edge("data", "data", "pick", "nope")])
    response = api.post("/api/v1/pipelines/validate/", {"document": bad}, format="json")
    assert response.status_code == 400
    error = next(e for e in response.json()["errors"] if e["code"] == "unknown_port")
    assert error["port"] == "nope" and error["node"] == "pick" and error["edge"] == "data.data-pick.nope"


def test_validation_reports_unknown_pipeline_parameters(api, workspace, iris_pick):
    response = api.post("/api/v1/pipelines/validate/", {"document": iris_pick, "params": {"ghost": 1}}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0] | {"message": ""} == {
        "code": "unknown_parameter", "message": "", "node": None, "edge": None, "port": None, "param": "ghost"}
