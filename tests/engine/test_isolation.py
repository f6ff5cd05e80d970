"""User code cannot see the server (local target, engine run as root): a script, and a custom
module, try to read the server's secrets and write outside their work folder, through real runs of
the engine, and report what they could do. Built-in steps are unchanged."""
from __future__ import annotations

import os

import pandas as pd
import pytest
from django.conf import settings
from django.db import connection
from sklearn.datasets import load_iris

from engine import services
from engine.selectors import datastore
from engine.targets import isolation
from tests.conftest import wait_for_run

from .graphs import document, edge, node, script_node

pytestmark = pytest.mark.django_db(transaction=True)
root_only = pytest.mark.skipif(not isolation.enabled(), reason="isolation needs the engine to run as root (CI does)")

# the body every probe runs: READS / LISTS / WRITES map a probe's name to a path
PROBE = '''
import os
import pandas as pd


def _try(fn):
    try:
        fn()
        return "allowed"
    except PermissionError:
        return "denied"
    except OSError as exc:
        return type(exc).__name__


def _write(path):
    with open(path, "wb") as fh:
        fh.write(b"x")


def probe(writes=True):
    rows = []
    for name, path in READS.items():
        rows.append((name, _try(lambda p=path: open(p, "rb").read(1))))
    for name, path in LISTS.items():
        rows.append((name, _try(lambda p=path: os.listdir(p))))
    if not writes:  # at import: reading a declaration refuses writes anyway
        return pd.DataFrame(rows, columns=["probe", "outcome"])
    for name, path in WRITES.items():
        rows.append((name, _try(lambda p=path: _write(p))))
    rows.append(("own folder", _try(lambda: (_write("mine.txt"), open(os.path.join(os.getcwd(), "mine.txt"), "rb").read()))))
    rows.append(("own tmp", _try(lambda: __import__("tempfile").TemporaryFile().write(b"x"))))
    rows.append(("secret env", "visible" if "DJANGO_SECRET_KEY" in os.environ else "absent"))
    rows.append(("uid", str(os.getuid())))
    return pd.DataFrame(rows, columns=["probe", "outcome"])
'''


def probes(other_artifact: str) -> tuple[dict, dict, dict]:
    var = str(settings.VAR_DIR)
    db = connection.settings_dict["NAME"]
    password = os.path.join(var, "admin-password.txt")
    root = str(settings.DATASTORE_ROOT)
    reads = {"server environ": f"/proc/{os.getpid()}/environ", "init environ": "/proc/1/environ",
             "admin password": password, "other artifact": other_artifact}
    if connection.vendor == "sqlite":  # PostgreSQL's files are its server's (a user the step is not)
        reads["database"] = db
    lists = {"datastore": root, "var": var, "work root": str(settings.WORK_ROOT)}
    writes = {"write datastore": os.path.join(root, "planted"), "write var": os.path.join(var, "planted"),
              "write objects": os.path.join(root, "objects", "planted")}
    return reads, lists, writes


def with_probes(code: str, other_artifact: str) -> str:
    reads, lists, writes = probes(other_artifact)
    return f"READS = {reads!r}\nLISTS = {lists!r}\nWRITES = {writes!r}\n" + PROBE + code


@pytest.fixture
def secrets_in_place(monkeypatch, workspace):
    """The secret key in the server's environment, an admin password file and the database, as a
    real server has them, and an artifact of another workspace in the datastore."""
    monkeypatch.setenv("DJANGO_SECRET_KEY", "s3cr3t-key-value")
    password = os.path.join(str(settings.VAR_DIR), "admin-password.txt")
    created = not os.path.exists(password)
    if created:
        with open(password, "w") as fh:
            fh.write("hunter2\n")
        os.chmod(password, 0o600)
    other = datastore().put(pd.DataFrame({"salary": [100, 200]}), "DataFrame")
    path = datastore().path(other.digest)
    assert os.path.exists(path)
    assert connection.vendor != "sqlite" or os.path.exists(connection.settings_dict["NAME"])
    from engine import executor

    executor.start()
    yield path
    executor.stop()
    if created:
        os.unlink(password)


def outcomes(frame: pd.DataFrame) -> dict[str, str]:
    return dict(zip(frame["probe"], frame["outcome"]))


def assert_isolated(seen: dict[str, str]) -> None:
    names = ["server environ", "init environ", "admin password", "other artifact",
             "datastore", "var", "work root", "write datastore", "write var", "write objects"]
    for name in names + (["database"] if connection.vendor == "sqlite" else []):
        assert seen[name] == "denied", (name, seen)
    assert seen["own folder"] == "allowed" and seen["own tmp"] == "allowed", seen
    assert seen["secret env"] == "absent"
    assert int(seen["uid"]) >= isolation.STEP_UID_BASE


def submit(workspace, doc):
    from designer.services import version_snapshot

    version = version_snapshot(workspace=workspace, user=None, document=doc, name="t")
    return wait_for_run(services.run_submit(workspace=workspace, version=version).id, timeout=120)


