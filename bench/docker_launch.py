"""A `docker` target step's launch beside a plain `docker run` of the same image (issue 10, item 9).

    .venv/bin/python bench/docker_launch.py [--repeat N] [--image graphwright-step:latest]

Needs a running Docker engine and the step image (`make docker-image`). Prints ONE JSON document,
the median (and min, max) seconds of N repetitions of:

  docker_run_true      `docker run --rm --network none --entrypoint /bin/true IMAGE` (the CLI)
  sdk_run_true         the same through the Docker SDK: create, start, wait, remove
  docker_run_python    `docker run --rm --network none --entrypoint python IMAGE -c "import
                       engine.runner, modules_catalog.registry; load_builtins()"`: the image's
                       interpreter importing what a step imports, nothing run
  target_started       DockerTarget.launch() until its container runs (inputs staged, spec
                       written, container created and started)
  target_step          DockerTarget.launch() of a Sleep step of 0 s until its `done`, container
                       removed: the whole cost of one trivial step in a container
Progress goes to stderr; stdout holds only the JSON."""
from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]
sys.path.insert(0, ROOT)

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402


def _stats(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3)}


def _timed(fn, repeat: int, name: str) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    print(f"{name}: {statistics.median(times):.3f} s", file=sys.stderr)
    return _stats(times)


IMAGE = "graphwright-step:latest"


def unavailable(image: str = IMAGE) -> str | None:
    """Why this benchmark cannot run here (no Docker engine, no step image), or None."""
    try:
        import docker

        client = docker.from_env(timeout=10)
        client.ping()
    except Exception as exc:
        return f"no Docker engine answers ({type(exc).__name__}: {str(exc)[:200]}); start dockerd"
    try:
        client.images.get(image)
    except Exception:
        return f"the image {image} is missing; build it with `make docker-image`"
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--image", default=IMAGE)
    args = parser.parse_args()
    print(json.dumps(measure(repeat=args.repeat, image=args.image), indent=2))


def measure(*, repeat: int = 5, image: str = IMAGE) -> dict[str, object]:
    """The figures of the module's docstring, as one dict (bench/load.py calls this too)."""
    import docker

    from engine.datastore import Datastore
    from engine.stepspec import StepSpec
    from engine.targets.docker import DockerTarget

    client = docker.from_env()
    out: dict[str, object] = {"image": image, "repeat": repeat,
                              "server": client.version().get("Version")}

    def cli_true() -> None:
        subprocess.run(["docker", "run", "--rm", "--network", "none", "--entrypoint", "/bin/true", image], check=True)

    def sdk_true() -> None:
        container = client.containers.create(image, [], entrypoint=["/bin/true"], network_mode="none")
        container.start()
        container.wait()
        container.remove(force=True)

    def cli_python() -> None:
        subprocess.run(["docker", "run", "--rm", "--network", "none", "--entrypoint", "/opt/graphwright/bin/python",
                        image, "-c", "import engine.runner\nfrom modules_catalog.registry import load_builtins\n"
                        "load_builtins()"], check=True)

    out["docker_run_true"] = _timed(cli_true, repeat, "docker run /bin/true")
    out["sdk_run_true"] = _timed(sdk_true, repeat, "SDK run /bin/true")
    out["docker_run_python"] = _timed(cli_python, repeat, "docker run python (step imports)")

    with tempfile.TemporaryDirectory(prefix="gw-docker-bench-") as tmp:
        store = Datastore(os.path.join(tmp, "datastore"))
        target = DockerTarget(name="docker-bench", image=image, concurrency=1)
        started, whole = [], []
        try:
            for i in range(repeat):
                done = threading.Event()
                spec = StepSpec(attempt_id=i + 1, run_id=1, node_id="sleep", module="sleep", version="1",
                                params={"seconds": 0.0}, inputs={}, datastore=store.root,
                                workdir=os.path.join(tmp, "work", f"step-{i + 1}-1"))
                results = []

                def sink(event, done=done, results=results):
                    if event["kind"] == "done":
                        results.append(event["result"])
                        done.set()

                t0 = time.perf_counter()
                handle = target.launch(spec, sink)
                while not handle.started and not done.is_set():
                    time.sleep(0.002)
                started.append(time.perf_counter() - t0)
                done.wait(120)
                whole.append(time.perf_counter() - t0)
                assert results and results[0].status == "succeeded", results[0].error if results else "no result"
        finally:
            target.close()
    out["target_started"] = _stats(started)
    out["target_step"] = _stats(whole)
    print(f"target launch -> running: {statistics.median(started):.3f} s; -> done: {statistics.median(whole):.3f} s",
          file=sys.stderr)
    return out


if __name__ == "__main__":
    main()
