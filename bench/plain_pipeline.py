"""The `large` benchmark's pipeline as one plain pandas + scikit-learn script, for comparison.

    python bench/plain_pipeline.py DATA.parquet [--label label] [--fraction 0.7] [--seed 1]

Does what the engine pipeline import_data -> clean_missing_data (mean) -> split_data ->
linear_regression + train_model -> score_model does, in memory, without storing anything, and
prints one JSON document: its own wall and CPU time (without and with the imports), the time of
each phase and its peak RSS (resource.getrusage)."""
from __future__ import annotations

import time

_t0, _cpu0 = time.perf_counter(), time.process_time()

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

import pandas as pd  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from sklearn.linear_model import LinearRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402


def main(argv: list[str]) -> dict:
    imported, cpu_imported = time.perf_counter(), time.process_time()
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--label", default="label")
    parser.add_argument("--fraction", type=float, default=0.7)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    phases: dict[str, float] = {}
    mark = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = round(now - mark, 4)
        mark = now

    df: pd.DataFrame = pq.read_table(args.path).to_pandas()
    phase("read")
    df = df.fillna({c: float(df[c].mean()) for c in df.columns})
    phase("clean")
    n_train = round(args.fraction * len(df))
    train, test = train_test_split(df, train_size=n_train, test_size=len(df) - n_train,
                                   random_state=args.seed, shuffle=True)
    train, test = train.reset_index(drop=True), test.reset_index(drop=True)
    phase("split")
    features = [c for c in df.columns if c != args.label]
    model = LinearRegression().fit(train[features], train[args.label])
    phase("train")
    scored = test.assign(scored_label=model.predict(test[features]))
    phase("score")
    done, cpu_done = time.perf_counter(), time.process_time()
    return {
        "rows": len(df),
        "columns": len(df.columns),
        "scored_rows": len(scored),
        "import_s": round(imported - _t0, 4),
        "wall_s": round(done - imported, 4),  # the work only, as the engine's warm workers see it
        "total_s": round(done - _t0, 4),  # plus interpreter-side imports of pandas/sklearn
        # CPU seconds (user + system, all threads) of the work only, and with the imports
        "cpu_s": round(cpu_done - cpu_imported, 4),
        "total_cpu_s": round(cpu_done - _cpu0, 4),
        "phases_s": phases,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
