"""Why a step failed, as a class (user code, timeout, out of memory, lost, launch, infrastructure),
and the node's retry policy: which classes run the step again, how many times, after what wait.
Pure Python: the document schema, the compiler, the engine and a Celery worker share it."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

# the classes, in the order the docs list them
FAILURE_CLASSES = ("user_code", "timeout", "memory", "lost", "launch", "infrastructure")
MAX_ATTEMPTS_CAP = 10  # what a node may ask for at most: a bounded count, never a loop
BACKOFF_CAP = 3600.0  # seconds: a node's `backoff_seconds` at most, and any one wait
DEFAULT_RETRY = {"max_attempts": 3, "on": ["infrastructure", "lost"], "backoff_seconds": 1.0}

# a step's `reason` (engine/stepspec.FailureReason, and the engine's own) -> its class
_BY_REASON = {
    "error": "user_code",
    "timeout": "timeout",
    "memory": "memory",
    "lost": "lost",
    "launch": "launch",
    "infrastructure": "infrastructure",
    "disk": "infrastructure",  # no space left on the machine's disk or the datastore
    "corrupt": "infrastructure",  # the datastore returned bytes that do not hash to their address
    "engine": "infrastructure",  # the engine could not go on with the run
}
# signals a process gets from its own fault (a crash of its code); any other one was sent to it
# from outside (a kill, a shutdown), which loses the step rather than failing its code
_OWN_FAULT = {"SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE", "SIGABRT", "SIGSYS", "SIGTRAP"}
_SIGNAL = re.compile(r"killed by (SIG[A-Z0-9]+|signal (\d+))")


def failure_class(reason: str, error: str = "") -> str:
    """The class of a failure from its reason (and, for `signal`, the signal its error names);
    "" for what is not a failure (succeeded, cancelled, skipped). An unknown reason is user code's."""
    if reason in ("", "cancelled", "upstream"):
        return ""
    if reason == "signal":
        found = _SIGNAL.search(error or "")
        name = found.group(1) if found else ""
        if found and found.group(2):
            import signal

            try:
                name = signal.Signals(int(found.group(2))).name
            except ValueError:
                name = ""
        return "user_code" if name in _OWN_FAULT else "lost"
    return _BY_REASON.get(reason, "user_code")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = DEFAULT_RETRY["max_attempts"]
    on: tuple[str, ...] = tuple(DEFAULT_RETRY["on"])
    backoff_seconds: float = DEFAULT_RETRY["backoff_seconds"]

    @classmethod
    def from_json(cls, value: Any) -> "RetryPolicy":
        """The policy a node's `retry` says (the schema checked it); absent or null: the default.
        A stored plan may hold anything: what is out of bounds is brought within them."""
        if not isinstance(value, dict):
            return cls()
        attempts = value.get("max_attempts", DEFAULT_RETRY["max_attempts"])
        whole = (isinstance(attempts, (int, float)) and not isinstance(attempts, bool) and math.isfinite(attempts)
                 and float(attempts).is_integer())  # JSON may say 3.0
        attempts = int(attempts) if whole else 1
        on = value.get("on", DEFAULT_RETRY["on"])
        on = tuple(c for c in FAILURE_CLASSES if isinstance(on, (list, tuple)) and c in on)
        backoff = value.get("backoff_seconds", DEFAULT_RETRY["backoff_seconds"])
        number = isinstance(backoff, (int, float)) and not isinstance(backoff, bool) and math.isfinite(backoff)
        return cls(max_attempts=min(max(1, attempts), MAX_ATTEMPTS_CAP), on=on,
                   backoff_seconds=min(max(0.0, float(backoff)), BACKOFF_CAP) if number else 0.0)

    def as_json(self) -> dict[str, Any]:
        return {"max_attempts": self.max_attempts, "on": list(self.on), "backoff_seconds": self.backoff_seconds}

    def wait(self, failed_class: str, attempts: int) -> float | None:
        """Seconds to wait before the next attempt after `attempts` attempts, the last one failing
        as `failed_class`; None: no retry (the class is not retried, or no attempt is left). The
        wait doubles with each retry: backoff, 2 x backoff, 4 x backoff…, at most BACKOFF_CAP."""
        if failed_class not in self.on or attempts >= self.max_attempts:
            return None
        return min(self.backoff_seconds * 2 ** max(0, attempts - 1), BACKOFF_CAP)


RETRY_SCHEMA: dict[str, Any] = {
    "description": "when the step runs again after a failure; absent or null: infrastructure and lost "
                   f"failures, {DEFAULT_RETRY['max_attempts']} attempts in all, {DEFAULT_RETRY['backoff_seconds']:g} s "
                   "backoff doubling each retry",
    "type": ["object", "null"],
    "additionalProperties": False,
    "properties": {
        "max_attempts": {"type": "integer", "minimum": 1, "maximum": MAX_ATTEMPTS_CAP,
                         "description": "attempts in all, the first included (1: never retried)"},
        "on": {"type": "array", "uniqueItems": True, "maxItems": len(FAILURE_CLASSES),
               "items": {"enum": list(FAILURE_CLASSES)}, "description": "the failure classes that are retried"},
        "backoff_seconds": {"type": "number", "minimum": 0, "maximum": BACKOFF_CAP,
                            "description": "the wait before the first retry; doubled for each next one"},
    },
}
