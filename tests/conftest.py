"""Shared fixtures: users, workspaces, API clients, and a running engine for run-level tests."""
from __future__ import annotations

import os
import time
from urllib.parse import quote

import pytest

# the Redis database the tests' Celery workers and brokers use (never the one a server runs on)
TEST_REDIS_URL = os.environ.get("GRAPHWRIGHT_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")

# `make test` runs the suite twice at once: GRAPHWRIGHT_TEST_PASS=embedded (SQLite, in-memory channel
# layer) and GRAPHWRIGHT_TEST_PASS=scaled (PostgreSQL, channels-redis; GRAPHWRIGHT_DB_TESTS_ONLY=1
# says the same). Unset (a plain `pytest`), every test runs.
TEST_PASS = os.environ.get("GRAPHWRIGHT_TEST_PASS") or ("scaled" if os.environ.get("GRAPHWRIGHT_DB_TESTS_ONLY") == "1"
                                                        else "")


def pytest_configure(config):
    config.addinivalue_line("markers", "embedded_only(reason): runs in the embedded pass only (see pytest_collection_modifyitems)")
    config.addinivalue_line("markers", "scaled_only(reason): runs in the scaled pass only (see pytest_collection_modifyitems)")
    config.addinivalue_line("markers", "both_passes(reason): runs in both passes though it uses no database "
                                       "(it depends on the channel layer)")


