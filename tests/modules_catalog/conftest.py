"""The catalogue's tests need neither Django nor a database: they run with `-p no:django`."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Without pytest-django nothing puts the project root on sys.path.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)


@pytest.fixture(autouse=True)
def _isolated_var():
    """Replaces tests/conftest.py's fixture of that name, which needs pytest-django's `settings`."""
    yield


@pytest.fixture(scope="session")
def catalog():
    from modules_catalog.registry import load_builtins

    return load_builtins()


@pytest.fixture
def ctx():
    from modules_catalog.context import SimpleContext

    return SimpleContext(seed=0)
