"""The engine thread's own CPU per step, without step processes: prints ONE JSON document.

    .venv/bin/python bench/engine_thread.py [--shape chain|fan] [--nodes 200] [--repeat 5]

Same throw-away embedded environment as bench/engine.py, but the engine runs with an instant
target: a step "finishes" the moment it is launched (its `done` event, a success whose output is
its input's digest, goes straight to the engine's inbox). What is left is the engine loop's own
work per step (launch, record, advance, events, SQLite) measured as the thread's CPU time, which
a loaded machine moves less than wall time; no zygote, pool or step process competes with it.
Graphs: bench/engine.py's chain (sample_dataset -> passthrough ...) and fan (1 -> n -> gather,
n <= 200), force=True."""
from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]
sys.path.insert(0, ROOT)

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
from typing import Any  # noqa: E402

from bench.harness import Bench, Finals, setup_environment  # noqa: E402


def main(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", choices=("chain", "fan"), default="chain")
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    var = tempfile.mkdtemp(prefix="graphwright-bench-thread-")
    try:
        setup_environment(var)
        from bench.engine import chain_doc, fan_doc, thread_cpu_seconds
        from designer.models import Workspace
        from engine import events, executor
        from engine.stepspec import StepResult
        from engine.targets.base import Target

        class Instant(Target):
            name, concurrency = "local", 4

            def __init__(self) -> None:
                self.count = 0

            def launch(self, spec, on_event):
                self.count += 1
                digest = next(iter(spec.inputs.values()))["digest"] if spec.inputs else "ab" * 32
                on_event({"kind": "done", "attempt_id": spec.attempt_id, "result": StepResult(
                    status="succeeded", outputs={"data": {"digest": digest, "kind": "DataFrame", "size": 1, "meta": {}}},
                    duration=0.0)})
                return object()

            def check(self, handle) -> bool:
                return False

            def terminate(self, handle, reason: str = "cancelled") -> None:
                pass

            def launches(self) -> int:
                return self.count

        finals = Finals()
        events.add_listener(finals)
        workspace = Workspace.objects.create(slug="bench", name="Bench")
        ex = executor.start({"local": Instant()})
        try:
            b = Bench(workspace, finals, ex)
            b.submit(chain_doc(5), force=True)  # warm-up
            doc = chain_doc(args.nodes) if args.shape == "chain" else fan_doc(min(args.nodes, 200))
            samples = []
            for _ in range(args.repeat):
                cpu0 = thread_cpu_seconds(ex._thread)
                run, wall, _ = b.submit(doc, force=True)
                cpu1 = thread_cpu_seconds(ex._thread)
                samples.append(round((cpu1 - cpu0) * 1000 / run.steps.count(), 3))
        finally:
            executor.stop()
            events.remove_listener(finals)
    finally:
        shutil.rmtree(var, ignore_errors=True)
    return {"shape": args.shape, "nodes": args.nodes, "engine_cpu_ms_per_step": sorted(samples)[len(samples) // 2],
            "repeats_engine_cpu_ms_per_step": samples}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
