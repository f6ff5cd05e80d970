"""Fixtures of the designer API tests: the outsider's client, a small pipeline, a saved draft."""
from __future__ import annotations

import pytest

from tests.engine.graphs import document, edge, node


@pytest.fixture
def outsider_api(client_for, outsider):
    return client_for(outsider)


@pytest.fixture
def iris_pick():
    """sample_dataset(iris) -> select_columns(sepal length, target)."""
    return document(
        [node("data", "sample_dataset", name="iris"),
         node("pick", "select_columns", columns=["sepal length (cm)", "target"])],
        [edge("data", "data", "pick", "data")],
    )


@pytest.fixture
def draft(api, workspace, iris_pick):
    response = api.post("/api/v1/drafts/", {"workspace": workspace.slug, "name": "Iris", "document": iris_pick},
                        format="json")
    assert response.status_code == 201, response.json()
    return response.json()
