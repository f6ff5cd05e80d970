"""Modules used only by the benchmarks (bench/engine.py).

Imported by the benchmark process (so the compiler knows them) and by the local target's zygote
through GRAPHWRIGHT_EXTRA_MODULES=bench.modules (so pool workers can run them). Nothing in the
product imports this file."""
from __future__ import annotations

from typing import Any

import pandas as pd

from modules_catalog.spec import Port, PortType, module

GATHER_INPUTS = 200


@module(
    "bench_gather", "1", "Bench Gather", "Benchmark",
    inputs=[Port(f"in{i}", PortType.DATAFRAME, f"Dataset {i}", optional=True) for i in range(GATHER_INPUTS)],
    outputs=[Port("data", PortType.DATAFRAME, "Row counts")],
)
def bench_gather(ctx: Any, **inputs: pd.DataFrame) -> pd.DataFrame:
    """The fan-in end of the fan benchmark: one row per connected input with its row count."""
    names = sorted(inputs, key=lambda n: int(n[2:]))
    return pd.DataFrame({"input": names, "rows": [len(inputs[n]) for n in names]})
