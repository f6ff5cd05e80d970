"""Utility modules for trivial chains, benchmarks and engine tests (parallelism, timeouts)."""
from __future__ import annotations

import time
from typing import Any, Mapping

import pandas as pd

from ..spec import Column, Param, ParamKind, Port, PortType, Schema, module

CATEGORY = "Utility"


def _same_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    return {"data": inputs.get("data")}


@module(
    "passthrough", "1", "Pass Through", CATEGORY,
    inputs=[Port("data", PortType.DATAFRAME, "Dataset")],
    outputs=[Port("data", PortType.DATAFRAME, "Dataset")],
    infer_schema=_same_schema,
)
def passthrough(ctx: Any, *, data: pd.DataFrame) -> pd.DataFrame:
    """Return the input unchanged."""
    return data


def _sleep_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    if "data" in inputs:  # connected: its schema, known or not
        return {"data": inputs["data"]}
    return {"data": (Column("slept", "float"),)}


@module(
    "sleep", "1", "Sleep", CATEGORY,
    inputs=[Port("data", PortType.DATAFRAME, "Dataset", optional=True)],
    outputs=[Port("data", PortType.DATAFRAME, "Dataset")],
    params=[Param("seconds", ParamKind.FLOAT, "Seconds", default=1.0, min=0, max=3600)],
    infer_schema=_sleep_schema,
)
def sleep(ctx: Any, *, data: pd.DataFrame | None = None, seconds: float = 1.0) -> pd.DataFrame:
    """Wait, then return the input (or a one-row frame `slept` when nothing is connected)."""
    if not 0 <= seconds <= 3600:
        raise ValueError(f"param 'seconds' must be between 0 and 3600; got {seconds}")
    ctx.log(f"sleeping {seconds} s")
    time.sleep(seconds)
    return data if data is not None else pd.DataFrame({"slept": [float(seconds)]})
