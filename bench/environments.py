"""What an environment costs (issue 10, item 6).

    .venv/bin/python bench/environments.py [--repeat N]

Offline: the packages are wheels the script makes (tests/engine/wheels.py), pip reads only them.
Prints ONE JSON document (seconds; CPU = user + system of the process and its children):

  build                one environment of one small wheel built from nothing: venv, .pth, pip
                       (wall and CPU of the pip and venv children)
  reuse                ensure() of the same content hash once built: a marker file's stat
  interpreter_start    the environment's Python importing what a step imports (pandas, pyarrow,
                       engine.runner): the extra cost of a step in an environment, which gets a fresh
                       interpreter instead of a fork of the warm zygote (about 18 ms)
Progress goes to stderr; stdout holds only the JSON. Figures in docs/benchmarks.md were taken on
a shared 2-core machine."""
from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]
sys.path.insert(0, ROOT)

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _stats(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 4), "min": round(min(values), 4), "max": round(max(values), 4)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gw-bench-env-") as var:
        from bench.harness import log, setup_environment

        setup_environment(var)
        from django.conf import settings

        from engine import envbuild
        from engine.environments import build_spec, content_hash
        from engine.models import EnvironmentBuild
        from tests.engine.wheels import make_wheel

        house = Path(var) / "wheels"
        house.mkdir()
        settings.ENVIRONMENTS_ROOT = str(Path(var) / "envs")
        settings.ENVIRONMENT_BUILD = {"NO_INDEX": True, "FIND_LINKS": str(house), "INDEX_URL": "",
                                      "ALLOW_SOURCE": False, "TIMEOUT": 600.0}
        builds, build_cpu, reuse, starts = [], [], [], []
        python = ""
        for i in range(args.repeat):
            make_wheel(house, "gwtiny", f"1.{i}")
            spec = build_spec([f"gwtiny==1.{i}"])
            digest = content_hash(spec)
            EnvironmentBuild.objects.create(content_hash=digest, spec=spec)
            cpu, started = _children_cpu(), time.perf_counter()
            python = envbuild.ensure(digest)
            builds.append(time.perf_counter() - started)
            build_cpu.append(_children_cpu() - cpu)
            started = time.perf_counter()
            envbuild.ensure(digest)
            reuse.append(time.perf_counter() - started)
            log(f"build {i}: {builds[-1]:.2f} s")
        for _ in range(args.repeat):
            cpu, started = _children_cpu(), time.perf_counter()
            subprocess.run([python, "-I", "-c", f"import sys; sys.path.insert(0, {ROOT!r}); "
                            "import pandas, pyarrow.parquet, engine.runner, gwtiny"], check=True)
            starts.append((time.perf_counter() - started, _children_cpu() - cpu))
        print(json.dumps({
            "build": {"wall": _stats(builds), "cpu": _stats(build_cpu)},
            "reuse": _stats(reuse),
            "interpreter_start": {"wall": _stats([s[0] for s in starts]), "cpu": _stats([s[1] for s in starts])},
        }, indent=1))


if __name__ == "__main__":
    main()
