"""Custom modules over REST: registering a .py or a zip, refusals with clear messages, versions,
status and default, the catalogue listing, and the compiler seeing a workspace's custom modules."""
from __future__ import annotations

import hashlib
import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from designer.models import CustomModule, Membership
from modules_catalog.registry import load_builtins
from tests.engine.graphs import document, edge, node

pytestmark = pytest.mark.django_db

SCALE = '''"""Multiplies the chosen columns by a factor."""
from modules_catalog.spec import module, Port, Param, PortType, ParamKind


@module("scale_columns", "{version}", "Scale Columns", "Data Transformation",
        inputs=[Port("data", PortType.DATAFRAME, label="Dataset")],
        outputs=[Port("data", PortType.DATAFRAME, label="Scaled")],
        params=[Param("columns", ParamKind.COLUMNS, port="data", label="Columns"),
                Param("factor", ParamKind.FLOAT, default={factor}, label="Factor")])
def scale_columns(ctx, data, columns, factor):
    out = data.copy()
    out[columns] = out[columns] * factor
    return out
'''


def scale(version: str = "1", factor: float = 2.0) -> bytes:
    return SCALE.format(version=version, factor=factor).encode()


def upload(api, content: bytes, name: str = "scale.py", workspace=None, **extra):
    body = {"file": SimpleUploadedFile(name, content), **extra}
    if workspace is not None:
        body["workspace"] = workspace.slug
    return api.post("/api/v1/custom-modules/", body, format="multipart")


def registered(api, content: bytes, name: str = "scale.py", **extra) -> list[dict]:
    response = upload(api, content, name, **extra)
    assert response.status_code == 201, response.json()
    return response.json()["modules"]


def error_of(response, status: int = 400) -> dict:
    assert response.status_code == status, response.json()
    (err,) = response.json()["errors"]
    return err


