"""Design-time checks over HTTP: a refused column type and a module check that raises are structured
errors with their column and hint (a 400 listing them, never a 500)."""
from __future__ import annotations

import pytest

import tests.engine.check_modules  # noqa: F401 - registers the checktest.* modules
from modules_catalog.checks import ENCODE_HINT
from tests.engine.graphs import document, edge, node

pytestmark = pytest.mark.django_db


def test_a_refused_column_and_a_broken_check_come_back_as_structured_errors(api, workspace):
    doc = document([node("src", "checktest.iris_species"),
                    node("num", "checktest.numeric_only", columns=["sepal length (cm)", "species"]),
                    node("bad", "checktest.raises")],
                   [edge("src", "data", "num", "data"), edge("src", "data", "bad", "data")])
    response = api.post("/api/v1/pipelines/validate/", {"workspace": workspace.slug, "document": doc}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["code"], e["node"], e["param"], e["column"]) for e in errors] == [
        ("check_failed", "bad", None, None), ("column_type", "num", "columns", "species")]
    assert "Broken Check" in errors[0]["message"] and errors[0]["hint"]
    assert errors[1]["hint"] == ENCODE_HINT and errors[1]["port"] == "data"
    draft = api.post("/api/v1/drafts/", {"workspace": workspace.slug, "name": "Checks", "document": doc}, format="json")
    assert draft.status_code == 201
    assert api.get(f"/api/v1/drafts/{draft.json()['id']}/validation/").json()["errors"] == errors
    submit = api.post(f"/api/v1/drafts/{draft.json()['id']}/submit/", {}, format="json")
    assert submit.status_code == 400 and submit.json()["errors"] == errors
