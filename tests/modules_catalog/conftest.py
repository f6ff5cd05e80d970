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

