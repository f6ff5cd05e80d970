"""Pipeline versions over REST: listed by draft, resubmitted; bad filters and bodies are 400s."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(api, draft):
    response = api.post(f"/api/v1/drafts/{draft['id']}/submit/", {}, format="json")  # no engine: stays queued
    assert response.status_code == 201, response.json()
    return response.json()["version"]


def test_versions_are_filtered_by_their_draft(api, draft, version):
    assert [v["id"] for v in api.get("/api/v1/versions/", {"draft": draft["id"]}).json()["results"]] == [version["id"]]
    assert api.get("/api/v1/versions/", {"draft": draft["id"] + 1}).json()["count"] == 0


@pytest.mark.parametrize("raw", ["1e30", "99999999999999999999999", "-3", "0", "abc", "\u0663"])
def test_a_draft_filter_that_is_not_a_bounded_positive_id_is_a_400_naming_it(api, version, raw):
    response = api.get("/api/v1/versions/", {"draft": raw})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "draft"


def test_a_version_resubmitted_with_unusable_params_is_a_400_and_starts_nothing(api, version):
    url = f"/api/v1/versions/{version['id']}/submit/"
    response = api.generic("POST", url, '{"params": {"p": 1e400}}', content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "parse_error"
    response = api.post(url, {"params": {"ghost": [[1]]}}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "unknown_parameter"
    assert api.get("/api/v1/runs/").json()["count"] == 1


def test_a_version_whose_node_asks_more_than_the_server_now_allows_is_refused(api, version):
    from designer.models import PipelineVersion

    stored = PipelineVersion.objects.get(pk=version["id"])
    stored.document["nodes"][0]["memory_mb"] = 10**9
    stored.save()
    response = api.post(f"/api/v1/versions/{version['id']}/submit/", {}, format="json")
    assert response.status_code == 400
    assert [(e["code"], e["node"]) for e in response.json()["errors"]] == [("limit_exceeded", "data")]