@root_only
def test_a_script_cannot_read_the_servers_secrets_nor_write_outside_its_folder(secrets_in_place, workspace):
    script = with_probes("\ndef azureml_main(dataframe1=None, dataframe2=None):\n"
                         "    return probe(), dataframe1[dataframe1['target'] == 2]\n", secrets_in_place)
    doc = document([node("data", "sample_dataset", name="iris"), script_node("py", script),
                    node("pick", "select_columns", columns=["sepal length (cm)"])],
                   [edge("data", "data", "py", "dataset1"), edge("py", "result2", "pick", "data")])
    doc["nodes"][2]["params"] = {"columns": ["sepal length (cm)"]}
    run = submit(workspace, doc)
    assert run.status == "succeeded", run.error
    step = run.steps.get(node_id="py")
    assert_isolated(outcomes(datastore().load(step.outputs["result1"]["digest"], "DataFrame")))
    # its outputs landed in the datastore, owned by the server, and the next (built-in) step read them
    out = step.outputs["result2"]["digest"]
    assert os.stat(datastore().path(out)).st_uid == os.getuid()
    iris = load_iris(as_frame=True).frame
    picked = datastore().load(run.steps.get(node_id="pick").outputs["data"]["digest"], "DataFrame")
    expected = iris[iris["target"] == 2][["sepal length (cm)"]]
    pd.testing.assert_frame_equal(picked.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False)
    for planted in probes(secrets_in_place)[2].values():
        assert not os.path.exists(planted)


CUSTOM = '''"""Reports what it could reach."""
from modules_catalog.spec import module, Port, PortType


@module("probe_access", "1", "Probe Access", "Data Transformation",
        inputs=[Port("data", PortType.DATAFRAME, label="Dataset")],
        outputs=[Port("data", PortType.DATAFRAME, label="Probes")])
def probe_access(ctx, data):
    return pd.concat([AT_IMPORT, probe()], ignore_index=True)


AT_IMPORT = probe(writes=False).assign(probe=lambda f: "import: " + f["probe"])  # its module's own code, at import
'''


@root_only
def test_a_custom_module_step_is_isolated_the_same_way(secrets_in_place, api, workspace):
    from tests.designer.test_custom_modules_api import draft_of, registered
    from tests.designer.test_custom_modules_run import run_of

    head, _, body = CUSTOM.partition("from modules_catalog.spec")
    source = head + with_probes("\nfrom modules_catalog.spec" + body, secrets_in_place)
    registered(api, source.encode(), name="probe.py")
    doc = document([node("data", "sample_dataset", name="iris"), {**node("probe", "probe_access"), "version": "1"}],
                   [edge("data", "data", "probe", "data")])
    steps = run_of(api, draft_of(api, workspace, doc))
    assert steps["probe"]["status"] == "succeeded", steps["probe"]
    ref = api.get(f"/api/v1/runs/{steps['id']}/steps/probe/outputs/data/").json()
    seen = outcomes(datastore().load(ref["digest"], "DataFrame"))
    assert_isolated(seen)
    at_import = {name[len("import: "):]: value for name, value in seen.items() if name.startswith("import: ")}
    reads, lists, _ = probes(secrets_in_place)
    assert set(at_import) == set(reads) | set(lists)
    assert set(at_import.values()) == {"denied"}, at_import  # its module's code ran without root too


@root_only
def test_built_in_steps_still_run_as_the_server(secrets_in_place, workspace):
    run = submit(workspace, document([node("data", "sample_dataset", name="iris"),
                                      node("pick", "select_columns", columns=["target"])],
                                     [edge("data", "data", "pick", "data")]))
    assert run.status == "succeeded", run.error
    picked = datastore().load(run.steps.get(node_id="pick").outputs["data"]["digest"], "DataFrame")
    assert picked["target"].tolist() == load_iris(as_frame=True).frame["target"].tolist()


def test_an_engine_not_run_as_root_warns_that_user_code_is_not_isolated(monkeypatch, caplog):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(isolation, "_warned", False)
    assert not isolation.enabled()
    with caplog.at_level("WARNING", logger="graphwright.engine.isolation"):
        isolation.warn_if_disabled()
        isolation.warn_if_disabled()
    (record,) = caplog.records
    assert "NOT isolated" in record.getMessage() and "docs/security.md" in record.getMessage()


def test_the_python_runtime_stays_importable_after_the_drop(tmp_path, monkeypatch):
    """Python under a 0700 folder (pyenv in /root) let a dropped step import only what the zygote had
    loaded: its ancestors get search permission for others, never read permission."""
    import os
    import stat
    import sys

    from engine.targets import isolation

    home = tmp_path / "root"
    prefix = home / ".pyenv" / "versions" / "3.11"
    (prefix / "lib").mkdir(parents=True)
    home.chmod(0o700)
    monkeypatch.setattr(sys, "base_prefix", str(prefix))
    monkeypatch.setattr(isolation, "_hardened", set())
    isolation.runtime_reachable()
    mode = stat.S_IMODE(os.stat(home).st_mode)
    assert mode & 0o001 and not mode & 0o004, oct(mode)
