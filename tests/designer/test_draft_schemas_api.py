"""GET /api/v1/drafts/<id>/schemas/: the columns on every node's ports of the saved draft, with its
errors; readable by a viewer, invisible to an outsider, datasets resolved in the draft's workspace."""
from __future__ import annotations

import io

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from designer.models import Membership
from modules_catalog.schema import schema_json, schema_of
from tests.engine.graphs import document, edge, node

pytestmark = pytest.mark.django_db


def schemas(client, draft_id: int):
    return client.get(f"/api/v1/drafts/{draft_id}/schemas/")


def test_a_valid_draft_has_the_columns_of_every_port_and_no_errors(api, draft):
    body = schemas(api, draft["id"]).json()
    assert body["errors"] == []
    assert set(body["nodes"]) == {"data", "pick"}
    assert body["nodes"]["pick"]["inputs"]["data"] == body["nodes"]["data"]["outputs"]["data"]
    assert [c["name"] for c in body["nodes"]["pick"]["outputs"]["data"]] == ["sepal length (cm)", "target"]
    assert all(set(c) == {"name", "dtype"} for c in body["nodes"]["data"]["outputs"]["data"])


def test_a_draft_with_errors_still_has_the_columns_that_do_not_depend_on_them(api, draft, iris_pick):
    broken = document(iris_pick["nodes"] + [node("more", "passthrough"), node("ghost", "nope")],
                      iris_pick["edges"] + [edge("pick", "data", "more", "data")])
    broken["nodes"][1]["params"]["columns"] = ["target", "not a column"]
    api.put(f"/api/v1/drafts/{draft['id']}/", {"name": "Iris", "document": broken}, format="json")
    body = schemas(api, draft["id"]).json()
    assert {(e["code"], e["node"]) for e in body["errors"]} == {("unknown_column", "pick"), ("unknown_module", "ghost")}
    assert body["nodes"]["data"]["outputs"]["data"]  # upstream of the error: known
    assert body["nodes"]["pick"]["inputs"]["data"] == body["nodes"]["data"]["outputs"]["data"]
    assert body["nodes"]["pick"]["outputs"] == {"data": None}
    assert body["nodes"]["more"] == {"inputs": {"data": None}, "outputs": {"data": None}}
    assert body["nodes"]["ghost"] == {"inputs": {}, "outputs": {}}
    validation = api.get(f"/api/v1/drafts/{draft['id']}/validation/").json()
    assert validation["errors"] == body["errors"]


def test_a_viewer_reads_the_schemas_and_an_outsider_finds_no_draft(api, draft, workspace, make_user, client_for,
                                                                   outsider_api):
    viewer = make_user("vic")
    Membership.objects.create(workspace=workspace, user=viewer, role=Membership.Role.VIEWER)
    assert schemas(client_for(viewer), draft["id"]).json() == schemas(api, draft["id"]).json()
    assert schemas(outsider_api, draft["id"]).status_code == 404


def test_an_imported_dataset_gives_the_columns_of_the_uploaded_file(api, workspace):
    frame = pd.DataFrame({"age": [31, 45, 27], "city": ["Oslo", "Lima", "Pune"], "score": [0.5, 0.25, 1.0]})
    buffer = io.BytesIO()
    frame.to_csv(buffer, index=False)
    upload = api.post("/api/v1/datasets/", {"name": "people", "file": SimpleUploadedFile("people.csv", buffer.getvalue())},
                      format="multipart")
    assert upload.status_code == 201, upload.json()
    doc = document([node("people", "import_data", dataset={"name": "people"}),
                    node("missing", "import_data", dataset={"name": "nobody"})], [])
    draft = api.post("/api/v1/drafts/", {"workspace": workspace.slug, "name": "People", "document": doc},
                     format="json").json()
    body = schemas(api, draft["id"]).json()
    assert body["nodes"]["people"]["outputs"]["data"] == schema_json(schema_of(frame))
    assert body["nodes"]["missing"]["outputs"] == {"data": None}
    assert [(e["code"], e["node"]) for e in body["errors"]] == [("unknown_dataset", "missing")]
