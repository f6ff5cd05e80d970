"""Fixtures of the fuzz tests: the served ASGI application, and one workspace with an owner, an editor
and a viewer (each with a token), a draft, a version and a run for the fuzzers to aim at."""
from __future__ import annotations

from dataclasses import dataclass, field
from unittest import mock

import pytest

from tests.engine.graphs import document, edge, node

ROLES = ["owner", "editor", "viewer", "anonymous"]


@pytest.fixture(scope="session")
def asgi_app():
    """`config.asgi.application` as daphne serves it, without starting an engine thread in it."""
    from django.conf import settings

    with mock.patch.dict(settings.ENGINE, AUTOSTART=False):
        from config.asgi import application
    return application


@pytest.fixture
def fuzz_client(user):
    from rest_framework.test import APIClient

    client = APIClient(raise_request_exception=False)  # a crash must show as the 500 a client gets
    client.force_authenticate(user)
    return client


def small_pipeline() -> dict:
    return document([node("data", "sample_dataset", name="iris"),
                     node("pick", "select_columns", columns=["target"])],
                    [edge("data", "data", "pick", "data")])


@dataclass
class World:
    """What exists while a fuzz test runs: tokens by role and the ids worth aiming at."""

    tokens: dict[str, str]
    ids: dict[str, list] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Token {self.tokens[role]}"} if role in self.tokens else {}


@pytest.fixture
def world(transactional_db, django_user_model) -> World:
    # transactional: the ASGI application answers on threads of its own, outside the test's transaction
    from rest_framework.authtoken.models import Token

    from designer.models import Draft, Membership, Workspace
    from designer.services import version_snapshot
    from engine import services

    workspace = Workspace.objects.create(slug="fuzz-lab", name="Fuzz lab")
    tokens = {}
    for role in ("owner", "editor", "viewer"):
        user = django_user_model.objects.create(username=role)  # no password to hash: tokens only
        Membership.objects.create(workspace=workspace, user=user, role=role)
        tokens[role] = Token.objects.create(user=user).key
    owner = Membership.objects.get(role="owner").user
    draft = Draft.objects.create(workspace=workspace, name="Iris", document=small_pipeline(), created_by=owner)
    version = version_snapshot(workspace=workspace, user=owner, document=small_pipeline(), name="Iris")
    run = services.run_submit(workspace=workspace, version=version)  # stays queued: no engine runs here
    from engine.models import ComputeTarget

    target = ComputeTarget.objects.create(workspace=workspace, name="solo", kind="local", settings={"concurrency": 1})
    return World(tokens=tokens, ids={
        "draft_id": [draft.id], "version_id": [version.id], "run_id": [run.id], "node_id": ["data", "pick"],
        "port": ["data"], "key": ["sample_dataset", "pass_through"], "version": ["1"],
        "draft": [draft.id], "workspace": ["fuzz-lab"], "target_id": [target.id],
    })
