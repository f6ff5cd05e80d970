"""Data Input and Output on scikit-learn's datasets, compared with pandas: Enter Data Manually, Import Data
from a file in the datastore, Convert to CSV, Export Data (registering a dataset version at the end
of a real run), and column roles surviving the datastore's Parquet round trip."""
from __future__ import annotations

import io

import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_iris, load_wine

from engine.compiler import infer_schemas
from engine.datastore import Datastore
from modules_catalog.builtins.data import MAX_MANUAL_BYTES
from modules_catalog.columns import ROLES_ATTR
from modules_catalog.context import SimpleContext
from modules_catalog.registry import load_builtins, registry
from modules_catalog.schema import schema_of
from modules_catalog.spec import Column, Design
from tests.conftest import wait_for_run
from tests.engine.graphs import document, edge, node


def fn(key: str):
    load_builtins()
    return registry.get(key).fn


def spec(key: str):
    load_builtins()
    return registry.get(key)


def wine() -> pd.DataFrame:
    return load_wine(as_frame=True).frame


def iris_text() -> pd.DataFrame:
    """iris with its species names: a text column beside the numbers."""
    iris = load_iris(as_frame=True)
    df = iris.frame.drop(columns="target")
    df["species"] = [iris.target_names[t] for t in iris.target]
    return df


# -- Enter Data Manually ----------------------------------------------------------------------------
def test_manual_csv_equals_pandas_read_csv_and_its_schema_is_inferred_before_running(ctx):
    text = iris_text().head(40).to_csv(index=False)
    out = fn("enter_data_manually")(ctx, data=text)
    pd.testing.assert_frame_equal(out, pd.read_csv(io.StringIO(text)))
    inferred = spec("enter_data_manually").infer_schema({}, {"data": text, "data_format": "csv", "has_header": True})
    assert inferred["data"] == schema_of(out)
    assert [c.dtype for c in inferred["data"]] == ["float"] * 4 + ["string"]


def test_manual_text_without_header_tsv_and_json_lines(ctx):
    df = load_diabetes(as_frame=True).frame.head(25)
    plain = fn("enter_data_manually")(ctx, data=df.to_csv(index=False, header=False), has_header=False)
    assert list(plain.columns) == [f"Col{i}" for i in range(1, len(df.columns) + 1)]
    assert (plain.to_numpy() == pd.read_csv(io.StringIO(df.to_csv(index=False)), header=0).to_numpy()).all()
    tsv = fn("enter_data_manually")(ctx, data=df.to_csv(index=False, sep="\t"), data_format="tsv")
    pd.testing.assert_frame_equal(tsv, pd.read_csv(io.StringIO(df.to_csv(index=False))))
    lines = iris_text().head(30).to_json(orient="records", lines=True)
    jsonl = fn("enter_data_manually")(ctx, data=lines, data_format="jsonl")
    pd.testing.assert_frame_equal(jsonl, pd.read_json(io.StringIO(lines), lines=True))


@pytest.mark.parametrize("text,fmt,message", [
    ("a,b\n1,2,3\n", "csv", "the CSV text does not parse"),
    ("a,,c\n1,2,3\n", "csv", "column 2 of the header has no name"),
    ('{"a": 1}\n{"a": 2\n', "jsonl", "line 2 is not JSON"),
    ('{"a": 1}\n[1, 2]\n', "jsonl", "line 2 is not a JSON object"),
    ('{"a": {"b": 1}}\n', "jsonl", "line 1, column 'a': a value is a number"),
    ("  \n", "csv", "the text is empty"),
])
def test_manual_text_that_does_not_parse_is_refused_at_design_time_and_when_run(ctx, text, fmt, message):
    violations = spec("enter_data_manually").check(Design({}, {"data": text, "data_format": fmt, "has_header": True}))
    assert [v.param for v in violations] == ["data"] and message in violations[0].message
    with pytest.raises(ValueError, match=message):
        fn("enter_data_manually")(ctx, data=text, data_format=fmt)