def zipped(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


def modules(api, workspace, **query) -> dict[tuple[str, str], dict]:
    response = api.get("/api/v1/modules/", {"workspace": workspace.slug, **query})
    assert response.status_code == 200
    return {(m["key"], m["version"]): m for m in response.json()}


# -- registering ----------------------------------------------------------------------------

def test_a_python_file_is_registered_stored_by_its_hash_and_listed_with_the_builtins(api, workspace, settings):
    content = scale()
    (row,) = registered(api, content, workspace=workspace)
    digest = hashlib.sha256(content).hexdigest()
    assert row["key"] == "scale_columns" and row["version"] == "1" and row["label"] == "Scale Columns"
    assert row["content_hash"] == digest and row["status"] == "active" and row["is_default"] is True
    assert row["workspace"] == workspace.slug and row["created_by"] == "ada" and row["source_kind"] == "py"
    assert [p["name"] for p in row["declaration"]["params"]] == ["columns", "factor"]
    with open(os.path.join(settings.DATASTORE_ROOT, "modules", digest, "source.py"), "rb") as fh:
        assert fh.read() == content
    listed = modules(api, workspace)
    mine = listed[("scale_columns", "1")]
    assert mine["custom"] is True and mine["user_code"] is True and mine["is_default"] is True
    assert mine["category"] == "Data Transformation" and mine["params"][1]["default"] == 2.0
    assert mine["content_hash"] == digest
    assert ("select_columns", "1") in listed and listed[("select_columns", "1")]["custom"] is False
    # never imported here: the server's own registry does not know it
    assert not load_builtins().versions("scale_columns")


def test_a_zip_of_files_is_registered_from_its_entry_file(api, workspace):
    content = zipped({
        "pkg/helpers.py": "def twice(x):\n    return 2 * x\n",
        "main.py": ("from modules_catalog.spec import module, Port, PortType\nfrom pkg.helpers import twice\n\n"
                    "@module('twice_all', '1', 'Twice All', 'Data Transformation',\n"
                    "        inputs=[Port('data', PortType.DATAFRAME)], outputs=[Port('data', PortType.DATAFRAME)])\n"
                    "def twice_all(ctx, data):\n    return twice(data)\n"),
    })
    (row,) = registered(api, content, "bundle.zip")
    assert row["key"] == "twice_all" and row["source_kind"] == "zip" and row["entry"] == "main.py"
    assert row["content_hash"] == hashlib.sha256(content).hexdigest()


def test_a_zip_names_its_entry_when_it_has_several_python_files(api, workspace):
    content = zipped({"a.py": "x = 1\n", "b.py": "y = 2\n"})
    err = error_of(upload(api, content, "two.zip"))
    assert err["code"] == "bad_file" and "name the entry file" in err["message"] and "a.py" in err["message"]
    err = error_of(upload(api, content, "two.zip", entry="a.py"))
    assert err["code"] == "no_module" and "@module" in err["message"]


@pytest.mark.parametrize("source, code, words", [
    ("from modules_catalog.spec import module\n\ndef f(:\n    pass\n", "syntax_error", ["line 3"]),
    ("import math\nx = math.pi\n", "no_module", ["declares no module", "@module"]),
    ("import no_such_package_xyz\n", "import_error", ["No module named 'no_such_package_xyz'", "line 1"]),
    ("from modules_catalog.spec import module, Param, ParamKind\n\n"
     "@module('pick_one', '1', 'Pick', 'Utility', params=[Param('how', ParamKind.CHOICE)])\n"
     "def pick_one(ctx, how):\n    return None\n", "invalid_declaration", ["declares no choices", "line 3"]),
    ("from modules_catalog.spec import module\n\n@module('Bad Key', '1', 'Bad', 'Utility')\n"
     "def bad(ctx):\n    return None\n", "invalid_declaration", ["'Bad Key' is not valid"]),
])
def test_a_file_whose_declaration_cannot_be_read_is_a_400_saying_why(api, workspace, source, code, words):
    err = error_of(upload(api, source.encode()))
    assert err["code"] == code and err["field"] == "file"
    for word in words:
        assert word in err["message"], err["message"]
    assert not CustomModule.objects.exists()


def test_files_that_are_not_python_too_large_or_escape_their_folder_are_refused(api, workspace):
    err = error_of(upload(api, b"a,b\n1,2\n", "data.csv"))
    assert err["code"] == "bad_file" and "neither a Python file" in err["message"]
    err = error_of(upload(api, b"# " + b"x" * (1 << 20) + b"\n", "big.py"), 413)
    assert err["code"] == "too_large" and "1048576 bytes" in err["message"]
    err = error_of(upload(api, zipped({"../evil.py": "x = 1\n"}), "evil.zip"))
    assert err["code"] == "bad_file" and "'..'" in err["message"]
    err = error_of(upload(api, b"PK\x03\x04 not really a zip", "broken.zip"))
    assert err["code"] == "bad_file" and "cannot be read" in err["message"]


def test_a_builtin_key_cannot_be_taken(api, workspace):
    source = ("from modules_catalog.spec import module\n\n@module('select_columns', '9', 'Mine', 'Utility')\n"
              "def mine(ctx):\n    return None\n")
    err = error_of(upload(api, source.encode()))
    assert err["code"] == "builtin_key" and "'select_columns'" in err["message"]


def test_a_missing_declared_requirement_is_a_warning_at_registration(api, workspace):
    source = SCALE.format(version="1", factor=2.0).replace(
        'label="Factor")])', 'label="Factor")],\n        requires=["pandas>=1", "no-such-dist-xyz>=1"])')
    response = upload(api, source.encode())
    assert response.status_code == 201, response.json()
    (warning,) = response.json()["warnings"]
    assert warning["code"] == "missing_requirements" and "no-such-dist-xyz>=1 (not installed)" in warning["message"]
    assert response.json()["modules"][0]["missing_requirements"] == ["no-such-dist-xyz>=1 (not installed)"]


def test_only_editors_register_and_change_and_others_do_not_see_them(api, workspace, client_for, make_user,
                                                                      outsider_api):
    (row,) = registered(api, scale())
    viewer = make_user("vera")
    Membership.objects.create(workspace=workspace, user=viewer, role=Membership.Role.VIEWER)
    as_viewer = client_for(viewer)
    assert error_of(upload(as_viewer, scale("2"), workspace=workspace), 403)["code"] == "permission_denied"
    assert as_viewer.patch(f"/api/v1/custom-modules/{row['id']}/", {"status": "disabled"},
                           format="json").status_code == 403
    assert as_viewer.get(f"/api/v1/custom-modules/{row['id']}/").status_code == 200
    assert outsider_api.get(f"/api/v1/custom-modules/{row['id']}/").status_code == 404
    assert outsider_api.get("/api/v1/custom-modules/").json() == []
    assert ("scale_columns", "1") not in {(m["key"], m["version"]) for m in outsider_api.get("/api/v1/modules/").json()}


# -- versions -------------------------------------------------------------------------------

def test_a_new_version_becomes_the_default_and_the_same_version_with_other_content_is_a_409(api, workspace):
    (v1,) = registered(api, scale("1"))
    (v2,) = registered(api, scale("2", factor=3.0))
    rows = {r["version"]: r for r in api.get("/api/v1/custom-modules/", {"key": "scale_columns"}).json()}
    assert rows["2"]["is_default"] is True and rows["1"]["is_default"] is False
    err = error_of(upload(api, scale("1", factor=5.0)), 409)
    assert err["code"] == "version_exists" and v1["content_hash"] in err["message"]
    assert err["existing_hash"] == v1["content_hash"]
    # the very same bytes again: nothing new, the existing version answers
    (again,) = registered(api, scale("1"))
    assert again["id"] == v1["id"] and CustomModule.objects.count() == 2
    assert v2["content_hash"] != v1["content_hash"]


def test_deprecate_disable_and_choose_the_default(api, workspace):
    (v1,) = registered(api, scale("1"))
    (v2,) = registered(api, scale("2", factor=3.0))
    assert set(modules(api, workspace)) >= {("scale_columns", "2")}
    assert ("scale_columns", "1") not in modules(api, workspace)

    response = api.patch(f"/api/v1/custom-modules/{v1['id']}/", {"is_default": True}, format="json")
    assert response.status_code == 200 and response.json()["is_default"] is True
    assert CustomModule.objects.get(pk=v2["id"]).is_default is False
    assert ("scale_columns", "1") in modules(api, workspace) and ("scale_columns", "2") not in modules(api, workspace)

    assert api.patch(f"/api/v1/custom-modules/{v2['id']}/", {"status": "deprecated"}, format="json").json()[
        "status"] == "deprecated"
    every = modules(api, workspace, all="1")
    assert every[("scale_columns", "1")]["status"] == "active" and every[("scale_columns", "1")]["is_default"]
    assert every[("scale_columns", "2")]["status"] == "deprecated" and not every[("scale_columns", "2")]["is_default"]

    # disabling the default hands it to the newest version still enabled
    disabled = api.patch(f"/api/v1/custom-modules/{v1['id']}/", {"status": "disabled"}, format="json").json()
    assert disabled["status"] == "disabled" and disabled["is_default"] is False
    assert CustomModule.objects.get(pk=v2["id"]).is_default is True
    every = modules(api, workspace, all="1")
    assert every[("scale_columns", "1")]["disabled"] is True and every[("scale_columns", "1")]["status"] == "disabled"

    err = error_of(api.patch(f"/api/v1/custom-modules/{v1['id']}/", {"is_default": True}, format="json"))
    assert err["code"] == "disabled_default"
    err = error_of(api.patch(f"/api/v1/custom-modules/{v1['id']}/", {"status": "gone"}, format="json"))
    assert err["field"] == "status"

    # every version disabled: the module leaves the palette; enabling one offers it again
    api.patch(f"/api/v1/custom-modules/{v2['id']}/", {"status": "disabled"}, format="json")
    assert not any(key == "scale_columns" for key, _ in modules(api, workspace))
    again = api.patch(f"/api/v1/custom-modules/{v1['id']}/", {"status": "active"}, format="json").json()
    assert again["is_default"] is True and ("scale_columns", "1") in modules(api, workspace)


# -- the compiler sees them -----------------------------------------------------------------

def pipeline(version: str | None = "1") -> dict:
    scaled = node("scale", "scale_columns", columns=["sepal length (cm)"], factor=10.0)
    if version is None:
        del scaled["version"]
    else:
        scaled["version"] = version
    return document([node("data", "sample_dataset", name="iris"), scaled], [edge("data", "data", "scale", "data")])


def draft_of(api, workspace, doc) -> int:
    response = api.post("/api/v1/drafts/", {"workspace": workspace.slug, "name": "Custom", "document": doc},
                        format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def test_schemas_validation_and_plan_of_a_draft_use_the_workspace_custom_modules(api, workspace, outsider_api):
    (v1,) = registered(api, scale("1"))
    draft = draft_of(api, workspace, pipeline("1"))
    schemas = api.get(f"/api/v1/drafts/{draft}/schemas/").json()
    assert schemas["errors"] == []
    assert [c["name"] for c in schemas["nodes"]["scale"]["inputs"]["data"]][:1] == ["sepal length (cm)"]
    assert schemas["nodes"]["scale"]["outputs"] == {"data": None}  # its code is not run by the designer
    assert api.get(f"/api/v1/drafts/{draft}/validation/").json() == {"valid": True, "errors": []}
    plan = api.post(f"/api/v1/drafts/{draft}/plan/", {}, format="json").json()
    assert {p["node"]: p["action"] for p in plan} == {"data": "run", "scale": "run"}
    # a column the input does not have is caught at design time, as for a built-in
    bad = pipeline("1")
    bad["nodes"][1]["params"]["columns"] = ["nope"]
    api.patch(f"/api/v1/drafts/{draft}/", {"document": bad}, format="json")
    (err,) = api.get(f"/api/v1/drafts/{draft}/validation/").json()["errors"]
    assert err["code"] == "unknown_column" and err["node"] == "scale"
    # another workspace has no such module
    other = outsider_api.post("/api/v1/pipelines/validate/", {"document": pipeline("1")}, format="json").json()
    assert other["errors"][0]["code"] == "unknown_module"


def test_a_disabled_version_is_refused_naming_the_node_and_a_deprecated_one_is_noted(api, workspace):
    (v1,) = registered(api, scale("1"))
    (v2,) = registered(api, scale("2", factor=3.0))
    draft = draft_of(api, workspace, pipeline("1"))
    result = api.get(f"/api/v1/drafts/{draft}/validation/").json()
    assert result["valid"] is True
    assert result["warnings"] == [{"code": "newer_version", "severity": "info", "node": "scale",
                                   "message": "node 'scale' uses scale_columns@1; version 2 is available"}]

    api.patch(f"/api/v1/custom-modules/{v1['id']}/", {"status": "deprecated"}, format="json")
    (note,) = api.get(f"/api/v1/drafts/{draft}/validation/").json()["warnings"]
    assert note["code"] == "deprecated_module" and note["severity"] == "warning" and note["node"] == "scale"

    api.patch(f"/api/v1/custom-modules/{v1['id']}/", {"status": "disabled"}, format="json")
    result = api.get(f"/api/v1/drafts/{draft}/validation/").json()
    (err,) = result["errors"]
    assert err["code"] == "disabled_module" and err["node"] == "scale" and "scale_columns@1" in err["message"]
    submit = api.post(f"/api/v1/drafts/{draft}/submit/", {}, format="json")
    assert submit.status_code == 400 and submit.json()["errors"][0]["code"] == "disabled_module"

    # a node without a version takes the default
    api.patch(f"/api/v1/drafts/{draft}/", {"document": pipeline(None)}, format="json")
    assert api.get(f"/api/v1/drafts/{draft}/validation/").json()["valid"] is True


def test_registrations_beyond_the_readers_at_once_wait_then_say_the_server_is_busy(api, workspace, monkeypatch):
    import threading

    from modules_catalog import custom

    readers = threading.BoundedSemaphore(1)
    readers.acquire()  # another registration is being read
    monkeypatch.setattr(custom, "_readers", readers)
    monkeypatch.setattr(custom, "READ_TIMEOUT_SECONDS", 0.2)
    err = error_of(upload(api, scale()), 503)
    assert err["code"] == "busy" and "try again" in err["message"]
    readers.release()
    monkeypatch.setattr(custom, "READ_TIMEOUT_SECONDS", 60.0)  # the child itself may take its time on a busy machine
    assert upload(api, scale()).status_code == 201
