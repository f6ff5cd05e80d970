"""The datastore on S3 (s3://bucket/prefix, for many machines), against moto's S3 server started
on a free local port: the round trip of every kind, exists(), corrupt detection, and a real
pipeline run through the engine whose step processes read and write the bucket."""
from __future__ import annotations

import json
import os
import pickle
import socket
import uuid

import blake3
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris, load_wine
from sklearn.linear_model import LogisticRegression

from designer.services import version_snapshot
from engine import executor, services
from engine.datastore import (OPTIONS_ENV, ArtifactMissing, CorruptArtifact, RemoteDatastore, open_datastore,
                              step_env)
from engine.models import Run, RunEvent
from engine.selectors import datastore
from tests.conftest import wait_for_run

from .graphs import iris_regression

KEY, SECRET = "graphwright-test-key", "s3cr3t-h9-never-logged"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(endpoint):
    import boto3

    name = f"gw-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=KEY, aws_secret_access_key=SECRET)
    client.create_bucket(Bucket=name)
    return name, client


def options(endpoint: str) -> dict:
    return {"endpoint_url": endpoint, "key": KEY, "secret": SECRET}


@pytest.fixture
def store(endpoint, bucket) -> RemoteDatastore:
    ds = open_datastore(f"s3://{bucket[0]}/store/", options(endpoint))
    assert isinstance(ds, RemoteDatastore) and ds.url == f"s3://{bucket[0]}/store"
    return ds


