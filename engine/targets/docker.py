"""The `docker` compute target: each step in a container of its own, through the Docker SDK.

Per step (attempt): a container named `gw-r<run>-s<step>-a<attempt>` (ids only, never a user's
text), labelled graphwright=1 with its run, step, attempt, target, owner (this engine process) and
instance (this target object);
no network unless the target allows it; memory, CPU and pid limits; a read-only root with a tmpfs
for /tmp; user 10001; only the step's work folder bind-mounted, at the path it has on the host
(`_mounts`). Inputs and outputs go through the datastore: the target copies the step's inputs
into a store of the step's own in that folder, and the outputs the step stored there into the
datastore after it (`_stage_inputs`, `_collect_outputs`). The image (`make docker-image`,
config/docker/) runs engine/targets/docker_step.py, whose channel back is the work folder:
`spec.json` in, stdout and stderr streamed as `log` events, metric and progress events as JSON
lines in `events.jsonl` (tailed), the StepResult in `result.json`.

Each launch gets a thread of the target's that creates and starts the container, streams its
output and reports the one `done`; one more thread tails event files and enforces timeouts.
"""
from __future__ import annotations

import json
import logging
import math
import os
import re
import shutil
import socket
import threading
import time
import uuid
from dataclasses import fields, replace
from typing import Any

from requests.exceptions import RequestException

from engine.stepspec import StepResult, StepSpec
from engine.targets.base import EventSink, InfrastructureError, Target
from engine.targets.docker_step import EVENTS_NAME, RESULT_NAME, SPEC_NAME
from engine.targets.local_steps import LOG_KEEP

log = logging.getLogger(__name__)

STEP_UID = 10001  # the image's unprivileged user (config/docker/Dockerfile)
REMOVE_WAIT = 10.0  # seconds a step's thread waits for its container to be gone
TICK = 0.2  # how often event files are read and deadlines checked
EVENTS_KEEP = 1 << 20  # an events file read past this many bytes a tick is skipped ahead
LABEL = "graphwright"
STORE_NAME = "store"  # the step's own datastore, in its work folder


class DockerUnavailable(InfrastructureError):
    """The Docker daemon cannot be reached, or refused what a launch needs: an infrastructure
    failure (reason `infrastructure`, retried by the default retry policy)."""


class DockerHandle:
    """What launch() returns."""

    def __init__(self, spec: StepSpec, on_event: EventSink, name: str) -> None:
        self.spec = spec
        self.attempt_id = spec.attempt_id
        self.on_event = on_event
        self.name = name
        self.container: Any = None
        self.done = False
        self.kill_reason = ""
        self.started = 0.0
        self.deadline: float | None = None
        self.lock = threading.Lock()
        self.events_pos = 0
        self.partial = b""  # output after its last newline
        self.tail = bytearray()  # the last LOG_KEEP bytes of output, for the result

    def __repr__(self) -> str:
        return f"<DockerHandle {self.name} {'done' if self.done else 'live'}>"


def container_name(spec: StepSpec) -> str:
    """`gw-r<run>-s<step>-a<attempt number>` from ids only; the step id and attempt number come from
    the work folder the engine names `step-<id>-<number>`, else the attempt's id stands alone."""
    match = re.fullmatch(r"step-(\d+)-(\d+)", os.path.basename(os.path.normpath(spec.workdir)))
    if match:
        return f"gw-r{int(spec.run_id)}-s{int(match[1])}-a{int(match[2])}"
    return f"gw-r{int(spec.run_id)}-a{int(spec.attempt_id)}"


def _owner_alive(owner: str) -> bool:
    """Whether the engine process named by an owner label (host:pid:start time) still runs here."""
    try:
        host, pid, started = owner.rsplit(":", 2)
        if host != socket.gethostname():
            return True  # another machine's: not ours to judge
        import psutil

        return int(psutil.Process(int(pid)).create_time()) == int(started)
    except (ValueError, ImportError):
        return False
    except Exception:  # psutil.NoSuchProcess, AccessDenied
        return False


