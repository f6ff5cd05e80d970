"""The pipeline document's JSON Schema over REST: served to members with this server's limits,
listed in the OpenAPI schema, and the same rules the server applies."""
from __future__ import annotations

import pytest
import yaml
from jsonschema import Draft202012Validator
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

URL = "/api/v1/schemas/pipeline-document/"


def test_the_schema_is_served_with_the_servers_targets_and_caps(api, settings):
    settings.ENGINE = {**settings.ENGINE, "STEP_TIMEOUT": 120.0, "STEP_MEMORY_MB": 4096, "STEP_CPU_SECONDS": None,
                       "STEP_CPU_SECONDS_MAX": 600}
    response = api.get(URL)
    assert response.status_code == 200
    schema = response.json()
    Draft202012Validator.check_schema(schema)
    node = schema["$defs"]["node"]["properties"]
    assert node["target"]["enum"] == ["local", None]
    assert (node["timeout"]["maximum"], node["memory_mb"]["maximum"], node["cpu_seconds"]["maximum"]) == (120.0, 4096, 600)
    assert schema["$defs"]["name"]["pattern"] == "^[A-Za-z_][A-Za-z0-9_.-]{0,63}$"
    assert schema["$id"] == "http://testserver/api/v1/schemas/pipeline-document/"


def test_a_document_the_served_schema_refuses_the_server_refuses_too(api, workspace, iris_pick):
    schema = api.get(URL).json()
    iris_pick["nodes"][0]["id"] = "../escape"
    assert not Draft202012Validator(schema).is_valid(iris_pick)
    response = api.post("/api/v1/pipelines/validate/", {"document": iris_pick}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "invalid_document"


def test_the_schema_is_for_signed_in_users_only():
    assert APIClient().get(URL).status_code in (401, 403)


def test_the_openapi_schema_lists_the_endpoint_and_bounds_id_filters(api):
    spec = yaml.safe_load(api.get("/api/schema/").content)
    assert "get" in spec["paths"][URL]
    version = next(p for p in spec["paths"]["/api/v1/runs/"]["get"]["parameters"] if p["name"] == "version")
    assert version["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
