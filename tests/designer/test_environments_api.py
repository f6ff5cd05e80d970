"""Issue 10, item 6: environments over the API. Editors and owners create and edit (a new version),
rebuild and remove; viewers read; another workspace's environment is a 404; bad input is a 400
naming the field; the build's status and log are readable while it runs and after."""
from __future__ import annotations

import pytest

from designer.models import Membership
from engine import envbuild
from engine.models import Environment
from tests.engine.wheels import make_wheel

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/environments/"


@pytest.fixture
def wheelhouse(tmp_path, settings):
    house = tmp_path / "wheels"
    house.mkdir()
    make_wheel(house, "gwtiny", "1.0")
    make_wheel(house, "gwtiny", "2.0")
    settings.ENVIRONMENT_BUILD = {"NO_INDEX": True, "FIND_LINKS": str(house), "ALLOW_SOURCE": False,
                                  "INDEX_URL": "", "TIMEOUT": 300.0}
    return house


def create(api, workspace, name, packages, expect=201, **extra):
    response = api.post(URL, {"workspace": workspace.slug, "name": name, "packages": packages, **extra}, format="json")
    assert response.status_code == expect, response.json()
    return response.json()


def test_environments_are_created_versioned_built_and_removed(api, workspace, wheelhouse):
    made = create(api, workspace, "tiny", ["gwtiny==1.0"])
    assert (made["name"], made["version"], made["reference"], made["packages"]) == ("tiny", 1, "tiny@1", ["gwtiny==1.0"])
    assert made["build"]["status"] in ("queued", "building", "ready")
    envbuild.wait(made["content_hash"], 120)
    detail = api.get(f"{URL}{made['id']}/").json()
    assert detail["build"]["status"] == "ready" and "gwtiny" in detail["build"]["log"]
    # an edit is the next version; the first stays as it was
    edited = api.patch(f"{URL}{made['id']}/", {"packages": ["gwtiny==2.0"]}, format="json")
    assert edited.status_code == 200, edited.json()
    assert (edited.json()["version"], edited.json()["packages"]) == (2, ["gwtiny==2.0"])
    assert api.get(f"{URL}{made['id']}/").json()["packages"] == ["gwtiny==1.0"]
    same = api.patch(f"{URL}{made['id']}/", {"packages": ["gwtiny==2.0"]}, format="json").json()
    assert same["id"] == edited.json()["id"]  # nothing changed: no third version
    listed = api.get(URL, {"workspace": workspace.slug, "name": "tiny"}).json()
    assert [e["version"] for e in listed] == [2, 1]
    envbuild.wait(edited.json()["content_hash"], 120)
    rebuilt = api.post(f"{URL}{edited.json()['id']}/build/")
    assert rebuilt.status_code == 202 and rebuilt.json()["status"] == "ready"  # ready: kept, not rebuilt
    assert api.delete(f"{URL}{made['id']}/").status_code == 204
    assert api.get(f"{URL}{made['id']}/").status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"name": "Bad Name", "packages": []}, "name"),
    ({"name": "../etc", "packages": []}, "name"),
    ({"name": "ok", "packages": ["-e ."]}, "packages[0]"),
    ({"name": "ok", "packages": ["six @ https://evil.example/six.whl"]}, "packages[0]"),
    ({"name": "ok", "packages": ["six", "Six"]}, "packages[1]"),
    ({"name": "ok", "packages": ["x" * 201]}, "packages"),
    ({"name": "ok", "packages": [f"p{i}" for i in range(51)]}, "packages"),
    ({"name": "ok", "packages": "six"}, "packages"),
    ({"name": "ok", "packages": [], "base_image": "UPPER:case"}, "base_image"),
    ({"name": "x" * 65, "packages": []}, "name"),
])
def test_bad_environments_are_400s_naming_the_field(api, workspace, body, field):
    response = api.post(URL, {"workspace": workspace.slug, **body}, format="json")
    assert response.status_code == 400, response.json()
    fields = [e.get("field", "") for e in response.json()["errors"]]
    assert any(f == field or f.startswith(field) for f in fields), response.json()
    assert not Environment.objects.exists()


def test_a_name_is_one_environment_per_workspace(api, workspace, wheelhouse):
    create(api, workspace, "tiny", ["gwtiny==1.0"])
    body = create(api, workspace, "tiny", ["gwtiny==2.0"], expect=400)
    assert [e["code"] for e in body["errors"]] == ["name_taken"]


def test_viewers_read_and_outsiders_see_nothing(api, client_for, make_user, workspace, outsider_api, wheelhouse):
    made = create(api, workspace, "tiny", ["gwtiny==1.0"])
    viewer = make_user("vic")
    Membership.objects.create(workspace=workspace, user=viewer, role=Membership.Role.VIEWER)
    as_viewer = client_for(viewer)
    assert as_viewer.get(f"{URL}{made['id']}/").status_code == 200
    assert as_viewer.patch(f"{URL}{made['id']}/", {"packages": ["gwtiny==2.0"]}, format="json").status_code == 403
    assert as_viewer.post(f"{URL}{made['id']}/build/").status_code == 403
    assert as_viewer.delete(f"{URL}{made['id']}/").status_code == 403
    assert create(as_viewer, workspace, "mine", [], expect=403)["errors"][0]["code"] == "permission_denied"
    for method in ("get", "patch", "delete"):
        assert getattr(outsider_api, method)(f"{URL}{made['id']}/").status_code == 404
    assert outsider_api.post(f"{URL}{made['id']}/build/").status_code == 404
    assert outsider_api.get(URL).json() == []
    assert outsider_api.get(URL, {"workspace": workspace.slug}).status_code == 404
    assert api.get(URL, {"name": "../x"}).status_code == 400
    envbuild.wait(made["content_hash"], 120)
