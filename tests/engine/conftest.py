"""Fixtures of the local target's tests: warm targets (one per test module, or one per test) and a
datastore."""
from __future__ import annotations

import pytest

from engine.datastore import Datastore
from engine.targets.local import LocalTarget

from .local_steps import FIXTURES, SECRETS


def pytest_collection_finish(session):
    """A session that runs a docker target's test starts building the step image now, in the
    background (tests/engine/docker_build.py): it takes minutes on a fresh clone, mostly waiting on
    the network, and the tests before the docker ones run meanwhile."""
    from . import docker_build

    if session.config.option.collectonly:
        return
    if docker_build.can_build() and any(item.path.name in docker_build.DOCKER_TESTS for item in session.items):
        docker_build.start()

@pytest.fixture(scope="module")
def target():
    """One warm target shared by the module's tests."""
    tgt = LocalTarget(concurrency=4, pool_size=2, extra_modules=[FIXTURES])
    assert tgt.warm(60), "the zygote did not come up"
    yield tgt
    tgt.close()


@pytest.fixture
def secret_target(monkeypatch):
    """A target created, and used, while secrets sit in this process's environment."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    tgt = LocalTarget(concurrency=2, pool_size=1)
    yield tgt
    tgt.close()


@pytest.fixture
def own_target():
    tgt = LocalTarget(concurrency=2, pool_size=1, extra_modules=[FIXTURES])
    assert tgt.warm(60)
    yield tgt
    tgt.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Datastore:
    return Datastore(str(tmp_path_factory.mktemp("datastore")))
