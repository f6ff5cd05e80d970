"""Paging through a DataFrame output's rows (GET …/outputs/<port>/rows/) on real runs, and the window
reader on a Parquet file of many row groups."""
from __future__ import annotations

import io
import math

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from designer.api.outputs import read_window
from tests.conftest import wait_for_run
from tests.engine.graphs import document, iris_regression, script_node

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 2345
SCRIPT = f'''
import numpy as np
import pandas as pd

def azureml_main(dataframe1=None, dataframe2=None):
    n = {ROWS}
    x = np.arange(n, dtype="float64") / 4
    x[::7] = np.nan
    x[5] = np.inf
    return pd.DataFrame({{
        "id": np.arange(n),
        "x": x,
        "word": [None if i % 11 == 0 else "w%d" % (i % 13) for i in range(n)],
        "when": pd.date_range("2024-01-01", periods=n, freq="h"),
        "flag": np.arange(n) % 2 == 0,
    }}),
'''


def run_of(api, doc: dict, name: str) -> dict:
    draft = api.post("/api/v1/drafts/", {"name": name, "document": doc}, format="json").json()
    response = api.post(f"/api/v1/drafts/{draft['id']}/submit/", {}, format="json")
    assert response.status_code == 201, response.json()
    run_id = response.json()["run"]["id"]
    assert wait_for_run(run_id, timeout=90).status == "succeeded"
    return api.get(f"/api/v1/runs/{run_id}/").json()


@pytest.fixture
def frame_run(engine, api, workspace):
    return run_of(api, document([script_node("make", SCRIPT)], []), "Frame")


def rows_url(run: dict, node: str = "make", port: str = "result1") -> str:
    return f"/api/v1/runs/{run['id']}/steps/{node}/outputs/{port}/rows/"


def expected_rows(api, run: dict, start: int, stop: int) -> list[list]:
    """The same rows from the downloaded Parquet, as JSON would carry them."""
    download = api.get(f"/api/v1/runs/{run['id']}/steps/make/outputs/result1/download/")
    df = pd.read_parquet(io.BytesIO(b"".join(download.streaming_content)))
    out = []
    for record in df.iloc[start:stop].itertuples(index=False):
        row = []
        for v in record:
            if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
                v = None
            elif isinstance(v, pd.Timestamp):
                v = v.isoformat()
            elif hasattr(v, "item"):
                v = v.item()
            row.append(v)
        out.append(row)
    return out


def test_first_middle_and_last_windows_equal_the_dataframe(api, frame_run):
    url = rows_url(frame_run)
    first = api.get(url).json()
    assert (first["offset"], first["limit"], first["total_rows"]) == (0, 200, ROWS)
    assert first["columns"] == [{"name": "id", "dtype": "int"}, {"name": "x", "dtype": "float"},
                                {"name": "word", "dtype": "string"}, {"name": "when", "dtype": "datetime"},
                                {"name": "flag", "dtype": "bool"}]
    assert first["rows"] == expected_rows(api, frame_run, 0, 200)
    assert first["rows"][5][1] is None and first["rows"][0][1] is None  # inf and NaN are null
    middle = api.get(url, {"offset": 1000, "limit": 1000}).json()
    assert middle["rows"] == expected_rows(api, frame_run, 1000, 2000)
    last = api.get(url, {"offset": ROWS - 45, "limit": 200}).json()
    assert len(last["rows"]) == 45 and last["rows"] == expected_rows(api, frame_run, ROWS - 45, ROWS)
    beyond = api.get(url, {"offset": ROWS + 10}).json()
    assert beyond["rows"] == [] and beyond["total_rows"] == ROWS


def test_bad_offsets_and_limits_are_400_naming_the_parameter(api, frame_run):
    url = rows_url(frame_run)
    for name, raw in [("offset", "-1"), ("offset", "1.5"), ("offset", "abc"), ("offset", "1e30"),
                      ("offset", "99999999999999999999999"), ("limit", "0"), ("limit", "1001"), ("limit", "-5"),
                      ("limit", "ten")]:
        response = api.get(url, {name: raw})
        assert response.status_code == 400, (name, raw)
        assert response.json()["errors"][0]["field"] == name


def test_another_workspace_gets_404(api, outsider_api, frame_run):
    response = outsider_api.get(rows_url(frame_run))
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "not_found"
    assert api.get(rows_url(frame_run, port="ghost")).status_code == 404
    assert api.get(rows_url(frame_run, node="ghost")).status_code == 404


def test_a_metrics_port_has_no_rows(engine, api, workspace):
    run = run_of(api, iris_regression(), "Regression")
    (port,) = {s["node"]: s for s in run["steps"]}["evaluate"]["outputs"]
    response = api.get(rows_url(run, node="evaluate", port=port))
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "port" and "not a DataFrame" in error["message"]


def test_the_reader_skips_row_groups_before_the_window(tmp_path, monkeypatch):
    path = str(tmp_path / "groups.parquet")
    pq.write_table(pa.table({"n": list(range(10_000)), "s": [f"r{i}" for i in range(10_000)]}), path,
                   row_group_size=1000)
    asked = []
    original = pq.ParquetFile.iter_batches

    def spy(self, *args, **kwargs):
        asked.append(list(kwargs["row_groups"]))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", spy)
    total, names, rows = read_window(path, 7_990, 30)
    assert (total, names) == (10_000, ["n", "s"])
    assert rows == [[i, f"r{i}"] for i in range(7_990, 8_020)]
    assert asked[0][0] == 7  # groups 0-6 were never read
    assert read_window(path, 0, 5)[2] == [[i, f"r{i}"] for i in range(5)]
