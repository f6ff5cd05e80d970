"""The datastore's Parquet layout, content addresses and statistics."""
from __future__ import annotations

import errno
import os

import blake3
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from engine import datastore as datastore_module
from engine.datastore import Datastore, dataframe_meta


@pytest.fixture
def store(tmp_path) -> Datastore:
    return Datastore(str(tmp_path / "ds"))


def sample(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(9)
    df = pd.DataFrame({
        "x": rng.normal(size=rows), "gaps": rng.normal(size=rows), "n": rng.integers(0, 5, rows),
        "word": rng.choice(["alpha", "beta"], rows), "flag": rng.random(rows) > 0.5,
    })
    df.loc[::4, "gaps"] = np.nan
    df.loc[::5, "word"] = None
    return df


def test_a_frame_round_trips_with_its_nulls_and_types(store):
    df = sample(1000)
    stored = store.put(df, "DataFrame")
    back = store.load(stored.digest, "DataFrame")
    pd.testing.assert_frame_equal(back, df)


def test_columns_without_nulls_are_required_and_floats_are_stored_uncompressed(store):
    stored = store.put(sample(1000), "DataFrame")
    parquet = pq.ParquetFile(store.path(stored.digest))
    schema = parquet.schema_arrow
    assert {f.name: f.nullable for f in schema} == {"x": False, "gaps": True, "n": False, "word": True,
                                                     "flag": False}
    chunks = {parquet.metadata.row_group(0).column(i).path_in_schema: parquet.metadata.row_group(0).column(i)
              for i in range(parquet.metadata.num_columns)}
    assert chunks["x"].compression == "UNCOMPRESSED" and chunks["gaps"].compression == "UNCOMPRESSED"
    assert chunks["n"].compression == "SNAPPY" and chunks["word"].compression == "SNAPPY"


def test_the_address_is_the_blake3_of_the_bytes_and_equal_content_is_stored_once(store):
    df = sample(200)
    first = store.put(df, "DataFrame")
    with open(store.path(first.digest), "rb") as fh:
        assert first.digest == blake3.blake3(fh.read()).hexdigest()
    assert store.put(df.copy(), "DataFrame").digest == first.digest
    assert os.listdir(os.path.join(store.root, "tmp")) == []  # the second copy was not left behind


def test_statistics_beside_the_write_equal_those_computed_alone(store):
    df = sample(60_000)  # 300,000 cells: above the threshold, so statistics run on a second thread
    assert df.size >= datastore_module._PARALLEL_META_CELLS
    parallel = store.put(df, "DataFrame")
    assert parallel.meta["columns"] == dataframe_meta(df)["columns"]
    assert parallel.meta["rows"] == 60_000 and parallel.meta["preview"]["rows"]


def test_a_failed_write_leaves_no_temporary_file(store, monkeypatch):
    def broken(df, path):
        with open(path, "wb") as fh:
            fh.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(datastore_module, "write_parquet", broken)
    for rows in (10, 60_000):  # both the serial and the threaded path
        with pytest.raises(OSError, match="disk full"):
            store.put(sample(rows), "DataFrame")
    assert os.listdir(os.path.join(store.root, "tmp")) == []
    assert os.listdir(os.path.join(store.root, "objects")) == []


def zero_row_frames() -> list[pd.DataFrame]:
    empty = pd.DataFrame({"text": pd.Series([], dtype=object), "x": pd.Series([], dtype=float),
                          "n": pd.Series([], dtype="int64"), "flag": pd.Series([], dtype=bool),
                          "when": pd.Series([], dtype="datetime64[ns]")})
    return [empty, pd.DataFrame({"text": [None, None]}), pd.DataFrame(columns=["a", "b"]), pd.DataFrame()]


@pytest.mark.parametrize("df", zero_row_frames(), ids=["typed", "only-missing", "header-only", "nothing"])
def test_a_frame_with_no_values_round_trips_with_its_columns_and_statistics(store, df):
    stored = store.put(df, "DataFrame")
    back = store.load(stored.digest, "DataFrame")
    assert list(back.columns) == list(df.columns) and len(back) == len(df)
    assert stored.meta["rows"] == len(df)
    assert [c["name"] for c in stored.meta["columns"]] == [str(c) for c in df.columns]


def files(store: Datastore) -> list[str]:
    return [name for _, _, names in os.walk(store.root) for name in names]


def enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("where", ["parquet", "object", "meta", "move"])
def test_a_full_disk_raises_no_space_left_and_leaves_nothing_half_written(store, monkeypatch, where):
    real_replace = os.replace
    if where == "parquet":
        def half(df, path):
            with open(path, "wb") as fh:
                fh.write(b"half")
            enospc()
        monkeypatch.setattr(datastore_module, "write_parquet", half)
    elif where == "object":
        monkeypatch.setattr(datastore_module.pickle, "dumps", lambda *a, **k: enospc())
    elif where == "meta":
        monkeypatch.setattr(datastore_module.json, "dump", enospc)
    else:  # the object's move into place fails after its metadata was written
        monkeypatch.setattr(datastore_module.os, "replace",
                            lambda src, dst: enospc() if "/objects/" in dst else real_replace(src, dst))
    value, kind = (sample(10), "DataFrame") if where in ("parquet", "meta", "move") else ([1, 2], "Model")
    with pytest.raises(OSError) as raised:
        store.put(value, kind)
    assert datastore_module.is_disk_full(raised.value)
    assert files(store) == []


def test_a_frame_on_a_really_full_disk_fails_as_no_space_left_and_leaves_nothing(tiny_disk):
    store = Datastore(str(tiny_disk("64k") / "ds"))
    with pytest.raises(OSError) as raised:
        store.put(pd.DataFrame({"x": np.random.default_rng(1).random(100_000)}), "DataFrame")
    assert datastore_module.is_disk_full(raised.value)
    assert files(store) == []
