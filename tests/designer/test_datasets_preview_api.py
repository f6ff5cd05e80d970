"""A dataset's preview endpoint: the first rows, each column's statistics and a text column's top values."""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from designer.api import datasets as datasets_api

from .test_datasets_api import parquet_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    city = rng.choice(["Oslo", "Lima", "Pune", "Kyiv", "Baku", "Doha", "Riga"], 300, p=[.3, .2, .15, .1, .1, .1, .05])
    income = np.round(rng.normal(50_000, 12_000, 300), 2)
    income[::7] = np.nan
    return pd.DataFrame({"age": rng.integers(18, 90, 300), "income": income, "city": city,
                         "member": rng.choice([True, False], 300)})


@pytest.fixture
def dataset(api, workspace, frame):
    response = upload(api, "customers", "customers.parquet", parquet_bytes(frame))
    assert response.status_code == 201, response.json()
    return response.json()


def test_the_preview_gives_statistics_and_top_values_equal_to_pandas(api, dataset, frame):
    body = api.get(f"/api/v1/datasets/{dataset['id']}/preview/").json()
    assert body["rows"] == len(frame) and body["counted_rows"] == len(frame)
    columns = {c["name"]: c for c in body["columns"]}
    assert [columns[n]["dtype"] for n in frame.columns] == ["int", "float", "string", "bool"]
    income = columns["income"]["stats"]
    assert income["missing"] == int(frame["income"].isna().sum())
    assert income["mean"] == pytest.approx(frame["income"].mean())
    assert income["min"] == pytest.approx(frame["income"].min()) and income["max"] == pytest.approx(frame["income"].max())
    assert columns["city"]["stats"]["unique"] == frame["city"].nunique()
    expected = frame["city"].value_counts().head(datasets_api.TOP_VALUES)
    assert columns["city"]["top_values"] == [{"value": v, "count": int(c)} for v, c in expected.items()]
    assert columns["age"]["top_values"] is None and columns["member"]["top_values"] is None


def test_the_preview_holds_as_many_first_rows_as_asked(api, dataset, frame):
    body = api.get(f"/api/v1/datasets/{dataset['id']}/preview/", {"rows": 7}).json()
    assert body["preview"]["columns"] == list(frame.columns)
    shown = pd.DataFrame(body["preview"]["rows"], columns=list(frame.columns))
    assert len(shown) == 7 and shown["city"].tolist() == frame["city"].head(7).tolist()
    assert shown["age"].tolist() == frame["age"].head(7).tolist()
    default = api.get(f"/api/v1/datasets/{dataset['id']}/preview/").json()
    assert len(default["preview"]["rows"]) == datasets_api.PREVIEW_DEFAULT_ROWS


def test_top_values_are_counted_over_a_bounded_number_of_rows(api, dataset, frame, monkeypatch):
    monkeypatch.setattr(datasets_api, "COUNTED_ROWS_MAX", 40)
    body = api.get(f"/api/v1/datasets/{dataset['id']}/preview/").json()
    assert body["counted_rows"] == 40 and body["rows"] == len(frame)
    city = next(c for c in body["columns"] if c["name"] == "city")
    assert sum(v["count"] for v in city["top_values"]) <= 40
    assert city["top_values"][0]["count"] == frame["city"].head(40).value_counts().iloc[0]


def test_a_preview_larger_than_the_limit_or_not_a_number_is_refused_by_name(api, dataset):
    for rows in (datasets_api.PREVIEW_MAX_ROWS + 1, "ten", 0):
        response = api.get(f"/api/v1/datasets/{dataset['id']}/preview/", {"rows": rows})
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "rows"


def test_another_workspaces_dataset_has_no_preview(outsider_api, dataset):
    assert outsider_api.get(f"/api/v1/datasets/{dataset['id']}/preview/").status_code == 404


def test_a_dataset_whose_stored_file_is_gone_says_so(api, dataset):
    from engine.selectors import datastore

    os.unlink(datastore().path(dataset["digest"]))
    response = api.get(f"/api/v1/datasets/{dataset['id']}/preview/")
    assert response.status_code == 404 and "no longer stored" in response.json()["errors"][0]["message"]
