"""The module catalogue over REST: what the palette and the properties form draw from."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_catalogue_lists_every_enabled_module_with_ports_and_params(api):
    modules = api.get("/api/v1/modules/").json()
    by_key = {(m["key"], m["version"]): m for m in modules}
    pick = by_key[("select_columns", "1")]
    assert [p["name"] for p in pick["inputs"]] == ["data"] and pick["inputs"][0]["type"] == "DataFrame"
    assert pick["outputs"][0]["type"] == "DataFrame"
    columns = next(p for p in pick["params"] if p["name"] == "columns")
    assert columns["kind"] == "columns" and columns["port"] == "data"
    sample = by_key[("sample_dataset", "1")]
    assert "iris" in sample["params"][0]["choices"]
    assert not any(m["disabled"] for m in modules)


def test_one_module_version_is_read_by_key_and_version(api):
    body = api.get("/api/v1/modules/train_model/1/").json()
    assert body["key"] == "train_model" and {p["type"] for p in body["inputs"]} >= {"UntrainedModel", "DataFrame"}


def test_an_unknown_module_is_404(api):
    response = api.get("/api/v1/modules/no_such_thing/1/")
    assert response.status_code == 404 and "no_such_thing" in response.json()["errors"][0]["message"]
