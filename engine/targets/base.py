"""A compute target is three calls: launch a step, check it is alive, terminate it."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable

from engine.stepspec import StepEvent, StepSpec

EventSink = Callable[[StepEvent], None]


class InfrastructureError(Exception):
    """What a step needs from outside its own code is not there: a Docker daemon or a broker that
    cannot be reached, a datastore that fails. Its step fails with reason `infrastructure`, which
    the default retry policy retries (engine/failures.py)."""


class Target(ABC):
    """Runs step specs. Events (logs, metrics, progress, and exactly one `done` per launch) are
    delivered to `on_event` from a thread the target owns; the caller must not block in it."""

    name: str = "base"
    concurrency: int = 1

    @abstractmethod
    def launch(self, spec: StepSpec, on_event: EventSink) -> Any:
        """Start the step; return a handle. Never raises for a step's own failure: it reports a
        `done` event with a failed result instead."""

    def attempt_owner(self) -> str | None:
        """The owner a new attempt of this target is created with, in the engine's transaction
        (a fencing token the step's remote runner must hold: engine/targets/celery.py); None: the
        engine holds it and renews its lease."""
        return None

    @abstractmethod
    def check(self, handle: Any) -> bool:
        """True while the step's process is alive."""

    @abstractmethod
    def terminate(self, handle: Any, reason: str = "cancelled") -> None:
        """Kill the step's whole process group; its `done` event reports `reason`."""

    def launches(self) -> int:
        """How many processes this target has started for steps (for tests and benchmarks)."""
        return 0

    def close(self) -> None:
        """Stop every process the target holds."""