class DockerTarget(Target):
    def __init__(self, *, name: str = "docker", concurrency: int = 2, image: str = "graphwright-step:latest",
                 base_url: str | None = None, network: bool = False, memory_mb: int | None = None,
                 cpus: float = 1.0, pids: int = 256, tmp_mb: int = 256) -> None:
        import psutil

        self.name = name
        self.concurrency = max(1, int(concurrency))
        self.image = image
        self.base_url = base_url or os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
        self.network = bool(network)
        self.memory_mb = int(memory_mb) if memory_mb else None
        self.cpus = float(cpus)
        self.pids = int(pids)
        self.tmp_mb = int(tmp_mb)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{int(psutil.Process().create_time())}"
        self.instance = uuid.uuid4().hex  # this target object: what close() removes
        self._lock = threading.RLock()
        self._client_obj: Any = None
        self._host = ""  # the Docker host's name (its `docker info`), once reached
        self._live: set[DockerHandle] = set()
        self._launches = 0
        self._closed = False
        self._swept = False
        self._stop = threading.Event()
        self._monitor = threading.Thread(target=self._watch, name=f"{name}-target", daemon=True)
        self._monitor.start()
        try:  # leftovers of a dead engine on this host go now; unreachable: on the first launch
            self._sweep()
        except DockerUnavailable as exc:
            log.warning("docker target %s: %s", name, exc)

    # -- public API --------------------------------------------------------------------------
    def launch(self, spec: StepSpec, on_event: EventSink) -> DockerHandle:
        if not (os.path.isabs(spec.workdir) and os.path.isabs(spec.datastore)):
            spec = replace(spec, workdir=os.path.abspath(spec.workdir), datastore=os.path.abspath(spec.datastore))
        handle = DockerHandle(spec, on_event, container_name(spec))
        with self._lock:
            closed = self._closed
            if not closed:
                self._live.add(handle)
        if closed:
            self._finish(handle, StepResult(status="failed", reason="launch", error="the docker target is closed"))
        else:
            threading.Thread(target=self._run, args=(handle,), name=f"{self.name}-{handle.name}", daemon=True).start()
        return handle

    def check(self, handle: DockerHandle) -> bool:
        return not handle.done

    def terminate(self, handle: DockerHandle, reason: str = "cancelled") -> None:
        with handle.lock:
            if handle.done or handle.kill_reason:
                return
            handle.kill_reason = reason
            container = handle.container
        if container is not None:  # not created yet: its thread removes it as soon as it is
            self._remove(container)

    def launches(self) -> int:
        return self._launches

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            live = list(self._live)
        self._stop.set()
        for handle in live:
            self.terminate(handle, "lost")
        try:  # whatever this engine still has, running or not
            for container in self._client().containers.list(all=True, filters={"label": f"{LABEL}.instance={self.instance}"}):
                self._remove(container)
        except Exception as exc:  # the daemon is gone: its containers are the next start's sweep
            log.warning("docker target %s: could not list its containers at close: %s", self.name, exc)
        deadline = time.monotonic() + 10
        for handle in live:
            while not handle.done and time.monotonic() < deadline:
                time.sleep(0.05)

    # -- the daemon --------------------------------------------------------------------------
    def _client(self) -> Any:
        import docker

        with self._lock:
            if self._client_obj is None:
                try:
                    self._client_obj = docker.DockerClient(base_url=self.base_url, version="auto", timeout=30,
                                                           max_pool_size=2 * self.concurrency + 4)
                    self._host = str(self._client_obj.info().get("Name") or "")[:200]
                except (docker.errors.DockerException, RequestException) as exc:
                    self._client_obj = None
                    raise DockerUnavailable(f"the Docker daemon at {self.base_url} cannot be reached: {exc}") from None
            return self._client_obj

    def _forget_client(self, exc: BaseException) -> None:
        """After a connection error, the next call makes a new client (the daemon may have been
        restarted). The old one is not closed: other steps' threads may still be reading from it.
        An error the daemon answered with (APIError) keeps the client."""
        from requests.exceptions import ConnectionError as Unreachable

        if isinstance(exc, Unreachable) or isinstance(getattr(exc, "__context__", None), Unreachable):
            with self._lock:
                self._client_obj = None

    def _sweep(self) -> None:
        """Remove the containers of this target whose engine process (on this host) is gone."""
        import docker

        try:
            found = self._client().containers.list(all=True, filters={"label": [f"{LABEL}=1", f"{LABEL}.target={self.name}"]})
        except (docker.errors.DockerException, RequestException) as exc:
            self._forget_client(exc)
            raise DockerUnavailable(f"the Docker daemon at {self.base_url} cannot be reached: {exc}") from None
        for container in found:
            owner = container.labels.get(f"{LABEL}.owner", "")
            if owner != self.owner and not _owner_alive(owner):
                log.info("docker target %s: removing leftover container %s", self.name, container.name)
                self._remove(container)
        self._swept = True

    def _remove(self, container: Any, wait: bool = False) -> None:
        """Kill and remove the container; with `wait`, until the daemon no longer lists it (another
        thread's removal may be under way), for at most REMOVE_WAIT seconds."""
        import docker

        try:
            container.remove(force=True)  # kills it first when it runs
        except Exception as exc:  # gone already, being removed, or the daemon is gone
            log.debug("docker target: removing %s: %s", getattr(container, "name", container), exc)
        deadline = time.monotonic() + REMOVE_WAIT
        while wait and time.monotonic() < deadline:
            try:
                container.reload()
            except docker.errors.NotFound:
                return
            except Exception:  # the daemon is gone: nothing to wait for
                return
            time.sleep(0.05)

    # -- one step ----------------------------------------------------------------------------
    def _mounts(self, spec: StepSpec) -> list[Any]:
        """What a step's container sees of the host: its own work folder, read-write, at the path
        it has on the host. Nothing of the datastore: the step reads its inputs from, and writes
        its outputs to, a store of its own inside that folder (`_stage_inputs`, `_collect_outputs`),
        so it never sees another step's artifacts, and a remote datastore (s3://) needs no
        credentials in the container. The one place to change what a container mounts."""
        from docker.types import Mount

        return [Mount(target=spec.workdir, source=spec.workdir, type="bind", read_only=False)]

    def _stage_inputs(self, spec: StepSpec) -> StepSpec:
        """Copy the step's inputs (and a custom module's stored files) from the datastore into a
        store in its work folder; the spec the container gets names that store."""
        from engine.datastore import Datastore, open_datastore

        shared = open_datastore(spec.datastore)
        private = Datastore(os.path.join(spec.workdir, STORE_NAME))
        for ref in spec.inputs.values():
            digest, kind = str(ref.get("digest") or ""), str(ref.get("kind") or "")
            tmp = private.temp_path()
            with shared.open(digest) as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            stored = private.put_file(tmp, kind, meta=shared.meta(digest))
            if stored.digest != digest:  # open() verified it: only a race could get here
                raise OSError(f"input {digest[:12]} changed while it was copied")
        if spec.code:
            from modules_catalog.custom import store_folder

            source = store_folder(spec.datastore, spec.code)
            if os.path.isdir(source):
                shutil.copytree(source, store_folder(private.root, spec.code), dirs_exist_ok=True)
        return replace(spec, datastore=private.root)

    def _collect_outputs(self, handle: DockerHandle, result: StepResult) -> StepResult:
        """Put the outputs the step wrote into its own store into the datastore; the result names
        what the datastore holds. An output the step's store does not hold fails the step."""
        from engine.datastore import ArtifactMissing, Datastore, open_datastore

        if result.status != "succeeded":
            return result
        shared = open_datastore(handle.spec.datastore)
        private = Datastore(os.path.join(handle.spec.workdir, STORE_NAME))
        outputs = {}
        try:
            for port, ref in result.outputs.items():
                digest, kind = str(ref.get("digest") or ""), str(ref.get("kind") or "")
                meta = ref.get("meta") if isinstance(ref.get("meta"), dict) else private.meta(digest)
                stored = shared.put_file(private.local_file(digest), kind, meta=meta, move=False)
                if stored.digest != digest:
                    raise ArtifactMissing(digest)
                outputs[str(port)] = stored.as_json()
        except (ArtifactMissing, OSError, ValueError, TypeError) as exc:
            return replace(result, status="failed", reason="error", outputs={},
                           error=f"the step reported an output its container did not store: {exc}")
        return replace(result, outputs=outputs)

    def _prepare(self, spec: StepSpec) -> str:
        """The step's work folder with its inputs and its spec, all owned by the container's user."""
        os.makedirs(spec.workdir, exist_ok=True)
        os.chmod(spec.workdir, 0o750)
        inside = self._stage_inputs(spec)
        path = os.path.join(spec.workdir, SPEC_NAME)
        with open(path, "w") as fh:
            json.dump(inside.as_json(), fh)
        if os.geteuid() == 0:
            for folder, dirs, files in os.walk(spec.workdir):
                for entry in [folder] + [os.path.join(folder, f) for f in dirs + files]:
                    os.lchown(entry, STEP_UID, STEP_UID)
        return path

    def _options(self, spec: StepSpec, handle: DockerHandle) -> dict[str, Any]:
        from docker.types import LogConfig, Ulimit

        memory_mb = max(8, min(int(spec.memory_mb), self.memory_mb or int(spec.memory_mb)))
        threads = max(1, int(math.floor(self.cpus)))
        labels = {LABEL: "1", f"{LABEL}.target": self.name, f"{LABEL}.owner": self.owner,
                  f"{LABEL}.instance": self.instance,
                  f"{LABEL}.run": str(int(spec.run_id)), f"{LABEL}.attempt": str(int(spec.attempt_id))}
        match = re.fullmatch(r"gw-r\d+-s(\d+)-a\d+", handle.name)
        if match:
            labels[f"{LABEL}.step"] = match[1]
        options: dict[str, Any] = dict(
            name=handle.name, labels=labels, detach=True, user=f"{STEP_UID}:{STEP_UID}",
            mounts=self._mounts(spec), working_dir=spec.workdir, read_only=True,
            tmpfs={"/tmp": f"rw,nosuid,nodev,size={self.tmp_mb}m"},
            mem_limit=f"{memory_mb}m", memswap_limit=f"{memory_mb}m", nano_cpus=int(self.cpus * 1e9),
            pids_limit=self.pids, cap_drop=["ALL"], security_opt=["no-new-privileges"],
            environment={"OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads),
                         "MKL_NUM_THREADS": str(threads), "GRAPHWRIGHT_STEP_THREADS": str(threads),
                         "ARROW_DEFAULT_MEMORY_POOL": "system"},
            log_config=LogConfig(type="json-file", config={"max-size": "10m", "max-file": "1"}),
        )
        if not self.network:
            options["network_mode"] = "none"
        if spec.cpu_seconds:
            seconds = int(spec.cpu_seconds)
            options["ulimits"] = [Ulimit(name="cpu", soft=seconds, hard=seconds + 2)]
        return options

    def _image_of(self, client: Any, spec: StepSpec) -> str:
        """The step image, or its environment's image (engine/envimage.py: built on first use)."""
        if not spec.environment:
            return self.image
        from engine.envbuild import BuildFailed
        from engine.envimage import image_for

        try:
            return image_for(client, base=self.image, content_hash=spec.environment)
        except BuildFailed as exc:
            raise _Failed("launch", f"the step's environment cannot be used: {exc}") from None
        finally:
            from django.db import close_old_connections

            close_old_connections()

    def _run(self, handle: DockerHandle) -> None:
        """The launch's own thread: start the container, stream its output, report its end."""
        import docker

        spec = handle.spec
        try:
            try:
                client = self._client()
                if not self._swept:
                    self._sweep()
                spec_path = self._prepare(spec)
                options = self._options(spec, handle)
                image = self._image_of(client, spec)
                if handle.kill_reason:
                    raise _Killed()
                try:
                    container = client.containers.create(image, [spec_path], **options)
                except docker.errors.APIError as exc:
                    if exc.status_code != 409:  # 409: a container of this name is left over
                        raise
                    self._remove(client.containers.get(handle.name))
                    container = client.containers.create(image, [spec_path], **options)
                with handle.lock:
                    handle.container = container
                    killed = bool(handle.kill_reason)
                if killed:
                    self._remove(container)
                    raise _Killed()
                container.start()
                with self._lock:
                    self._launches += 1
                handle.started = time.monotonic()
                timeout = spec.timeout
                if isinstance(timeout, (int, float)) and timeout > 0 and math.isfinite(timeout):
                    handle.deadline = handle.started + timeout
            except _Killed:
                raise
            except docker.errors.ImageNotFound:  # the target's configuration, not the daemon: not retried
                raise _Failed("launch", f"the step image {self.image!r} is not on the Docker host: build it with "
                                        "`make docker-image`") from None
            except (docker.errors.DockerException, RequestException) as exc:
                self._forget_client(exc)
                raise DockerUnavailable(f"the Docker daemon at {self.base_url} could not start the step's "
                                        f"container: {exc}") from None
            except OSError as exc:
                from engine.datastore import ArtifactMissing, is_disk_full

                if isinstance(exc, ArtifactMissing):  # as on `local`: the step cannot read its input
                    raise _Failed("error", f"an input of the step cannot be read from the datastore: {exc!r}") from None
                if is_disk_full(exc):
                    raise _Failed("disk", f"no space left on device for the step's work folder: {exc}") from None
                raise DockerUnavailable(f"cannot prepare the step's work folder: {exc}") from None
            self._stream(handle)
            result = self._outcome(handle)
        except _Killed:
            result = self._killed(handle)
        except _Failed as exc:
            result = StepResult(status="failed", reason=exc.reason, error=exc.error)  # type: ignore[arg-type]
        except DockerUnavailable as exc:
            result = StepResult(status="failed", reason="infrastructure", error=str(exc))
        except Exception as exc:  # noqa: BLE001 - whatever broke, the step's one `done` is reported
            log.exception("docker target: step %s", handle.name)
            result = StepResult(status="failed", reason="lost", error=f"the docker target lost the step: "
                                                                     f"{type(exc).__name__}: {exc}")
        if handle.container is not None:  # gone before its `done` is reported
            self._remove(handle.container, wait=True)
        self._finish(handle, result)

    def _stream(self, handle: DockerHandle) -> None:
        """Report the container's output as `log` events until it ends (or is removed)."""
        try:
            for chunk in handle.container.logs(stream=True, follow=True):
                self._output(handle, chunk)
        except Exception as exc:  # the container was removed (cancel, timeout) or the daemon went away
            log.debug("docker target: output of %s ended: %s", handle.name, exc)
        self._output(handle, b"", final=True)

    def _output(self, handle: DockerHandle, chunk: bytes, final: bool = False) -> None:
        data = handle.partial + chunk
        cut = len(data) if final else data.rfind(b"\n") + 1
        handle.partial = data[cut:]
        if cut:
            handle.tail += data[:cut]
            del handle.tail[:-LOG_KEEP]
            with handle.lock:
                if not handle.done:
                    handle.on_event({"kind": "log", "attempt_id": handle.attempt_id,
                                     "text": data[:cut].decode("utf-8", "replace")})

    def _outcome(self, handle: DockerHandle) -> StepResult:
        """The step's result once its container stopped: its result file, else why it died."""
        import docker

        state: dict[str, Any] = {}
        if not handle.kill_reason:
            try:
                handle.container.wait()
                handle.container.reload()
                state = handle.container.attrs.get("State") or {}
            except docker.errors.NotFound:
                pass  # removed meanwhile: terminate() says why
            except (docker.errors.DockerException, RequestException) as exc:
                if not handle.kill_reason:  # an infrastructure failure, as when it cannot be reached
                    self._forget_client(exc)
                    return self._failed(handle, "infrastructure", f"the Docker daemon at {self.base_url} was lost "
                                                                  f"while the step ran: {exc}")
        if handle.kill_reason:
            return self._killed(handle)
        result_path = os.path.join(handle.spec.workdir, RESULT_NAME)
        try:
            with open(result_path) as fh:
                result = _result_from(json.load(fh))
        except FileNotFoundError:
            pass
        except (OSError, ValueError, TypeError) as exc:
            return self._failed(handle, "lost", f"the step's result could not be read: {exc}")
        else:
            return self._collect_outputs(handle, result)
        code = state.get("ExitCode")
        if state.get("OOMKilled"):
            memory_mb = min(int(handle.spec.memory_mb), self.memory_mb or int(handle.spec.memory_mb))
            return self._failed(handle, "memory", f"step exceeded its memory limit of {memory_mb} MB (its container "
                                                  "was killed by the out-of-memory killer)")
        if isinstance(code, int) and code > 128:
            return self._failed(handle, "signal", f"the step's process was killed by signal {code - 128}")
        return self._failed(handle, "lost", f"the step's container exited with status {code} without a result"
                                            + (f": {state['Error']}" if state.get("Error") else ""))

    def _killed(self, handle: DockerHandle) -> StepResult:
        reason = handle.kill_reason or "lost"
        if reason == "timeout":
            error = f"step exceeded its timeout of {handle.spec.timeout:g} s"
        elif reason == "cancelled":
            error = "step was cancelled"
        elif reason == "lost":
            error = "the docker target was closed while the step ran"
        else:
            error = f"step was terminated ({reason})"
        return self._failed(handle, reason, error)

    def _failed(self, handle: DockerHandle, reason: str, error: str) -> StepResult:
        duration = time.monotonic() - handle.started if handle.started else 0.0
        return StepResult(status="failed", reason=reason, error=error, duration=duration)  # type: ignore[arg-type]

    def _finish(self, handle: DockerHandle, result: StepResult) -> None:
        """The last metrics and progress, then the one `done`, saying where the step ran."""
        self._events(handle)
        if handle.container is not None:
            for name, value in (("container", handle.name), ("host", self._host)):
                if hasattr(result, name) and value:  # StepResult's where-it-ran fields, when it has them
                    setattr(result, name, value)
        with handle.lock:
            if handle.done:
                return
            handle.done = True
            result.log = (bytes(handle.tail) + handle.partial).decode("utf-8", "replace")
            handle.on_event({"kind": "done", "attempt_id": handle.attempt_id, "result": result})
        with self._lock:
            self._live.discard(handle)

    # -- the watch thread --------------------------------------------------------------------
    def _watch(self) -> None:
        while not self._stop.wait(TICK):
            with self._lock:
                live = list(self._live)
            now = time.monotonic()
            for handle in live:
                try:
                    self._events(handle)
                    if handle.deadline is not None and now >= handle.deadline and not handle.kill_reason:
                        self.terminate(handle, "timeout")
                except Exception:  # one step's trouble must not stop the others' reporting
                    log.exception("docker target: watching %s", handle.name)

    def _events(self, handle: DockerHandle) -> None:
        """Report the new complete lines of the step's events file (metric and progress only)."""
        with handle.lock:
            if handle.done or not handle.started:
                return
            try:
                with open(os.path.join(handle.spec.workdir, EVENTS_NAME), "rb") as fh:
                    size = os.fstat(fh.fileno()).st_size
                    if size - handle.events_pos > EVENTS_KEEP:
                        handle.events_pos = size - EVENTS_KEEP
                    fh.seek(handle.events_pos)
                    data = fh.read(size - handle.events_pos)
            except OSError:
                return
            data = data[: data.rfind(b"\n") + 1]
            handle.events_pos += len(data)
            for line in data.splitlines():
                event = _event(line, handle.attempt_id)
                if event is not None:
                    handle.on_event(event)


