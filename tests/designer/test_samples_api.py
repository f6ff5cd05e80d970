"""The sample pipelines over REST: offered to every workspace as "New from sample"."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_the_samples_are_listed_with_name_description_and_whole_document(api):
    files = sorted((Path(settings.BASE_DIR) / "samples").glob("*.json"))
    samples = api.get("/api/v1/samples/").json()
    assert [s["key"] for s in samples] == [f.stem for f in files]
    for sample, path in zip(samples, files):
        document = json.loads(path.read_text())
        assert sample["name"] == document["name"] and sample["description"] == document["description"]
        assert sample["document"] == document


def test_a_sample_becomes_a_valid_draft_of_any_workspace_of_the_user(api, workspace):
    sample = api.get("/api/v1/samples/").json()[0]
    response = api.post("/api/v1/drafts/", {"workspace": workspace.slug, "name": sample["name"],
                                            "document": sample["document"]}, format="json")
    assert response.status_code == 201, response.json()
    validation = api.get(f"/api/v1/drafts/{response.json()['id']}/validation/").json()
    assert validation == {"valid": True, "errors": []}


def test_a_new_sample_file_is_listed_without_a_restart(api, settings, tmp_path):
    settings.BASE_DIR = tmp_path
    (tmp_path / "samples").mkdir()
    assert api.get("/api/v1/samples/").json() == []
    (tmp_path / "samples" / "tiny.json").write_text(json.dumps({"schema_version": 1, "nodes": []}))
    assert api.get("/api/v1/samples/").json() == [
        {"key": "tiny", "name": "tiny", "description": "", "document": {"schema_version": 1, "nodes": []}}]


def test_the_samples_need_a_signed_in_user():
    assert APIClient().get("/api/v1/samples/").status_code in (401, 403)
