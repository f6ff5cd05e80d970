"""The datastore never shows a half-written artifact, checks what it reads against its BLAKE3
address, sets a corrupt object aside (CorruptArtifact), and the engine then runs the step that
produced it again."""
from __future__ import annotations

import os

import blake3
import pandas as pd
import pytest
from sklearn.datasets import load_wine

from designer.services import version_snapshot
from engine import datastore as datastore_module
from engine import services
from engine.datastore import ArtifactMissing, CorruptArtifact, Datastore, open_datastore
from engine.models import Run
from engine.selectors import datastore
from tests.conftest import wait_for_run

from .graphs import edge, iris_regression, script_node


@pytest.fixture
def store(tmp_path) -> Datastore:
    return Datastore(str(tmp_path / "ds"))


def wine() -> pd.DataFrame:
    return load_wine(as_frame=True).frame


def flip(path: str, at: int | None = None, keep_mtime: bool = False) -> None:
    """Invert one byte of the file in place (same inode); `keep_mtime`: as bit rot would, unseen
    by the file's modification time."""
    st = os.stat(path)
    at = st.st_size // 2 if at is None else at
    with open(path, "r+b") as fh:
        fh.seek(at)
        byte = fh.read(1)
        fh.seek(at)
        fh.write(bytes([byte[0] ^ 0xFF]))
    if keep_mtime:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def quarantined(store: Datastore) -> list[str]:
    folder = os.path.join(store.root, "quarantine")
    return sorted(name.split(".")[0] for name in os.listdir(folder)) if os.path.isdir(folder) else []


# -- the store alone ----------------------------------------------------------------------------

def test_a_round_trip_reads_through_open_size_and_meta(store):
    df = wine()
    art = store.put(df, "DataFrame")
    assert store.exists(art.digest) and store.intact(art.digest)
    assert store.size(art.digest) == art.size == os.path.getsize(store.path(art.digest))
    assert store.meta(art.digest)["rows"] == len(df) == 178
    with store.open(art.digest) as fh:
        data = fh.read()
    assert blake3.blake3(data).hexdigest() == art.digest
    pd.testing.assert_frame_equal(store.load(art.digest, "DataFrame"), df)


@pytest.mark.parametrize("kind,value", [("DataFrame", None), ("Model", {"coef": [1.5, 2.5]}),
                                        ("Metrics", {"accuracy": 0.75})])
def test_a_flipped_byte_is_found_when_read_and_the_object_is_set_aside(store, kind, value):
    art = store.put(wine() if value is None else value, kind)
    flip(store.path(art.digest))
    with pytest.raises(CorruptArtifact, match=f"artifact {art.digest} was corrupt") as raised:
        store.load(art.digest, kind)
    assert isinstance(raised.value, ArtifactMissing)  # gone, as far as every reader is concerned
    assert not store.exists(art.digest) and not store.intact(art.digest)
    assert quarantined(store) == [art.digest]
    with pytest.raises(ArtifactMissing):
        store.open(art.digest)
    again = store.put(wine() if value is None else value, kind)  # the producer writes it anew
    assert again.digest == art.digest and store.intact(art.digest)
    assert store.load(art.digest, kind) is not None


def test_open_refuses_a_corrupt_object_too(store):
    art = store.put({"accuracy": 0.5}, "Metrics")
    flip(store.path(art.digest), at=2)
    with pytest.raises(CorruptArtifact):
        store.open(art.digest)
    assert not store.exists(art.digest)


def test_each_object_is_hashed_once_per_process_until_its_file_changes(store, monkeypatch):
    art = store.put(wine(), "DataFrame")
    reader = Datastore(store.root)  # another process's view: it never hashed these bytes
    hashed: list[str] = []
    real = datastore_module._hash_file
    monkeypatch.setattr(datastore_module, "_hash_file", lambda path: hashed.append(path) or real(path))
    for _ in range(3):
        reader.load(art.digest, "DataFrame")
    assert len(hashed) == 1
    store.load(art.digest, "DataFrame")  # the writer hashed them when it stored them
    assert len(hashed) == 1
    flip(store.path(art.digest))  # a write changes the file's modification time: checked again
    with pytest.raises(CorruptArtifact):
        reader.load(art.digest, "DataFrame")
    assert len(hashed) == 2


def test_an_object_without_its_metadata_is_not_in_the_store(store, monkeypatch):
    # a writer that dies between the object and its metadata: the object is not visible
    monkeypatch.setattr(store, "_write_meta", lambda digest, meta: (_ for _ in ()).throw(OSError("killed")))
    with pytest.raises(OSError, match="killed"):
        store.put(wine(), "DataFrame")
    assert [n for _, _, names in os.walk(store.root) for n in names] == []
    monkeypatch.undo()
    art = store.put(wine(), "DataFrame")
    os.unlink(os.path.join(store.root, "meta", f"{art.digest}.json"))  # as if the writer died there
    assert not store.exists(art.digest) and not store.intact(art.digest)
    assert store.put(wine(), "DataFrame").digest == art.digest and store.exists(art.digest)


def test_a_write_in_progress_is_not_visible(store):
    # the Parquet writer writes into tmp/; only a whole, renamed file is an object
    seen = {}
    real = datastore_module.write_parquet

    def watch(df, path):
        real(df, path)
        seen["tmp"] = path
        seen["digest"] = blake3.blake3(open(path, "rb").read()).hexdigest()
        seen["visible"] = store.exists(seen["digest"])

    datastore_module.write_parquet, saved = watch, real
    try:
        art = store.put(wine(), "DataFrame")
    finally:
        datastore_module.write_parquet = saved
    assert seen["digest"] == art.digest and seen["visible"] is False
    assert os.path.dirname(seen["tmp"]) == os.path.join(store.root, "tmp")
    assert store.exists(art.digest)