def _result_from(data: Any) -> StepResult:
    """The StepResult of a result file, keeping only the fields this engine knows (an image built
    from other sources may write more, or fewer)."""
    if not isinstance(data, dict):
        raise ValueError(f"a step result is a JSON object, not {type(data).__name__}")
    known = {f.name for f in fields(StepResult)}
    return StepResult.from_json({key: value for key, value in data.items() if key in known})


def _event(line: bytes, attempt_id: int) -> dict[str, Any] | None:
    """A metric or progress event from a line the step wrote, checked field by field (the step's
    own code can write that file too); None for anything else."""
    try:
        raw = json.loads(line)
        if not isinstance(raw, dict):
            return None
        if raw.get("kind") == "metric":
            value = float(raw["value"])
            step = raw.get("step")
            if not math.isfinite(value) or not (step is None or isinstance(step, int)):
                return None
            return {"kind": "metric", "attempt_id": attempt_id, "name": str(raw["name"])[:200], "value": value, "step": step}
        if raw.get("kind") == "progress":
            fraction = float(raw["fraction"])
            if not math.isfinite(fraction):
                return None
            return {"kind": "progress", "attempt_id": attempt_id, "fraction": min(1.0, max(0.0, fraction)),
                    "message": str(raw.get("message", ""))[:500]}
    except (ValueError, TypeError, KeyError):
        return None
    return None


class _Killed(Exception):
    """terminate() came before the container started."""


class _Failed(Exception):
    """The step cannot run, for a reason that is not the infrastructure's."""

    def __init__(self, reason: str, error: str) -> None:
        super().__init__(error)
        self.reason, self.error = reason, error
