"""A module reporting the thread pools its step process sees (threadpoolctl), optionally after
fitting a histogram gradient boosting model (OpenMP) on `rows` rows: for the thread-pinning test and
bench/threads.py. Load it into a target with LocalTarget(extra_modules=["tests.engine.thread_modules"])."""
from __future__ import annotations

import os
import time
from typing import Any

import pandas as pd

from modules_catalog.spec import Param, ParamKind, Port, PortType, module

REPORT_SCRIPT = '''\
import os
import time

import pandas as pd


def azureml_main(a=None, b=None):
    from tests.engine.thread_modules import report
    return report(int(os.environ.get("H1_ROWS", "0")) or (0 if a is None else int(a["rows"].iloc[0]))),
'''


def report(rows: int = 0) -> pd.DataFrame:
    fit_seconds = float("nan")
    if rows:
        from sklearn.datasets import make_classification
        from sklearn.ensemble import HistGradientBoostingClassifier

        X, y = make_classification(n_samples=rows, n_features=20, n_informative=10, random_state=0)
        start = time.perf_counter()
        HistGradientBoostingClassifier(random_state=0).fit(X, y)
        fit_seconds = time.perf_counter() - start
    from threadpoolctl import threadpool_info

    info = threadpool_info()
    return pd.DataFrame({
        "api": [i["internal_api"] for i in info], "num_threads": [int(i["num_threads"]) for i in info],
        "omp_env": [os.environ.get("OMP_NUM_THREADS", "")] * len(info), "fit_seconds": [fit_seconds] * len(info),
    })


@module("threadtest.report", "1", "Thread Report", "Utility", outputs=[Port("result", PortType.DATAFRAME)],
        params=[Param("rows", ParamKind.INT, default=0, min=0, max=1_000_000)])
def thread_report(ctx: Any, *, rows: int = 0) -> pd.DataFrame:
    return report(rows)
