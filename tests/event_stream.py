"""What a WebSocket client of a run checks, frame by frame: every event follows the one before it
(each seq once, in order), until the run's final status."""
from __future__ import annotations

from typing import Any

FINAL = ("succeeded", "failed", "cancelled")


class EventStream:
    """Starts from a snapshot; `take(frame)` checks one `{"type": "events"}` frame."""

    def __init__(self, snapshot: dict[str, Any]) -> None:
        assert snapshot["type"] == "snapshot", snapshot["type"]
        self.start = self.last = snapshot["seq"]
        self.seqs: list[int] = []
        status = snapshot["run"]["status"]
        self.final: str | None = status if status in FINAL else None

    def take(self, frame: dict[str, Any]) -> None:
        assert frame["type"] == "events", frame["type"]
        assert frame["seq"] == frame["events"][-1]["seq"]
        for event in frame["events"]:
            assert event["seq"] == self.last + 1, f"after {self.last} came {event['seq']}"
            self.last = event["seq"]
            self.seqs.append(self.last)
            if event["type"] == "run.status" and event["status"] in FINAL:
                self.final = event["status"]
