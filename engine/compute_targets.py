"""Compute targets as objects: the targets a workspace registers (engine.models.ComputeTarget),
beside the built-in ones of settings.ENGINE["TARGETS"] (`local`), which every workspace has and
none may remove or shadow.

- `validate(kind, settings)`: a target's settings, checked and completed per kind (bounded values,
  structured errors the API returns as a 400);
- `target_names(workspace_id)`: what a node's or a pipeline's `target` may name (the compiler's);
- `TargetDirectory`: what the engine asks at each launch, "which target instance runs step X of a
  run of workspace W?" Rows are read again after TTL_SECONDS, and an instance is keyed by the
  row's settings, so an edit takes effect at the next launch without restarting anything (steps
  already running finish where they are).
"""
from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from django.conf import settings
from django.utils.module_loading import import_string

from .document_schema import NAME_PATTERN, NAME_RULE
from .targets.base import EventSink, Target

KINDS = ("local", "celery", "docker")
NAME_RE = re.compile(NAME_PATTERN[:-1] + r"\Z")
QUEUE_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}\Z")
# a Docker image reference: [registry[:port]/]path[:tag][@digest], no whitespace; bounded
IMAGE_RE = re.compile(r"[a-z0-9][a-z0-9._/:@-]{0,199}\Z", re.IGNORECASE)
DOCKER_HOST_RE = re.compile(r"(unix|tcp|ssh|npipe)://[^\s]{1,290}\Z")
TTL_SECONDS = 2.0
MAX_TARGETS_PER_WORKSPACE = 50

# field -> (type, minimum, maximum, default); None default: required
_BOUNDS: dict[str, dict[str, tuple[type, float, float, Any]]] = {
    "local": {"concurrency": (int, 1, 64, 1)},
    "docker": {"concurrency": (int, 1, 64, 2), "cpus": (float, 0.1, 64, 1.0), "memory_mb": (int, 64, 262144, 2048),
               "pids": (int, 16, 32768, 256)},
    "celery": {},
}


