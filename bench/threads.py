"""Thread pinning benchmark: a HistGradientBoostingClassifier fit (OpenMP) of 20,000 rows in a step,
in a pool worker (a built-in) and in a user-code child (Execute Python Script), on the local target.
Prints one JSON document: each fit's seconds and the thread pools the step saw (threadpoolctl).

    .venv/bin/python bench/threads.py [--rows 20000] [--repeat 3] [--threads N]

--threads N gives every step N threads instead of its share of the cores (N = the number of cores
shows what steps did before OpenMP was pinned: the OpenMP runtime's default is one thread per core).
"""
from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]  # bench/engine.py shadows `engine`
sys.path.insert(0, ROOT)

import argparse  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="threads per step instead of its share")
    args = parser.parse_args()
    from engine.targets import limits

    if args.threads:
        limits.thread_share = lambda *a, **k: args.threads  # read by the target when it builds the steps' env
    from engine.datastore import Datastore
    from engine.stepspec import StepSpec
    from engine.targets.local import LocalTarget
    from tests.engine.thread_modules import REPORT_SCRIPT

    root = tempfile.mkdtemp(prefix="gw-bench-threads-")
    store = Datastore(os.path.join(root, "store"))
    target = LocalTarget(concurrency=2, pool_size=1, extra_modules=["tests.engine.thread_modules"])
    assert target.warm(120), "the zygote did not come up"
    frame = store.put(__import__("pandas").DataFrame({"rows": [args.rows]}), "DataFrame")
    results: dict = {"cpus": os.cpu_count(), "rows": args.rows, "threads": args.threads or "share"}
    try:
        for name, module, params, inputs, user in (
                ("pool_worker", "threadtest.report", {"rows": args.rows}, {}, False),
                ("user_code", "execute_python_script", {"script": REPORT_SCRIPT},
                 {"dataset1": {"digest": frame.digest, "kind": "DataFrame"}}, True)):
            fits = []
            for i in range(args.repeat):
                spec = StepSpec(attempt_id=1000 * len(results) + i, run_id=1, node_id="n", module=module, version="1",
                                params=params, inputs=inputs, datastore=store.root,
                                workdir=os.path.join(root, f"{name}-{i}"), user_code=user, timeout=600)
                done, box = threading.Event(), {}

                def sink(event, box=box, done=done):
                    if event["kind"] == "done":
                        box["result"] = event["result"]
                        done.set()

                target.launch(spec, sink)
                assert done.wait(900), "no result"
                result = box["result"]
                result = result if isinstance(result, dict) else result.as_json()
                assert result["status"] == "succeeded", result.get("error")
                port = "result" if "result" in result["outputs"] else "result1"
                out = store.load(result["outputs"][port]["digest"], "DataFrame")
                fits.append(round(float(out["fit_seconds"].iloc[0]), 3))
                pools = sorted({(a, int(n)) for a, n in zip(out["api"], out["num_threads"])})
            results[name] = {"fit_seconds": fits, "best": min(fits), "pools": pools,
                             "OMP_NUM_THREADS": str(out["omp_env"].iloc[0])}
    finally:
        target.close()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