def _uses_db(item) -> bool:
    return item.get_closest_marker("django_db") is not None or "django_db_setup" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config, items):
    """Which pass runs a test, so that each behaviour runs once against the backend that matters:
    - the scaled pass runs only the tests that use the database (a test without one does the same on
      SQLite and PostgreSQL, and it already ran in the embedded pass), unless marked `both_passes`
      or `scaled_only`, and never those marked `embedded_only`;
    - the embedded pass runs all but those marked `scaled_only` (each mark says why)."""
    if TEST_PASS not in ("embedded", "scaled"):
        return
    kept, dropped = [], []
    for item in items:
        if TEST_PASS == "scaled":
            keep = item.get_closest_marker("embedded_only") is None and (
                _uses_db(item) or item.get_closest_marker("both_passes") is not None
                or item.get_closest_marker("scaled_only") is not None)
        else:
            keep = item.get_closest_marker("scaled_only") is None
        (kept if keep else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(autouse=True)
def _isolated_var(tmp_path, settings):
    """Every test gets its own datastore and work folders."""
    settings.DATASTORE_ROOT = str(tmp_path / "datastore")
    settings.WORK_ROOT = str(tmp_path / "work")
    settings.UPLOAD_PARTS_DIR = str(tmp_path / "upload-parts")
    settings.ENVIRONMENTS_ROOT = str(tmp_path / "envs")
    # builds read no index unless a test gives them wheels (tests/engine/wheels.py): an environment
    # the API fuzzer makes fails fast, offline
    settings.ENVIRONMENT_BUILD = {"NO_INDEX": True, "FIND_LINKS": "", "INDEX_URL": "", "ALLOW_SOURCE": False,
                                  "TIMEOUT": 120.0}
    os.makedirs(settings.DATASTORE_ROOT, exist_ok=True)
    yield
    from engine import envbuild

    envbuild.join_all(timeout=120)  # no environment build outlives its test


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher(django_test_environment):
    """Passwords the tests set are hashed with MD5, not Django's PBKDF2 of a million rounds: that was
    half a second of CPU for each user a test made (most make one or two), seconds a test on two busy
    cores. PBKDF2 stays second in the list, so a password a server subprocess hashed (bootstrap's
    admin) still checks here. What production hashes with is config/settings.py's (Django's
    default); test_auth_api.py checks that it is not MD5."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher",
                                             "django.contrib.auth.hashers.PBKDF2PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Every test gets its own channel layer: pytest-asyncio gives each test its own event loop,
    and a Redis layer lets one loop at a time receive, so a consumer task a previous test left
    behind on its closed loop must not hold the layer the next test uses."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def make_user(django_user_model):
    def make(username: str = "ada", password: str = "correct-horse-battery"):
        return django_user_model.objects.create_user(username=username, password=password)

    return make


@pytest.fixture
def make_workspace():
    def make(*users, slug: str = "default", name: str | None = None):
        from designer.models import Membership, Workspace

        ws = Workspace.objects.create(slug=slug, name=name or slug.title())
        for user in users:
            Membership.objects.create(workspace=ws, user=user, role=Membership.Role.OWNER)
        return ws

    return make


@pytest.fixture
def user(make_user):
    return make_user("ada")


@pytest.fixture
def workspace(make_workspace, user):
    return make_workspace(user, slug="ada-lab")


@pytest.fixture
def outsider(make_user, make_workspace):
    """A user with a workspace of their own and no access to `workspace`."""
    other = make_user("mallory")
    make_workspace(other, slug="mallory-lab")
    return other


@pytest.fixture
def client_for():
    """An API client authenticated as the given user."""
    from rest_framework.test import APIClient

    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def api(client_for, user):
    return client_for(user)


@pytest.fixture
def engine(transactional_db, settings):
    """A running engine (executor thread + local target) for tests that submit runs."""
    from engine import executor

    ex = executor.start()
    yield ex
    executor.stop()


def test_database_url() -> str | None:
    """A DATABASE_URL naming the database this test uses (pytest-django's `test_…` database, not
    the configured one) when that is PostgreSQL; None for SQLite (a file: SQLITE_PATH names it)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    conf = connection.settings_dict
    auth = quote(conf["USER"] or "", safe="") + (f":{quote(conf['PASSWORD'], safe='')}" if conf["PASSWORD"] else "")
    host = conf["HOST"] or "localhost"
    port = f":{conf['PORT']}" if conf["PORT"] else ""
    return f"postgres://{auth}{'@' if auth else ''}{host}{port}/{quote(conf['NAME'], safe='')}"


def subprocess_db_env(**extra: str) -> dict[str, str]:
    """The environment of a subprocess (an engine, a Celery worker, a server) that must reach this
    test's database: this process's environment with DATABASE_URL naming the test database on
    PostgreSQL, or SQLITE_PATH naming the test's SQLite file; then `extra`."""
    from django.db import connection

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
    url = test_database_url()
    if url is not None:
        env["DATABASE_URL"] = url
    else:
        env["SQLITE_PATH"] = str(connection.settings_dict["NAME"])
    env.update(extra)
    return env


def wait_for_run(run_id: int, timeout: float = 60.0):
    """Block until the run reaches a final status; return it fresh from the database."""
    from engine.models import Run

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = Run.objects.get(pk=run_id)
        if run.status in Run.FINAL:
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} still {Run.objects.get(pk=run_id).status} after {timeout}s")


@pytest.fixture
def tiny_disk(tmp_path):
    """`tiny_disk("64k")`: a folder on a real file system of that size (tmpfs), for full-disk tests;
    unmounted after the test. Mounting needs root: without it the test is skipped, except under
    CI, which runs as root, so there a refused mount fails instead of hiding the test."""
    import subprocess

    mounts = []

    def mount(size: str, *, inodes: int | None = None):
        folder = tmp_path / f"tmpfs{len(mounts)}"
        folder.mkdir()
        options = f"size={size}" + (f",nr_inodes={inodes}" if inodes else "")
        result = (subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
                  if os.geteuid() == 0 else None)
        if result is None or result.returncode != 0:
            reason = "mounting a tmpfs needs root" if result is None else result.stderr.decode().strip()
            if os.environ.get("CI"):
                pytest.fail(f"cannot mount a tmpfs under CI: {reason}")
            pytest.skip(f"cannot mount a small tmpfs here ({reason}); CI runs this test as root")
        mounts.append(folder)
        return folder

    yield mount
    for folder in mounts:
        subprocess.run(["umount", str(folder)], check=False)
