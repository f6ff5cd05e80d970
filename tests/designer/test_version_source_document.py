"""A version keeps the document as the user drew it (positions, labels, comments, description) beside
the canonical, hashed one; each run shows the drawing it was submitted with."""
from __future__ import annotations

import copy

import pytest

from designer.models import PipelineVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(iris_pick):
    doc = copy.deepcopy(iris_pick)
    doc["description"] = "Two columns of iris"
    doc["nodes"][0].update(position={"x": 40, "y": 80}, label="Flowers", comment="the classic")
    doc["nodes"][1].update(position={"x": 40, "y": 260}, label="Keep two")
    return doc


def save(api, draft_id: int, document: dict) -> None:
    response = api.put(f"/api/v1/drafts/{draft_id}/", {"name": "Iris", "document": document}, format="json")
    assert response.status_code == 200, response.json()


def submit(api, draft_id: int) -> dict:
    response = api.post(f"/api/v1/drafts/{draft_id}/submit/", {}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_submitted_version_keeps_the_drawing_beside_the_canonical_document(api, draft, drawn):
    save(api, draft["id"], drawn)
    body = submit(api, draft["id"])
    run = api.get(f"/api/v1/runs/{body['run']['id']}/").json()
    version = api.get(f"/api/v1/versions/{run['version']}/").json()
    assert version["source_document"] == drawn
    assert [n.get("position") for n in version["source_document"]["nodes"]] == [{"x": 40, "y": 80}, {"x": 40, "y": 260}]
    assert all("position" not in n and "label" not in n for n in version["document"]["nodes"])
    assert version["digest"] == PipelineVersion.objects.get(pk=run["version"]).digest


def test_a_version_made_before_drawings_were_kept_shows_its_canonical_document_until_submitted_again(
        api, draft, drawn):
    save(api, draft["id"], drawn)
    first = submit(api, draft["id"])
    PipelineVersion.objects.filter(pk=first["version"]["id"]).update(source_document=None)  # as migrated
    old = api.get(f"/api/v1/versions/{first['version']['id']}/").json()
    assert old["source_document"] == old["document"]
    again = submit(api, draft["id"])
    assert again["version"]["id"] == first["version"]["id"]
    assert api.get(f"/api/v1/versions/{first['version']['id']}/").json()["source_document"] == drawn


def test_moving_nodes_makes_no_new_version_and_the_first_drawing_stays(api, draft, drawn):
    save(api, draft["id"], drawn)
    first = submit(api, draft["id"])
    moved = copy.deepcopy(drawn)
    moved["nodes"][0]["position"] = {"x": 500, "y": 500}
    save(api, draft["id"], moved)
    second = submit(api, draft["id"])
    assert second["version"]["id"] == first["version"]["id"]  # positions are not part of what a version is
    assert api.get(f"/api/v1/versions/{first['version']['id']}/").json()["source_document"] == drawn


def test_each_run_shows_the_drawing_it_was_submitted_with_though_they_share_a_version(api, draft, drawn):
    save(api, draft["id"], drawn)
    first = submit(api, draft["id"])
    moved = copy.deepcopy(drawn)
    moved["nodes"][0].update(position={"x": 500, "y": 500}, comment="moved aside")
    save(api, draft["id"], moved)
    second = submit(api, draft["id"])
    assert second["version"]["id"] == first["version"]["id"]
    assert api.get(f"/api/v1/runs/{first['run']['id']}/").json()["source_document"] == drawn
    assert api.get(f"/api/v1/runs/{second['run']['id']}/").json()["source_document"] == moved
    # a run of the version's own drawing stores no copy of it
    from engine.models import Run

    assert Run.objects.get(pk=first["run"]["id"]).drawn_document is None
    assert Run.objects.get(pk=second["run"]["id"]).drawn_document == moved


def test_the_version_list_stays_small(api, draft, drawn):
    save(api, draft["id"], drawn)
    submit(api, draft["id"])
    item = api.get("/api/v1/versions/").json()["results"][0]
    assert "document" not in item and "source_document" not in item
