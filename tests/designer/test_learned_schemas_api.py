"""Learned schemas: Execute Python Script cannot infer its output columns, so once a draft has run,
GET drafts/<id>/schemas/ gives the columns its last successful step produced ("learned_from": the
run), and the checks downstream use them; only for the same draft, node and script text."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris

import tests.engine.check_modules  # noqa: F401 - registers checktest.numeric_only (design time only: never run)
from modules_catalog.schema import schema_json, schema_of
from tests.conftest import wait_for_run
from tests.engine.graphs import document, edge, node, script_node

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = '''\
import numpy as np


def azureml_main(a, b):
    a = a.copy()
    a["species"] = np.array(["setosa", "versicolor", "virginica"])[a["target"].astype(int)]
    return a,
'''


def with_species() -> list[dict]:
    """What the script makes of iris, computed here with pandas directly."""
    frame = load_iris(as_frame=True).frame.copy()
    frame["species"] = np.array(["setosa", "versicolor", "virginica"])[frame["target"].astype(int)]
    return schema_json(schema_of(frame))


def script_doc(script: str = SCRIPT, downstream: list[str] | None = None) -> dict:
    nodes = [node("iris", "sample_dataset", name="iris"), script_node("py", script)]
    edges = [edge("iris", "data", "py", "dataset1")]
    if downstream is not None:
        nodes.append(node("num", "checktest.numeric_only", columns=downstream))
        edges.append(edge("py", "result1", "num", "data"))
    return document(nodes, edges)


def new_draft(api, workspace, doc: dict) -> dict:
    response = api.post("/api/v1/drafts/", {"workspace": workspace.slug, "name": "Species", "document": doc},
                        format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def put(api, draft: dict, doc: dict) -> None:
    response = api.put(f"/api/v1/drafts/{draft['id']}/", {"name": "Species", "document": doc}, format="json")
    assert response.status_code == 200, response.json()


def schemas(api, draft: dict) -> dict:
    return api.get(f"/api/v1/drafts/{draft['id']}/schemas/").json()


def test_a_script_s_columns_are_learned_from_its_last_run_and_checked_downstream(engine, api, workspace):
    draft = new_draft(api, workspace, script_doc())
    before = schemas(api, draft)
    assert before["nodes"]["py"]["outputs"] == {"result1": None, "result2": None}
    assert "learned_from" not in before["nodes"]["py"]

    submitted = api.post(f"/api/v1/drafts/{draft['id']}/submit/", {}, format="json")
    assert submitted.status_code == 201, submitted.json()
    run_id = submitted.json()["run"]["id"]
    assert wait_for_run(run_id, timeout=120).status == "succeeded"

    after = schemas(api, draft)
    assert after["errors"] == []
    assert after["nodes"]["py"]["outputs"]["result1"] == with_species()
    assert after["nodes"]["py"]["learned_from"] == {"run": run_id, "ports": ["result1", "result2"]}
    assert after["nodes"]["py"]["outputs"]["result2"] == []  # the script returned one table: the second is empty

    # a numbers-only node below the script: its text column is refused before anything runs
    put(api, draft, script_doc(downstream=["sepal length (cm)", "species"]))
    body = schemas(api, draft)
    assert body["nodes"]["num"]["inputs"]["data"] == with_species()
    assert [(e["code"], e["node"], e["param"], e["column"]) for e in body["errors"]] == [
        ("column_type", "num", "columns", "species")]
    assert "text" in body["errors"][0]["message"] and body["errors"][0]["hint"]
    validation = api.get(f"/api/v1/drafts/{draft['id']}/validation/").json()
    assert validation["valid"] is False and validation["errors"] == body["errors"]

    # another script text has not run: nothing is known of its columns, nothing is refused
    put(api, draft, script_doc(SCRIPT.replace("return a,", "return a.drop(columns=['species']),"),
                               downstream=["sepal length (cm)", "species"]))
    changed = schemas(api, draft)
    assert changed["errors"] == [] and changed["nodes"]["py"]["outputs"]["result1"] is None
    assert "learned_from" not in changed["nodes"]["py"]

    # another draft with the very same document learns nothing from this draft's runs
    other = new_draft(api, workspace, script_doc())
    assert "learned_from" not in schemas(api, other)["nodes"]["py"]
