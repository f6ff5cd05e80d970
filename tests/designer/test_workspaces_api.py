"""Workspaces: each user sees the ones they belong to; a creator becomes owner."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_user_lists_only_their_own_workspaces(api, workspace, outsider):
    assert [w["slug"] for w in api.get("/api/v1/workspaces/").json()] == ["ada-lab"]


def test_creating_a_workspace_makes_the_creator_its_owner(api, user):
    response = api.post("/api/v1/workspaces/", {"name": "Churn Study"}, format="json")
    assert response.status_code == 201
    assert response.json() | {"id": 0, "created_at": ""} == {
        "id": 0, "slug": "churn-study", "name": "Churn Study", "role": "owner", "created_at": ""}
    again = api.post("/api/v1/workspaces/", {"name": "Churn Study"}, format="json").json()
    assert again["slug"] == "churn-study-2"
    from designer.models import Membership

    assert Membership.objects.get(user=user, workspace__slug="churn-study").role == "owner"


def test_a_taken_slug_is_refused_pointing_at_the_field(api, workspace, outsider):
    response = api.post("/api/v1/workspaces/", {"name": "Mine", "slug": "mallory-lab"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "slug"


def test_a_user_without_workspace_is_told_to_create_one(make_user, client_for):
    client = client_for(make_user("newbie"))
    response = client.post("/api/v1/drafts/", {"name": "x"}, format="json")
    assert response.status_code == 400 and "create one first" in response.json()["errors"][0]["message"]
