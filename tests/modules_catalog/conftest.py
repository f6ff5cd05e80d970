"""Catalogue fixtures: the registry of built-in modules and a recording context."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def catalog():
    from modules_catalog.registry import load_builtins

    return load_builtins()


@pytest.fixture
def builtins(catalog):
    """Only the shipped modules (tests elsewhere register fixtures of their own)."""
    return [s for s in catalog if s.fn.__module__.startswith("modules_catalog.builtins.")]


@pytest.fixture
def ctx():
    from modules_catalog.context import SimpleContext

    return SimpleContext(seed=0)


def pytest_collection_modifyitems(config, items):
    """In the scaled pass (`make test-scaled` sets GRAPHWRIGHT_DB_TESTS_ONLY=1) only the catalogue
    tests that use the database run again: module functions do not depend on it, and they already
    ran in the embedded pass."""
    import os

    if os.environ.get("GRAPHWRIGHT_DB_TESTS_ONLY") != "1":
        return
    here = os.path.dirname(__file__)
    kept, dropped = [], []
    for item in items:
        uses_db = item.get_closest_marker("django_db") is not None or "django_db_setup" in getattr(item, "fixturenames", ())
        (dropped if str(item.fspath).startswith(here) and not uses_db else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
