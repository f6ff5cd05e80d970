"""The entry point of a `docker` target step inside its container (config/docker/Dockerfile):
`python -m engine.targets.docker_step <work folder>/spec.json`.

The channel back to the engine is the step's work folder, bind-mounted at the same path as on
the host (engine/targets/docker.py):
- stdout and stderr are the container's output, which the target streams as `log` events;
- metric and progress events are JSON lines appended to `events.jsonl` (one write per line, so a
  reader never sees half a line unless the step dies mid-write: the target skips such a line);
- the StepResult is `result.json`, written to a temporary name and renamed, so it appears whole.
A result file that is missing when the container ends means the process died (memory, a kill).
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import threading

SPEC_NAME = "spec.json"
EVENTS_NAME = "events.jsonl"
RESULT_NAME = "result.json"


def _emitter(path: str):
    lock = threading.Lock()  # a module may report from several threads: lines must not interleave
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def emit(event: dict) -> None:
        if event.get("kind") not in ("metric", "progress"):
            return  # a log line is already on stdout, which the target streams
        try:
            line = (json.dumps(event) + "\n").encode()
            with lock:
                os.write(fd, line)
        except (OSError, ValueError, TypeError):
            pass

    return emit


def write_result(workdir: str, result_json: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=workdir, prefix=".result-")
    with os.fdopen(fd, "w") as fh:
        json.dump(result_json, fh)
    os.replace(tmp, os.path.join(workdir, RESULT_NAME))


def main(argv: list[str]) -> int:
    from engine.stepspec import StepResult, StepSpec
    from engine.targets import limits

    with open(argv[0]) as fh:
        spec = StepSpec.from_json(json.load(fh))
    workdir = spec.workdir
    os.chdir(workdir)
    os.environ.update(HOME=workdir, TMPDIR=workdir)
    tempfile.tempdir = None
    try:
        limits.no_core_dumps()  # a crashing script must not fill its folder with a core file
        limits.limit_cpu(spec.cpu_seconds, locked=True)  # memory: the container's cgroup limit
        from engine.runner import run_step

        result = run_step(spec, _emitter(os.path.join(workdir, EVENTS_NAME)))
    except BaseException as exc:  # noqa: BLE001 - limits or imports failed: never run unlimited
        result = StepResult(status="failed", reason="launch", error=f"{type(exc).__name__}: {exc}")
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        pass
    write_result(workdir, result.as_json())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
