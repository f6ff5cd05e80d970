"""A pipeline parameter given a bad value at submit is one error on the parameter, not also an
"undeclared parameter" error on every node bound to it."""
from __future__ import annotations

import pytest

from engine.models import Run
from tests.engine.graphs import document, edge, node

pytestmark = pytest.mark.django_db


@pytest.fixture
def bound_draft(api, workspace):
    doc = document([node("data", "sample_dataset", name="iris"),
                    node("split", "split_data", fraction={"$param": "frac"}, seed=1),
                    node("again", "split_data", fraction={"$param": "frac"}, seed=2)],
                   [edge("data", "data", "split", "data"), edge("data", "data", "again", "data")],
                   parameters=[{"name": "frac", "kind": "float", "default": 0.7, "min": 0.1, "max": 0.9}])
    response = api.post("/api/v1/drafts/", {"workspace": workspace.slug, "name": "Bound", "document": doc},
                        format="json")
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.mark.parametrize("value", [5, "lots"])
def test_a_bad_value_is_one_error_on_the_parameter(api, bound_draft, value):
    for url in (f"/api/v1/drafts/{bound_draft['id']}/submit/", f"/api/v1/drafts/{bound_draft['id']}/plan/"):
        response = api.post(url, {"params": {"frac": value}}, format="json")
        assert response.status_code == 400
        errors = response.json()["errors"]
        assert [(e["code"], e["param"], e["node"]) for e in errors] == [("bad_parameter", "frac", None)], errors
        assert "frac" in errors[0]["message"]
    assert Run.objects.count() == 0


def test_a_good_value_runs(api, bound_draft):
    response = api.post(f"/api/v1/drafts/{bound_draft['id']}/submit/", {"params": {"frac": 0.5}}, format="json")
    assert response.status_code == 201, response.json()
