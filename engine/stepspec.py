"""What crosses the boundary between the engine and a step's process: the spec in, the result out.
Both are plain JSON so a child process, a Celery worker or a container can read them."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypedDict

# A step's limits when nothing else is said: the one place they are written. Settings
# (STEP_TIMEOUT, STEP_MEMORY_MB, STEP_CPU_SECONDS_MAX) default to them, and a node may ask for less.
DEFAULT_TIMEOUT = 3600.0  # wall-clock seconds
DEFAULT_MEMORY_MB = 8192
DEFAULT_CPU_SECONDS_MAX = 86400

# signal: killed by a signal not known to mean memory or timeout; disk: no space left on device;
# infrastructure: what the step needs from outside its code failed (Docker daemon, broker,
# datastore I/O). Each reason has a failure class (engine/failures.py), which retries go by.
FailureReason = Literal["", "error", "timeout", "memory", "cancelled", "lost", "launch", "signal", "disk",
                        "infrastructure"]


@dataclass(frozen=True)
class StepSpec:
    attempt_id: int
    run_id: int
    node_id: str
    module: str
    version: str
    params: dict[str, Any]
    inputs: dict[str, dict[str, str]]  # port -> {"digest": ..., "kind": ...}
    datastore: str  # datastore root
    workdir: str  # the step's own folder, created by the target
    timeout: float = DEFAULT_TIMEOUT  # wall-clock seconds; the whole process group is killed past it
    memory_mb: int = DEFAULT_MEMORY_MB  # address-space limit of the step's process
    cpu_seconds: int | None = None
    seed: int = 0
    user_code: bool = False
    code: str = ""  # a custom module: the SHA-256 of its files in the datastore (modules_catalog.custom)
    environment: str = ""  # the content hash of its environment (engine/environments.py): run by that Python
    owner: str = ""  # who held the attempt when the engine created it (Target.attempt_owner, else the engine)

    def as_json(self) -> dict[str, Any]:
        return _shallow(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "StepSpec":
        # a field this version does not know (a newer engine's, during an upgrade) is left out
        known = cls.__dataclass_fields__
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass
class StepResult:
    status: Literal["succeeded", "failed"]
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)  # port -> StoredArtifact json
    metrics: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    traceback: str = ""
    reason: FailureReason = ""
    duration: float = 0.0
    peak_rss_mb: float = 0.0
    base_rss_mb: float = 0.0  # resident size when the step started: peak - base is the step's own
    from_memory_mb: float = 0.0  # inputs a pool worker already held (frame cache): part of the step's data, not of base
    log: str = ""
    # where it ran, as the target says (blank when not applicable): the machine, the worker process
    # (a Celery worker's name), the container (a docker target's)
    host: str = ""
    worker: str = ""
    container: str = ""

    def as_json(self) -> dict[str, Any]:
        return _shallow(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "StepResult":
        return cls(**data)


def _shallow(obj: Any) -> dict[str, Any]:
    """The fields as a dict for json.dumps, without dataclasses.asdict's deep copy of every value
    (a result's output previews made that ~0.7 ms a step)."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


class StepEvent(TypedDict, total=False):
    """Something a running step reports before it ends: `kind` is log, metric, progress or done."""

    kind: Literal["log", "metric", "progress", "done"]
    attempt_id: int
    text: str
    name: str
    value: float
    step: int | None
    fraction: float
    message: str
    result: StepResult