def test_manual_text_over_one_megabyte_is_refused(ctx):
    row = "1.5,2.5,3.5\n"
    text = "a,b,c\n" + row * (MAX_MANUAL_BYTES // len(row) + 1)
    with pytest.raises(ValueError, match="larger than 1024 KB; upload a file"):
        fn("enter_data_manually")(ctx, data=text)


# -- Convert to CSV and Import Data from a file -----------------------------------------------------
def test_convert_to_csv_writes_what_pandas_reads_back_exactly(tmp_path):
    ctx = SimpleContext(workdir=str(tmp_path))
    path = fn("convert_to_csv")(ctx, data=wine())
    assert path.endswith(".csv")
    pd.testing.assert_frame_equal(pd.read_csv(path), wine())


@pytest.mark.parametrize("fmt", ["csv", "tsv", "parquet", "jsonl"])
def test_import_data_reads_a_stored_file_of_each_format_as_pandas_does(tmp_path, fmt):
    df = iris_text()
    path = str(tmp_path / f"iris.{fmt}")
    if fmt == "parquet":
        df.to_parquet(path)
    elif fmt == "jsonl":
        df.to_json(path, orient="records", lines=True)
    else:
        df.to_csv(path, index=False, sep="," if fmt == "csv" else "\t")
    ctx = SimpleContext(workdir=str(tmp_path))
    for given in ("auto", fmt):
        out = fn("import_data")(ctx, file=path, file_format=given)
        pd.testing.assert_frame_equal(out, df)


def test_import_data_through_the_datastore_reads_convert_to_csv_output(tmp_path):
    """The file port gets a stored AnyFile's path, as the runner hands it over."""
    store = Datastore(str(tmp_path / "ds"))
    ctx = SimpleContext(workdir=str(tmp_path))
    stored = store.put(fn("convert_to_csv")(ctx, data=wine()), "AnyFile")
    out = fn("import_data")(ctx, file=store.load(stored.digest, "AnyFile"))
    pd.testing.assert_frame_equal(out, wine())


def test_import_data_refuses_a_non_utf8_file_both_sources_or_neither(tmp_path, ctx):
    path = tmp_path / "latin.csv"
    path.write_bytes("city\nSão Paulo\n".encode("latin-1"))
    with pytest.raises(ValueError, match="not UTF-8 text"):
        fn("import_data")(ctx, file=str(path))
    with pytest.raises(ValueError, match="either param 'dataset' or its file input"):
        fn("import_data")(ctx, file=str(path), dataset={"name": "x", "version": None})
    with pytest.raises(ValueError, match="must name a registered dataset"):
        fn("import_data")(ctx)
    check = spec("import_data").check
    assert [v.code for v in check(Design({}, {"dataset": None}))] == ["missing_param"]
    assert check(Design({"file": None}, {"dataset": None})) == []
    assert [v.code for v in check(Design({"file": None}, {"dataset": {"name": "x"}}))] == ["bad_param"]


def test_a_table_wired_into_the_file_port_passes_as_it_is(ctx):
    df = wine()
    assert fn("import_data")(ctx, file=df) is df
    schema = schema_of(df)
    assert spec("import_data").infer_schema({"file": schema}, {})["data"] == schema


# -- Export Data ------------------------------------------------------------------------------------
def test_export_data_returns_its_input_and_refuses_a_bad_dataset_name(ctx):
    df = wine()
    assert fn("export_data")(ctx, data=df, name="wine.v2_clean") is df
    for bad in ("", "-wine", "wine\n", "a/b", "x" * 101):
        with pytest.raises(ValueError, match="a dataset name is 1-100 letters"):
            fn("export_data")(ctx, data=df, name=bad)
    violations = spec("export_data").check(Design({"data": None}, {"name": "../etc"}))
    assert [(v.param, v.code) for v in violations] == [("name", "bad_param")]


# -- roles through the datastore --------------------------------------------------------------------
def test_roles_survive_the_datastore_round_trip_and_reach_meta_and_schema(tmp_path):
    store = Datastore(str(tmp_path / "ds"))
    df = wine()
    df.attrs[ROLES_ATTR] = {"target": "label", "alcohol": "weight"}
    stored = store.put(df, "DataFrame")
    back = store.load(stored.digest, "DataFrame")
    pd.testing.assert_frame_equal(back, df)
    assert back.attrs == {ROLES_ATTR: {"alcohol": "weight", "target": "label"}}
    assert {c["name"]: c.get("role") for c in stored.meta["columns"] if c.get("role")} == \
        {"target": "label", "alcohol": "weight"}
    assert Column("target", "int", "label") in schema_of(back)
    # roles are content: the same numbers with a label are other bytes
    assert store.put(wine(), "DataFrame").digest != stored.digest
    assert pd.read_parquet(store.path(stored.digest)).attrs == back.attrs  # pandas' own reader agrees


# -- Export Data in a real run ----------------------------------------------------------------------
def export_pipeline(name: str) -> dict:
    return document(
        [node("wine", "sample_dataset", name="wine"),
         node("label", "edit_metadata", columns=["target"], role="label", data_type="category"),
         node("export", "export_data", name=name, description="wine with its label marked")],
        [edge("wine", "data", "label", "data"), edge("label", "data", "export", "data")])


def submit(api, doc: dict) -> int:
    draft = api.post("/api/v1/drafts/", {"name": "export", "document": doc}, format="json").json()
    response = api.post(f"/api/v1/drafts/{draft['id']}/submit/", {}, format="json")
    assert response.status_code == 201, response.json()
    run = wait_for_run(response.json()["run"]["id"], timeout=120)
    assert run.status == "succeeded", run.error
    return run.id


@pytest.mark.django_db(transaction=True)
def test_export_data_registers_a_dataset_version_once_and_import_data_reads_it_with_its_roles(engine, api, workspace):
    from designer.models import Dataset
    from designer.selectors import dataset_resolver
    from engine.models import Step
    from engine.selectors import datastore

    submit(api, export_pipeline("wine_labelled"))
    versions = list(Dataset.objects.filter(workspace=workspace, name="wine_labelled"))
    assert [(d.version, d.source_format, d.description) for d in versions] == \
        [(1, "pipeline", "wine with its label marked")]
    expected = wine().assign(target=wine()["target"].astype("category"))
    stored = datastore().load(versions[0].artifact_id, "DataFrame")
    pd.testing.assert_frame_equal(stored, expected)
    assert stored.attrs[ROLES_ATTR] == {"target": "label"}

    submit(api, export_pipeline("wine_labelled"))  # the same bytes again: no second version
    assert Dataset.objects.filter(workspace=workspace, name="wine_labelled").count() == 1

    features = {"rules": [{"action": "include", "by": "all"}, {"action": "exclude", "by": "roles", "roles": ["label"]}]}
    reader = document([node("read", "import_data", dataset={"name": "wine_labelled", "version": None}),
                       node("pick", "select_columns", columns=features)],
                      [edge("read", "data", "pick", "data")])
    nodes, errors = infer_schemas(reader, resolve_dataset=dataset_resolver(workspace=workspace))
    assert errors == []
    assert {"name": "target", "dtype": "category", "role": "label"} in nodes["read"]["outputs"]["data"]
    assert [c["name"] for c in nodes["pick"]["outputs"]["data"]] == list(wine().drop(columns="target").columns)
    run_id = submit(api, reader)  # the rules are resolved against the frame read back, roles and all
    picked = Step.objects.get(run_id=run_id, node_id="pick").outputs["data"]["digest"]
    pd.testing.assert_frame_equal(datastore().load(picked, "DataFrame"), wine().drop(columns="target"))


@pytest.mark.django_db(transaction=True)
def test_convert_to_csv_downloads_as_csv_and_import_data_reads_it_back_in_a_real_run(engine, api, workspace):
    from engine.models import Step
    from engine.selectors import datastore

    doc = document([node("wine", "sample_dataset", name="wine"), node("csv", "convert_to_csv"),
                    node("read", "import_data", file_format="csv")],
                   [edge("wine", "data", "csv", "data"), edge("csv", "file", "read", "file")])
    run_id = submit(api, doc)
    download = api.get(f"/api/v1/runs/{run_id}/steps/csv/outputs/file/download/")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert 'filename="csv_file.csv"' in download["Content-Disposition"]
    body = b"".join(download.streaming_content)
    pd.testing.assert_frame_equal(pd.read_csv(io.BytesIO(body)), wine())
    read = Step.objects.get(run_id=run_id, node_id="read").outputs["data"]["digest"]
    pd.testing.assert_frame_equal(datastore().load(read, "DataFrame"), wine())
