"""Drafts over REST: create, read, save with optimistic concurrency, delete, validate."""
from __future__ import annotations

import json

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
        "code": "unknown_parameter", "message": "", "node": None, "edge": None, "port": None, "param": "ghost",
        "column": None, "hint": None}


# -- hostile input: always a structured 400, never a 500 -----------------------------------------

def short(value: str) -> str:
    return value if len(value) <= 20 else f"{value[:5]}...({len(value)} chars)"


def post_raw(api, url: str, body: str):
    return api.generic("POST", url, body, content_type="application/json")


def validate(api, document: dict, **body):
    return api.post("/api/v1/pipelines/validate/", {"document": document, **body}, format="json")


def test_a_binding_to_a_list_is_a_400_pointing_at_the_node_and_parameter(api, workspace, iris_pick):
    iris_pick["nodes"][1]["params"]["columns"] = {"$param": ["x"]}
    response = validate(api, iris_pick)
    assert response.status_code == 400
    assert [(e["code"], e["node"], e["param"]) for e in response.json()["errors"]] == [
        ("invalid_document", "pick", "columns")]


@pytest.mark.parametrize("declaration", [{"name": "p", "kind": "float", "min": "a", "default": 1},
                                         {"name": "p", "kind": "choice", "choices": 5, "default": "x"}])
def test_a_pipeline_parameter_declared_with_the_wrong_types_is_a_400(api, workspace, iris_pick, declaration):
    response = validate(api, dict(iris_pick, parameters=[declaration]))
    assert response.status_code == 400
    assert [(e["code"], e["param"]) for e in response.json()["errors"]] == [("invalid_document", "p")]


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity", "-Infinity", "9" * 400], ids=short)
def test_a_number_no_double_can_hold_anywhere_in_a_body_is_a_parse_error(api, draft, iris_pick, number):
    iris_pick["nodes"][0]["position"] = {"x": 0, "y": 0}
    body = json.dumps({"name": "x", "document": iris_pick}).replace('"x": 0,', f'"x": {number},')
    response = api.generic("PUT", f"/api/v1/drafts/{draft['id']}/", body, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "parse_error" and ("out of range" in error["message"] or "finite" in error["message"])
    assert api.get(f"/api/v1/drafts/{draft['id']}/").json()["revision"] == 1


@pytest.mark.parametrize("depth", [65, 1000, 100_000])
def test_json_nested_deeper_than_64_levels_is_a_parse_error(api, workspace, iris_pick, depth):
    body = '{"document": %s, "params": {"p": %s}}' % (json.dumps(iris_pick), "[" * depth + "]" * depth)
    response = post_raw(api, "/api/v1/pipelines/validate/", body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"
    assert "deeper than 64 levels" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("text, problem", [("\ud800", "lone surrogate"), ("a\x00b", "NUL character")])
def test_text_no_database_can_store_in_a_saved_document_is_a_parse_error(api, draft, iris_pick, text, problem):
    iris_pick["nodes"][0]["comment"] = text  # PostgreSQL's jsonb refuses \u0000 and lone surrogates
    body = json.dumps({"name": "x", "document": iris_pick})
    response = api.generic("PUT", f"/api/v1/drafts/{draft['id']}/", body, content_type="application/json")
    assert response.status_code == 400 and problem in response.json()["errors"][0]["message"]


def test_brackets_inside_strings_do_not_count_as_nesting(api, workspace, iris_pick):
    iris_pick["name"] = "[" * 90 + '"\\' + "{" * 90  # 180 levels, were they counted
    assert validate(api, iris_pick).status_code == 200


# (a NUL in an id is refused even before, by the parser: test_text_no_database_can_store_...)
@pytest.mark.parametrize("bad_id", ["x" * 5000, "x" * 101, "../../../tmp/escape", "a\x01b", "two words"], ids=short)
def test_a_node_id_outside_the_documented_pattern_cannot_be_saved(api, draft, iris_pick, bad_id):
    doc = document([node(bad_id, "sample_dataset", name="iris")], [])
    response = api.put(f"/api/v1/drafts/{draft['id']}/", {"name": "x", "document": doc}, format="json")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "invalid_document" and "1-64 letters, digits" in error["message"]
    response = api.post("/api/v1/drafts/", {"name": "x", "document": doc}, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize("fields, code", [
    ({"target": ["local"]}, "invalid_document"),
    ({"target": "gpu-cluster"}, "unknown_target"),
    ({"memory_mb": 10**9}, "limit_exceeded"),
    ({"timeout": 10**9}, "limit_exceeded"),
    ({"cpu_seconds": 10**9}, "limit_exceeded"),
    ({"reuse": "sometimes"}, "invalid_document"),
])
def test_node_limits_and_targets_are_checked_on_validate_plan_and_submit(api, draft, iris_pick, fields, code):
    iris_pick["nodes"][0].update(fields)
    assert api.put(f"/api/v1/drafts/{draft['id']}/", {"name": "x", "document": iris_pick},
                   format="json").status_code == (400 if code == "invalid_document" else 200)
    responses = [validate(api, iris_pick)]
    if code != "invalid_document":  # saved: the draft's own checks refuse it too
        responses += [api.get(f"/api/v1/drafts/{draft['id']}/validation/"),
                      api.post(f"/api/v1/drafts/{draft['id']}/plan/", {}, format="json"),
                      api.post(f"/api/v1/drafts/{draft['id']}/submit/", {}, format="json")]
    for response in responses:
        assert response.status_code in (200, 400)
        assert [(e["code"], e["node"]) for e in response.json()["errors"]] == [(code, "data")]
    assert api.get("/api/v1/runs/").json()["count"] == 0


def test_a_limit_error_names_the_servers_cap(api, workspace, iris_pick, settings):
    settings.ENGINE = {**settings.ENGINE, "STEP_MEMORY_MB": 2048}
    iris_pick["nodes"][0]["memory_mb"] = 12345
    body = json.dumps({"document": iris_pick}).replace("12345", "1e9")  # a petabyte, as a JSON float
    response = post_raw(api, "/api/v1/pipelines/validate/", body)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["code"], error["field"]) == ("limit_exceeded", "memory_mb")
    assert "at most 2048 MB (STEP_MEMORY_MB)" in error["message"]


def test_submit_and_plan_params_with_overlong_names_or_bad_numbers_are_400s(api, draft):
    for url in (f"/api/v1/drafts/{draft['id']}/submit/", f"/api/v1/drafts/{draft['id']}/plan/"):
        assert post_raw(api, url, '{"params": {"p": 1e400}}').json()["errors"][0]["code"] == "parse_error"
        response = api.post(url, {"params": {"p" * 5000: 1}}, format="json")
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "params"
        response = api.post(url, {"params": {"ghost": 10**30}}, format="json")
        assert response.status_code == 400 and response.json()["errors"][0]["code"] == "unknown_parameter"
    assert api.get("/api/v1/runs/").json()["count"] == 0
