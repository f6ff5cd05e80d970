"""Pass Through and Sleep, the utility modules engine tests and benchmarks chain together."""
from __future__ import annotations

import time

from sklearn.datasets import load_iris

from modules_catalog.schema import schema_of
from modules_catalog.spec import Column


def test_passthrough_returns_its_input_unchanged(catalog, ctx):
    df = load_iris(as_frame=True).frame
    spec = catalog.get("passthrough", "1")
    assert spec.fn(ctx, data=df) is df
    assert spec.infer_schema({"data": schema_of(df)}, {}) == {"data": schema_of(df)}


def test_sleep_waits_then_returns_its_input_or_one_row(catalog, ctx):
    df = load_iris(as_frame=True).frame
    spec = catalog.get("sleep", "1")
    start = time.monotonic()
    assert spec.fn(ctx, data=df, seconds=0.05) is df
    assert time.monotonic() - start >= 0.05
    alone = spec.fn(ctx, data=None, seconds=0)
    assert alone.to_dict("list") == {"slept": [0.0]}


def test_sleep_infers_its_input_schema_or_the_one_row_frame(catalog):
    spec = catalog.get("sleep")
    schema = (Column("a", "int"),)
    assert spec.infer_schema({"data": schema}, {"seconds": 1}) == {"data": schema}
    assert spec.infer_schema({}, {"seconds": 1}) == {"data": (Column("slept", "float"),)}
