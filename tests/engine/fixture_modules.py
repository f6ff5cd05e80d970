"""Tiny modules for runner and local-target tests; importable in child processes too
(LocalTarget(extra_modules=["tests.engine.fixture_modules"]))."""
from __future__ import annotations

import os
import time
from typing import Any

import pandas as pd

from modules_catalog.spec import Param, ParamKind, Port, PortType, module

DF = PortType.DATAFRAME


@module("fixture.make_frame", "1", "Make Frame", "Fixture",
        outputs=[Port("result", DF)], params=[Param("rows", ParamKind.INT, default=3)])
def make_frame(ctx: Any, *, rows: int = 3) -> pd.DataFrame:
    return pd.DataFrame({"x": list(range(rows)), "seed": [ctx.seed] * rows})


@module("fixture.split", "1", "Split", "Fixture",
        inputs=[Port("data", DF)], outputs=[Port("head", DF), Port("tail", DF), Port("stats", PortType.METRICS)])
def split(ctx: Any, *, data: pd.DataFrame) -> dict[str, Any]:
    half = len(data) // 2
    return {"head": data.iloc[:half], "tail": data.iloc[half:], "stats": {"rows": len(data)}}


@module("fixture.fail", "1", "Fail", "Fixture", outputs=[Port("result", DF)])
def fail(ctx: Any) -> pd.DataFrame:
    return _deep_failure()


def _deep_failure() -> pd.DataFrame:
    raise ValueError("the fixture failed on purpose")


@module("fixture.missing_output", "1", "Missing Output", "Fixture",
        outputs=[Port("first", DF), Port("second", DF)])
def missing_output(ctx: Any) -> dict[str, Any]:
    return {"first": pd.DataFrame({"a": [1]})}


@module("fixture.oom", "1", "Out Of Memory", "Fixture", outputs=[Port("result", DF)])
def oom(ctx: Any) -> pd.DataFrame:
    raise MemoryError()


@module("fixture.report", "1", "Report", "Fixture", outputs=[Port("result", DF)],
        params=[Param("dataset", ParamKind.DATASET, required=False)])
def report(ctx: Any, *, dataset: dict | None = None) -> pd.DataFrame:
    """Exercises every ctx call; pauses so a live event can be seen before the step ends."""
    ctx.log("starting the report")
    ctx.progress(0.5, "half way")
    ctx.metric("accuracy", 0.75)
    ctx.metric("loss", 0.5, step=3)
    print("printed line", flush=True)
    time.sleep(0.6)
    frame = ctx.dataset(dataset) if dataset else pd.DataFrame({"x": [1]})
    return frame.assign(cwd=os.getcwd())


@module("fixture.timed_sleep", "1", "Timed Sleep", "Fixture", outputs=[Port("result", DF)],
        params=[Param("seconds", ParamKind.FLOAT, default=1.0)])
def timed_sleep(ctx: Any, *, seconds: float = 1.0) -> pd.DataFrame:
    """When it ran and where: lets a test show two steps overlapped in time."""
    start = time.time()
    time.sleep(seconds)
    return pd.DataFrame({"start": [start], "end": [time.time()], "pid": [os.getpid()]})