def test_a_corrupt_object_already_stored_is_replaced_by_the_next_writer(store):
    df = wine()
    art = store.put(df, "DataFrame")
    flip(store.path(art.digest))
    fresh = Datastore(store.root)  # a process that has not verified the bytes
    assert fresh.put(df, "DataFrame").digest == art.digest
    assert fresh.intact(art.digest) and quarantined(fresh) == [art.digest]
    pd.testing.assert_frame_equal(Datastore(store.root).load(art.digest, "DataFrame"), df)


def test_the_local_url_and_the_folder_are_one_handle(tmp_path):
    root = str(tmp_path / "ds")
    assert open_datastore(root) is open_datastore(f"file://{root}") is open_datastore(f"file://{root}/")
    assert open_datastore(root).url == f"file://{os.path.abspath(root)}"


# -- the engine ---------------------------------------------------------------------------------

def submit(workspace, doc) -> Run:
    version = version_snapshot(workspace=workspace, user=None, document=doc, name="t")
    return wait_for_run(services.run_submit(workspace=workspace, version=version).id, timeout=120)


def outputs(run: Run) -> dict[str, dict]:
    return dict(run.steps.values_list("node_id", "outputs"))


def statuses(run: Run) -> dict[str, str]:
    return dict(run.steps.values_list("node_id", "status"))


def evaluation(run: Run) -> dict:
    return datastore().load(outputs(run)["evaluate"]["metrics"]["digest"], "Metrics")


@pytest.mark.django_db(transaction=True)
def test_a_corrupt_output_is_not_reused_its_step_runs_again_and_the_run_equals_the_first(engine, workspace):
    first = submit(workspace, iris_regression())
    assert first.status == "succeeded", first.error
    digest = outputs(first)["split"]["test"]["digest"]
    flip(datastore().path(digest))
    second = submit(workspace, iris_regression())
    assert second.status == "succeeded", second.error
    assert statuses(second)["split"] == "succeeded"  # ran again, not reused
    assert statuses(second)["data"] == "cached"
    assert outputs(second) == outputs(first)  # the same bytes again: the same addresses
    assert evaluation(second) == evaluation(first)
    assert datastore().intact(digest) and quarantined(datastore()) == [digest]
    assert statuses(submit(workspace, iris_regression())) == {n: "cached" for n in statuses(first)}


READ_INPUT = ("def azureml_main(dataframe1=None, dataframe2=None):\n"
              "    return dataframe1.assign(rows=len(dataframe1)),\n")


def reader_doc() -> dict:
    doc = iris_regression()
    doc["nodes"].append(script_node("reader", READ_INPUT))
    doc["edges"].append(edge("split", "train", "reader", "dataset1"))
    return doc


def rot_after_check(run: Run) -> str:
    """Rot the bytes of split's `train` output after the engine has checked them once, unseen by
    the file's modification time: the next submit reuses split, and the reader meets the rot."""
    digest = outputs(run)["split"]["train"]["digest"]
    assert datastore().intact(digest)
    flip(datastore().path(digest), keep_mtime=True)
    return digest


@pytest.mark.django_db(transaction=True)
def test_a_step_reading_a_corrupt_input_has_its_producer_rerun_and_the_run_succeeds(engine, workspace):
    first = submit(workspace, iris_regression())
    assert first.status == "succeeded", first.error
    digest = rot_after_check(first)
    second = submit(workspace, reader_doc())
    assert second.status == "succeeded", second.error
    assert statuses(second)["split"] == "succeeded"  # reused at first, then run again
    reader = second.steps.get(node_id="reader")
    tries = list(reader.attempts.order_by("number").values_list("status", flat=True))
    assert tries == ["failed", "succeeded"]
    waits = [e["payload"] for e in second.events.filter(type="step.status").values("payload")
             if e["payload"]["status"] == "waiting" and e["payload"].get("reason") == "corrupt"]
    assert {w["node"] for w in waits} == {"split", "reader"} and all(digest in w["error"] for w in waits)
    assert outputs(second)["split"] == outputs(first)["split"]  # the same bytes again
    assert datastore().intact(digest) and quarantined(datastore()) == [digest]
    train = datastore().load(digest, "DataFrame")
    rows = datastore().load(outputs(second)["reader"]["result1"]["digest"], "DataFrame")
    assert (rows["rows"] == len(train)).all()
    pd.testing.assert_frame_equal(rows.drop(columns="rows"), train)
    assert evaluation(second) == evaluation(first)


@pytest.mark.django_db(transaction=True)
def test_a_script_raising_an_error_of_that_name_over_intact_bytes_just_fails(engine, workspace):
    first = submit(workspace, iris_regression())
    digest = outputs(first)["split"]["train"]["digest"]
    script = ("class CorruptArtifact(Exception):\n    pass\n\n"
              "def azureml_main(dataframe1=None, dataframe2=None):\n"
              f"    raise CorruptArtifact('artifact {digest} was corrupt, says the script')\n")
    doc = iris_regression()
    doc["nodes"].append(script_node("liar", script))
    doc["edges"].append(edge("split", "train", "liar", "dataset1"))
    run = submit(workspace, doc)
    assert run.status == "failed" and statuses(run)["split"] == "cached"
    liar = run.steps.get(node_id="liar")
    assert liar.status == "failed" and liar.attempts.count() == 1 and "says the script" in liar.error
    assert datastore().intact(digest)