def keys(client, name: str, prefix: str = "") -> list[str]:
    listed = client.list_objects_v2(Bucket=name, Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def test_every_kind_round_trips_through_the_bucket(store, bucket, tmp_path):
    name, client = bucket
    wine = load_wine(as_frame=True).frame
    frame = store.put(wine, "DataFrame")
    assert frame.meta["rows"] == 178 and len(frame.meta["preview"]["rows"]) == 50
    alcohol = next(c for c in frame.meta["columns"] if c["name"] == "alcohol")
    assert alcohol["stats"]["mean"] == pytest.approx(wine["alcohol"].mean())
    pd.testing.assert_frame_equal(store.load(frame.digest, "DataFrame"), wine)
    assert store.meta(frame.digest)["columns"] == frame.meta["columns"]

    iris = load_iris()
    model = LogisticRegression(max_iter=500).fit(iris.data, iris.target)
    stored_model = store.put(model, "Model")
    back = store.load(stored_model.digest, "Model")
    assert (back.predict(iris.data) == model.predict(iris.data)).all()
    assert stored_model.meta["python_type"].endswith("LogisticRegression")

    metrics = store.put({"accuracy": 0.96, "f1": 0.95}, "Metrics")
    assert store.load(metrics.digest, "Metrics") == {"accuracy": 0.96, "f1": 0.95}

    csv = tmp_path / "scores.csv"
    csv.write_text("a,b\n1,2\n")
    anyfile = store.put(str(csv), "AnyFile")
    local = store.load(anyfile.digest, "AnyFile")
    assert open(local).read() == "a,b\n1,2\n" and store.meta(anyfile.digest)["suffix"] == ".csv"
    os.unlink(local)

    for art in (frame, stored_model, metrics, anyfile):
        assert store.exists(art.digest) and store.intact(art.digest)
        assert store.size(art.digest) == art.size
        with store.open(art.digest) as fh:
            assert blake3.blake3(fh.read()).hexdigest() == art.digest
        assert f"store/objects/{art.digest[:2]}/{art.digest}" in keys(client, name)
        assert f"store/meta/{art.digest}.json" in keys(client, name)
    assert store.put(wine.copy(), "DataFrame").digest == frame.digest  # equal content, stored once
    assert len(keys(client, name, "store/objects/")) == 4


def test_what_is_missing_or_half_written_is_not_in_the_store(store, bucket):
    name, client = bucket
    missing = "ab" * 32
    assert not store.exists(missing) and not store.intact(missing)
    with pytest.raises(ArtifactMissing):
        store.load(missing, "DataFrame")
    with pytest.raises(ArtifactMissing):
        store.meta(missing)
    # an object whose metadata never came (its writer died after the upload) is not visible
    data = pickle.dumps([1, 2, 3], protocol=5)  # as the datastore writes it
    digest = blake3.blake3(data).hexdigest()
    client.put_object(Bucket=name, Key=f"store/objects/{digest[:2]}/{digest}", Body=data)
    assert not store.exists(digest)
    assert store.put([1, 2, 3], "Model").digest == digest and store.exists(digest)


def test_a_corrupt_object_in_the_bucket_is_found_when_read_and_set_aside(store, bucket):
    name, client = bucket
    df = pd.DataFrame({"x": np.arange(1000, dtype=float), "word": ["a", "b"] * 500})
    art = store.put(df, "DataFrame")
    key = f"store/objects/{art.digest[:2]}/{art.digest}"
    body = bytearray(client.get_object(Bucket=name, Key=key)["Body"].read())
    body[len(body) // 2] ^= 0xFF
    client.put_object(Bucket=name, Key=key, Body=bytes(body))
    with pytest.raises(CorruptArtifact, match=art.digest):
        store.load(art.digest, "DataFrame")
    assert not store.exists(art.digest)
    assert [k.split("/")[-1].split(".")[0] for k in keys(client, name, "store/quarantine/")] == [art.digest]
    assert store.put(df, "DataFrame").digest == art.digest
    pd.testing.assert_frame_equal(store.load(art.digest, "DataFrame"), df)


def test_a_step_process_gets_the_options_by_environment_and_no_repr_shows_the_secret(store, endpoint):
    env = step_env(store.url)
    assert json.loads(env[OPTIONS_ENV]) == {"url": store.url, "options": options(endpoint)}
    assert SECRET not in repr(store) and SECRET not in store.root
    assert step_env(f"file://{os.getcwd()}") == {}


@pytest.mark.django_db(transaction=True)
def test_a_pipeline_runs_on_s3_and_writes_the_bytes_a_local_run_writes(engine, workspace, endpoint, bucket,
                                                                         settings):
    name, client = bucket
    version = version_snapshot(workspace=workspace, user=None, document=iris_regression(), name="t")
    local = wait_for_run(services.run_submit(workspace=workspace, version=version).id, timeout=120)
    assert local.status == "succeeded", local.error

    executor.stop()  # the engine again, on the bucket: its steps read and write s3://
    settings.DATASTORE_URL = f"s3://{name}/pipelines"
    settings.DATASTORE_OPTIONS = options(endpoint)
    executor.start()
    assert datastore().url == settings.DATASTORE_URL
    remote = wait_for_run(services.run_submit(workspace=workspace, version=version).id, timeout=180)
    assert remote.status == "succeeded", remote.error
    steps = dict(remote.steps.values_list("node_id", "status"))
    assert set(steps.values()) == {"succeeded"}  # the local run's outputs are not in this store
    outputs = dict(remote.steps.values_list("node_id", "outputs"))
    assert outputs == dict(local.steps.values_list("node_id", "outputs"))  # the same bytes, the same addresses
    stored = keys(client, name, "pipelines/objects/")
    for ports in outputs.values():
        for ref in ports.values():
            assert f"pipelines/objects/{ref['digest'][:2]}/{ref['digest']}" in stored
    metrics = datastore().load(outputs["evaluate"]["metrics"]["digest"], "Metrics")
    assert metrics == open_datastore(settings.DATASTORE_ROOT).load(outputs["evaluate"]["metrics"]["digest"], "Metrics")
    events = list(RunEvent.objects.filter(run_id=remote.id).values_list("payload", flat=True))
    assert events and not any(SECRET in json.dumps(e) for e in events)
    assert Run.objects.get(pk=remote.id).error == ""
