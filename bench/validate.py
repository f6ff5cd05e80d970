"""Validation benchmark: prints ONE JSON document with the time to check and compile large graphs.

    .venv/bin/python bench/validate.py [--sizes 1000,10000,20000] [--repeat 3]

For each size n it builds two documents of Pass Through nodes fed by one sample_dataset:

  chain   source -> p1 -> p2 -> ... -> p(n-1)      (n nodes, n-1 edges)
  fan     source -> p1, source -> p2, ...          (n nodes, n-1 edges, all from one output)

and times, best of --repeat: `shape` (the JSON Schema check alone), `validate` (validate_document:
schema, graph, parameters, schemas) and `compile` (compile_document, the frozen plan), each in ms
and in µs per node. `bad_id` times the schema check of the chain with one node id broken (the
slow, message-writing validator then only walks the refused node). Nothing touches the database.
Linear growth shows as a flat `us_per_node` across sizes."""
from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]  # bench/engine.py shadows `engine`
sys.path.insert(0, ROOT)

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Any, Callable  # noqa: E402


def chain(n: int) -> dict[str, Any]:
    from engine.documents import document, edge, node

    ids = ["source"] + [f"p{i}" for i in range(1, n)]
    nodes = [node("source", "sample_dataset", name="iris")] + [node(i, "passthrough") for i in ids[1:]]
    return document(nodes, [edge(a, "data", b, "data") for a, b in zip(ids, ids[1:])], name=f"chain {n}")


def fan(n: int) -> dict[str, Any]:
    from engine.documents import document, edge, node

    ids = [f"p{i}" for i in range(1, n)]
    nodes = [node("source", "sample_dataset", name="iris")] + [node(i, "passthrough") for i in ids]
    return document(nodes, [edge("source", "data", i, "data") for i in ids], name=f"fan {n}")


def best_ms(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(min(times) * 1000, 2)


def measure(doc: dict[str, Any], repeat: int) -> dict[str, Any]:
    from engine.compiler import compile_document, validate_document
    from engine.documents import shape_errors

    assert shape_errors(doc) == [] and validate_document(doc) == []
    n = len(doc["nodes"])
    out: dict[str, Any] = {"nodes": n, "edges": len(doc["edges"])}
    for name, fn in (("shape", lambda: shape_errors(doc)), ("validate", lambda: validate_document(doc)),
                     ("compile", lambda: compile_document(doc))):
        took = best_ms(fn, repeat)
        out[f"{name}_ms"] = took
        out[f"{name}_us_per_node"] = round(took * 1000 / n, 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,20000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["GRAPHWRIGHT_VAR"] = tempfile.mkdtemp(prefix="gw-bench-validate-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["ENGINE_AUTOSTART"] = "0"
    import django

    django.setup()
    from engine.documents import shape_errors

    results: dict[str, Any] = {"python": platform.python_version(), "cpus": os.cpu_count(), "repeat": args.repeat}
    for size in (int(s) for s in args.sizes.split(",")):
        for shape, build in (("chain", chain), ("fan", fan)):
            print(f"[bench] {shape} {size}", file=sys.stderr, flush=True)
            results[f"{shape}_{size}"] = measure(build(size), args.repeat)
        broken = chain(size)
        broken["nodes"][size // 2]["id"] = "not/a name"
        assert len(shape_errors(broken)) == 1
        results[f"bad_id_{size}"] = {"nodes": size, "shape_ms": best_ms(lambda: shape_errors(broken), args.repeat)}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
