"""Issue 10, item 6: environments. Built once per content hash with real pip into a real virtual
environment (offline: wheels made by the test, pip told to use only them); a package that does
not exist or does not build fails the build with a message naming it; two Python Script nodes in
two environments see two versions of one package in one run; the reuse key follows the
environment; an unknown environment is a compile error."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from designer.environments import environment_build, environment_create, environment_update
from designer.services import document_validate
from engine import envbuild
from engine.datastore import Datastore
from engine.environments import EnvironmentInputError, validate_packages
from engine.models import EnvironmentBuild, Run, Step
from tests.conftest import wait_for_run
from tests.engine.graphs import document
from tests.engine.wheels import make_sdist_that_fails, make_wheel

pytestmark = pytest.mark.django_db(transaction=True)

VERSION_SCRIPT = ("import pandas as pd\n"
                  "def azureml_main(dataframe1=None, dataframe2=None):\n"
                  "    import gwtiny, sys\n"
                  "    print('gwtiny', gwtiny.VERSION, 'from', gwtiny.__file__)\n"
                  "    return pd.DataFrame({'version': [gwtiny.VERSION], 'python': [sys.executable]}),\n")


@pytest.fixture
def wheelhouse(tmp_path, settings):
    """pip reads only this folder: gwtiny 1.0 and 2.0, and a source package that cannot build."""
    house = tmp_path / "wheels"
    house.mkdir()
    make_wheel(house, "gwtiny", "1.0")
    make_wheel(house, "gwtiny", "2.0")
    make_wheel(house, "gwneedy", "1.0", requires=("gwnobody>=1",))
    make_sdist_that_fails(house, "gwbroken", "1.0")
    settings.ENVIRONMENT_BUILD = {"NO_INDEX": True, "FIND_LINKS": str(house), "ALLOW_SOURCE": False,
                                  "INDEX_URL": "", "TIMEOUT": 300.0}
    return house


def _built(row, timeout: float = 120.0) -> EnvironmentBuild:
    envbuild.wait(row.content_hash, timeout)
    return EnvironmentBuild.objects.get(content_hash=row.content_hash)


def _script(nid: str, environment: str | None) -> dict:
    n = {"id": nid, "module": "execute_python_script", "version": "1", "params": {"script": VERSION_SCRIPT}}
    if environment is not None:
        n["environment"] = environment
    return n


def test_a_build_makes_a_venv_whose_python_sees_its_pins_first_and_the_projects_packages(wheelhouse, workspace,
                                                                                      user):
    row = environment_create(workspace=workspace, user=user, name="tiny-one", packages=["gwtiny==1.0"])
    build = _built(row)
    assert build.status == "ready", build.log
    assert "gwtiny" in build.log and build.error == ""
    python = envbuild.python_of(row.content_hash)
    out = subprocess.run([python, "-I", "-c", "import gwtiny, pandas; print(gwtiny.VERSION, pandas.__name__)"],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["1.0", "pandas"]  # its own package, and the project's pandas through the .pth
    # the engine's own Python does not see it
    assert subprocess.run([sys.executable, "-c", "import gwtiny"], capture_output=True).returncode != 0


def test_identical_environments_share_one_build_and_a_second_one_builds_nothing(wheelhouse, workspace, user,
                                                                               make_workspace, make_user):
    first = environment_create(workspace=workspace, user=user, name="tiny", packages=["gwtiny==1.0"])
    assert _built(first).status == "ready"
    marker = os.path.join(envbuild.env_dir(first.content_hash), envbuild.READY)
    made_at = os.stat(marker).st_mtime_ns
    bob = make_user("bob")
    other_ws = make_workspace(bob, slug="bob-lab")
    # another workspace, another name, the same contents (in another order of words): one build
    second = environment_create(workspace=other_ws, user=bob, name="same", packages=["gwtiny ==1.0"])
    assert second.content_hash == first.content_hash
    assert envbuild.request(second.content_hash) is False  # ready: nothing to do
    assert EnvironmentBuild.objects.filter(content_hash=first.content_hash).count() == 1
    assert os.stat(marker).st_mtime_ns == made_at
    assert envbuild.ensure(second.content_hash) == envbuild.python_of(first.content_hash)


@pytest.mark.parametrize("package, expected", [
    ("gwnothere==1.0", "package 'gwnothere==1.0' was not found"),
    ("gwtiny==9.9", "no version of 'gwtiny==9.9' matches: available versions include 1.0, 2.0"),
    ("gwneedy==1.0", "package 'gwnobody>=1' was not found"),  # a dependency nobody has
])
def test_a_package_that_does_not_exist_fails_the_build_naming_it(wheelhouse, workspace, user, package, expected):
    row = environment_create(workspace=workspace, user=user, name="bad", packages=[package])
    build = _built(row)
    assert build.status == "failed"
    assert build.error.startswith(expected), build.error
    assert "ERROR" in build.log  # pip's own words are kept in the log
    assert not os.path.exists(envbuild.env_dir(row.content_hash))  # nothing half-made is left
    with pytest.raises(envbuild.BuildFailed, match="was not found|no version"):
        envbuild.ensure(row.content_hash)  # a step using it fails with that message, no second build


def test_a_package_that_does_not_build_fails_with_its_name_and_a_rebuild_can_be_asked(wheelhouse, workspace, user,
                                                                                    settings):
    row = environment_create(workspace=workspace, user=user, name="broken", packages=["gwbroken==1.0"])
    build = _built(row)
    assert build.status == "failed" and "source distributions are not built" in build.error  # by default
    settings.ENVIRONMENT_BUILD = {**settings.ENVIRONMENT_BUILD, "ALLOW_SOURCE": True}
    # building a source package needs setuptools: the copy Python bundles (ensurepip), no network
    import ensurepip

    bundled = os.path.join(os.path.dirname(ensurepip.__file__), "_bundled")
    for name in os.listdir(bundled):
        if name.startswith("setuptools-"):
            shutil.copy(os.path.join(bundled, name), wheelhouse / name)
    environment_build(row=row, user=user)  # retry, now with source builds allowed
    build = _built(row, timeout=300)
    assert build.status == "failed"
    assert build.error.startswith("package 'gwbroken' did not build"), build.error
    assert "this package cannot be built" in build.log


@pytest.mark.parametrize("packages", [
    ["-e ."], ["--index-url=http://evil/"], ["six @ https://evil/six.whl"], ["../six"], ["/etc/passwd"],
    ["six; os.system('x')"], ["six\n--extra-index-url x"], ["x" * 201], [""], [None], [["six"]], "six",
    ["six"] * 2, [f"p{i}" for i in range(51)], ["six==1.0\x00"], ["file:///etc"],
])
def test_hostile_package_lists_are_refused(packages):
    with pytest.raises(EnvironmentInputError) as exc:
        validate_packages(packages)
    assert exc.value.errors and all(e["message"] for e in exc.value.errors)


def test_two_script_nodes_in_two_environments_see_two_versions_in_one_run(wheelhouse, engine, workspace, user,
                                                                          settings):
    one = environment_create(workspace=workspace, user=user, name="tiny", packages=["gwtiny==1.0"])
    two = environment_update(row=one, user=user, packages=["gwtiny==2.0"])
    assert (one.version, two.version) == (1, 2) and one.content_hash != two.content_hash
    # not built yet when the run starts: the steps wait for their builds
    plain = {**_script("plain", None), "params": {"script": VERSION_SCRIPT.replace("import gwtiny, sys", "import sys")
                                                  .replace("gwtiny.VERSION", "'none'").replace("gwtiny.__file__", "''")}}
    doc = document([_script("old", "tiny@1"), _script("new", "tiny"), plain], [])
    from designer.services import draft_create, draft_submit

    draft = draft_create(workspace=workspace, user=user, name="envs", document=doc)
    run = wait_for_run(draft_submit(draft=draft, user=user)[0].pk, timeout=300)
    steps = {s.node_id: s for s in Step.objects.filter(run=run)}
    assert run.status == Run.Status.SUCCEEDED, {k: (s.status, s.error) for k, s in steps.items()}
    store = Datastore(settings.DATASTORE_ROOT)
    seen = {nid: store.load(s.outputs["result1"]["digest"], "DataFrame").iloc[0].to_dict() for nid, s in steps.items()}
    assert seen["old"]["version"] == "1.0" and seen["new"]["version"] == "2.0"
    assert seen["old"]["python"] == envbuild.python_of(one.content_hash)
    assert seen["new"]["python"] == envbuild.python_of(two.content_hash)
    assert seen["plain"]["python"] != seen["old"]["python"]  # the server's own Python, beside them


def test_the_reuse_key_follows_the_environment_and_an_unknown_one_is_a_compile_error(wheelhouse, workspace, user):
    from engine.cache import step_key
    from engine.compiler import compile_document
    from designer.selectors import dataset_resolver

    one = environment_create(workspace=workspace, user=user, name="tiny", packages=["gwtiny==1.0"])
    environment_update(row=one, user=user, packages=["gwtiny==2.0"])
    resolve = dataset_resolver(workspace=workspace)

    def key(environment):
        plan = compile_document(document([_script("s", environment)], []), resolve_dataset=resolve)
        return step_key(plan.step("s"), {})

    keys = {key(None), key("tiny@1"), key("tiny@2")}
    assert len(keys) == 3
    assert key("tiny") == key("tiny@2")  # the newest version
    found = document_validate(workspace=workspace, document=document([_script("s", "nope")], []))
    assert [(e["code"], e.get("node"), e.get("field")) for e in found] == [("unknown_environment", "s", "environment")]
    found = document_validate(workspace=workspace, document=document([_script("s", "tiny@3")], []))
    assert [e["code"] for e in found] == ["unknown_environment"]
    found = document_validate(workspace=workspace, document=document([_script("s", "Bad Name")], []))
    assert [e["code"] for e in found] == ["invalid_document"]