class TargetSettingsError(ValueError):
    """Settings refused: `errors` are {"field", "code", "message"} items, one per refused field."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(e["message"] for e in errors))


def builtin_names() -> tuple[str, ...]:
    return tuple(settings.ENGINE["TARGETS"])


def validate_name(name: Any) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise TargetSettingsError([{"field": "name", "code": "invalid_name",
                                    "message": f"a target's name is {NAME_RULE}, not {repr(name)[:70]}"}])
    if name in builtin_names():
        raise TargetSettingsError([{"field": "name", "code": "reserved_name",
                                    "message": f"{name!r} is a built-in target of this server; choose another name"}])
    return name


def validate(kind: Any, values: Any) -> dict[str, Any]:
    """`values` checked for a target of `kind`, with defaults filled; TargetSettingsError lists
    every refused field (unknown ones too)."""
    if kind not in KINDS:
        raise TargetSettingsError([{"field": "kind", "code": "invalid_kind",
                                    "message": f"a target's kind is one of {', '.join(KINDS)}, not {repr(kind)[:40]}"}])
    if not isinstance(values, dict):
        raise TargetSettingsError([{"field": "settings", "code": "invalid",
                                    "message": "a target's settings are a JSON object"}])
    errors: list[dict[str, str]] = []
    out: dict[str, Any] = {}

    def refuse(field: str, code: str, message: str) -> None:
        errors.append({"field": f"settings.{field}", "code": code, "message": f"{kind} target: {message}"})

    for field, (typ, low, high, default) in _BOUNDS[kind].items():
        value = values.get(field, default)
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if typ is int and number and isinstance(value, float) and value.is_integer():
            value = int(value)
        if not number or (typ is int and not isinstance(value, int)) or not math.isfinite(value):
            refuse(field, "invalid", f"{field} is {'an integer' if typ is int else 'a number'} from {low:g} to "
                                     f"{high:g}, not {repr(value)[:40]}")
        elif not low <= value <= high:
            refuse(field, "out_of_range", f"{field} is from {low:g} to {high:g}, not {value:g}")
        else:
            out[field] = typ(value)
    if kind == "celery":
        queue = values.get("queue")
        if not isinstance(queue, str) or not QUEUE_RE.match(queue):
            refuse("queue", "invalid", f"queue is 1-64 letters, digits, '_', '.' or '-', not {repr(queue)[:70]}")
        else:
            out["queue"] = queue
    if kind == "docker":
        image, environment = values.get("image") or "", values.get("environment") or ""
        if not image and not environment:
            refuse("image", "required", "give an image or an environment")
        if image and (not isinstance(image, str) or not IMAGE_RE.match(image)):
            refuse("image", "invalid", f"image is a Docker image reference (at most 200 characters), not {repr(image)[:70]}")
        elif image:
            out["image"] = image
        if environment and (not isinstance(environment, str) or not NAME_RE.match(environment)):
            refuse("environment", "invalid", f"environment is a name: {NAME_RULE}")
        elif environment:
            out["environment"] = environment
        host = values.get("docker_host") or ""
        if host and (not isinstance(host, str) or not DOCKER_HOST_RE.match(host)):
            refuse("docker_host", "invalid", "docker_host is a Docker host URL: unix://, tcp://, ssh:// or npipe://, "
                                             f"at most 300 characters, not {repr(host)[:70]}")
        else:
            out["docker_host"] = host
        network = values.get("network", False)
        if not isinstance(network, bool):
            refuse("network", "invalid", f"network is true or false, not {repr(network)[:40]}")
        else:
            out["network"] = network
    known = set(_BOUNDS[kind]) | {"celery": {"queue"}, "docker": {"image", "environment", "docker_host", "network"}
                                  }.get(kind, set())
    for field in sorted(set(values) - known, key=str)[:10]:
        refuse(str(field)[:64], "unknown_setting",
               f"{str(field)[:64]!r} is not a setting of this kind (settings: {', '.join(sorted(known))})")
    if errors:
        raise TargetSettingsError(errors)
    return out


def target_names(workspace_id: int | None) -> tuple[str, ...]:
    """The targets a document of this workspace may name: the built-in ones, then its own."""
    from .models import ComputeTarget

    own = [] if workspace_id is None else list(
        ComputeTarget.objects.filter(workspace_id=workspace_id).order_by("name").values_list("name", flat=True))
    return (*builtin_names(), *own)


# -- the engine's side -------------------------------------------------------------------------

class UnavailableTarget(Target):
    """A target whose kind this server cannot run yet: every launch fails with `why` (the step fails
    as `launch`, with that message)."""

    def __init__(self, *, name: str, why: str) -> None:
        self.name = name
        self.why = why
        self.concurrency = 1

    def launch(self, spec, on_event: EventSink):
        raise RuntimeError(self.why)

    def check(self, handle) -> bool:
        return False

    def terminate(self, handle, reason: str = "cancelled") -> None:
        return None

    def launches(self) -> int:
        return 0

    def close(self) -> None:
        return None


@dataclass(frozen=True)
class Resolved:
    key: str  # the executor's queue and instance key
    name: str


def _digest(kind: str, values: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps([kind, values], sort_keys=True).encode()).hexdigest()[:16]


def make_target(name: str, kind: str, values: dict[str, Any]) -> Target:
    """A target instance for a workspace's row: local as the built-in one with its concurrency,
    docker through engine.targets.docker.DockerTarget, celery through engine.targets.celery.CeleryTarget."""
    if kind == "local":
        conf = dict(settings.ENGINE["TARGETS"].get("local", {}))
        cls = import_string(conf.pop("BACKEND", "engine.targets.local.LocalTarget"))
        options = {key.lower(): value for key, value in conf.items()}
        options["concurrency"] = int(values.get("concurrency", 1))
        options["pool_size"] = min(int(options.get("pool_size", 2)), options["concurrency"])
        return cls(name=name, **options)
    if kind == "docker":
        if not values.get("image"):
            return UnavailableTarget(name=name, why=f"docker target {name!r} names an environment; environments are "
                                                    "not available yet: give it an image")
        try:
            from .targets.docker import DockerTarget
        except ImportError as exc:
            return UnavailableTarget(name=name, why=f"docker target {name!r} is not available: {exc}")
        return DockerTarget(name=name, concurrency=values.get("concurrency", 2), image=values["image"],
                            base_url=values.get("docker_host") or None, network=values.get("network", False),
                            memory_mb=values.get("memory_mb"), cpus=values.get("cpus", 1.0), pids=values.get("pids", 256))
    if kind == "celery":
        from .targets.celery import CeleryTarget

        return CeleryTarget(name=name, queue=values["queue"])
    return UnavailableTarget(name=name, why=f"{kind} target {name!r} is not available on this server")


class TargetDirectory:
    """The engine's view of every workspace's targets: a step's target by (workspace, name),
    rows read again after `ttl` seconds, instances made lazily, one per (workspace, name,
    settings). Used from the engine thread only."""

    def __init__(self, builtins: dict[str, Target], *, ttl: float = TTL_SECONDS,
                 factory: Callable[[str, str, dict[str, Any]], Target] = make_target) -> None:
        self.instances: dict[str, Target] = dict(builtins)  # key -> instance; a built-in's key is its name
        self.builtins = set(builtins)
        self.ttl = ttl
        self.factory = factory
        self._rows: dict[int, tuple[float, dict[str, tuple[str, dict[str, Any]]]]] = {}
        self._lock = threading.Lock()
        self.current: dict[tuple[int, str], str] = {}  # (workspace, name) -> the key of its newest settings
        self.retired: set[str] = set()  # instances of settings since edited: closed once idle

    def _workspace_rows(self, workspace_id: int) -> dict[str, tuple[str, dict[str, Any]]]:
        from .models import ComputeTarget

        now = time.monotonic()
        cached = self._rows.get(workspace_id)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        rows = {name: (kind, values) for name, kind, values in
                ComputeTarget.objects.filter(workspace_id=workspace_id).values_list("name", "kind", "settings")}
        self._rows[workspace_id] = (now, rows)
        return rows

    def resolve(self, workspace_id: int | None, name: Any) -> Resolved | None:
        """The instance key of target `name` for a run of `workspace_id` (made now if new), or None
        for a name the server and the workspace do not have."""
        if not isinstance(name, str):
            return None
        if name in self.builtins:
            return Resolved(key=name, name=name)
        if workspace_id is None:
            return None
        row = self._workspace_rows(workspace_id).get(name)
        if row is None:
            return None
        kind, values = row
        key = f"ws{int(workspace_id)}:{name}:{_digest(kind, values)}"
        with self._lock:
            if key not in self.instances:
                self.instances[key] = self.factory(name, kind, values)
            previous = self.current.get((workspace_id, name))
            if previous is not None and previous != key:
                self.retired.add(previous)
            self.current[(workspace_id, name)] = key
            self.retired.discard(key)
        return Resolved(key=key, name=name)

    def close_idle(self, busy: Callable[[str], bool]) -> list[str]:
        """Close the retired instances `busy` says have nothing queued or running; their keys."""
        closed = []
        with self._lock:
            for key in sorted(self.retired):
                if not busy(key):
                    self.retired.discard(key)
                    closed.append(key)
        for key in closed:
            instance = self.instances.pop(key, None)
            if instance is not None:
                instance.close()
        return closed

    def forget(self) -> None:
        """Read every workspace's rows again at the next look-up."""
        self._rows.clear()
