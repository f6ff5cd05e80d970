"""What a module function may ask of the engine: logs, metrics, progress, a seed, datasets."""
from __future__ import annotations

from typing import Any, Protocol


class Context(Protocol):
    seed: int
    workdir: str

    def log(self, message: str) -> None: ...

    def metric(self, name: str, value: float, step: int | None = None) -> None: ...

    def progress(self, fraction: float, message: str = "") -> None: ...

    def dataset(self, ref: dict[str, Any]) -> Any:
        """The DataFrame of a registered dataset reference (as resolved by the engine)."""
        ...

    def owns(self, df: Any) -> bool:
        """True when `df` arrived on an `owned` input port and nothing else holds it: the module
        may modify or empty it (to free its memory early). False for anything a caller passed in."""
        ...


class SimpleContext:
    """A context for calling module functions directly (tests, notebooks): records everything."""

    def __init__(self, seed: int = 0, workdir: str = ".", datasets: dict[str, Any] | None = None) -> None:
        self.seed = seed
        self.workdir = workdir
        self.logs: list[str] = []
        self.metrics: list[tuple[str, float, int | None]] = []
        self.progress_marks: list[tuple[float, str]] = []
        self._datasets = datasets or {}

    def log(self, message: str) -> None:
        self.logs.append(message)

    def metric(self, name: str, value: float, step: int | None = None) -> None:
        self.metrics.append((name, float(value), step))

    def progress(self, fraction: float, message: str = "") -> None:
        self.progress_marks.append((fraction, message))

    def dataset(self, ref: dict[str, Any]) -> Any:
        return self._datasets[ref["name"]]

    def owns(self, df: Any) -> bool:
        return False  # the caller passed it in and may still use it
