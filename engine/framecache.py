"""DataFrames a pool worker wrote or read lately, by content digest.

The next built-in step that lands on the same worker takes its input from here instead of reading
the Parquet back (and the local target sends a step to the worker that holds its inputs). The
Parquet file is still written and hashed as before: the cache only saves the read.

Sharing one frame object between steps is safe because built-in modules never modify their inputs
(tests/modules_catalog/test_inputs_untouched.py checks every one of them), and only pool workers,
which run nothing but built-ins, have a cache. User code runs in a fresh child that has none."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

MB = 1024 * 1024


def frame_bytes(df: Any) -> int:
    """In-memory size of `df`'s columns and index (object columns by their pointers only:
    measuring every Python string would cost more than the cache saves). From the dtypes, which
    is ~20x cheaper than `memory_usage()` for numpy columns; other columns ask their array."""
    try:
        rows, size = len(df), int(df.index.nbytes)
        for position, dtype in enumerate(df.dtypes):
            size += rows * dtype.itemsize if isinstance(dtype, np.dtype) else int(df.iloc[:, position].array.nbytes)
        return size
    except (AttributeError, TypeError, ValueError):
        return 0


class FrameCache:
    """Least-recently-used frames within a byte budget; a frame larger than the budget is not kept."""

    def __init__(self, budget_mb: float = 0) -> None:
        self.budget = int(max(0.0, budget_mb) * MB)
        self._frames: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._frames)

    def __contains__(self, digest: str) -> bool:
        return digest in self._frames

    def resize(self, budget_mb: float) -> None:
        self.budget = int(max(0.0, budget_mb) * MB)
        self._evict(0)

    def get(self, digest: str) -> Any | None:
        held = self._frames.get(digest)
        if held is None:
            return None
        self._frames.move_to_end(digest)
        return held[0]

    def take(self, digest: str) -> Any | None:
        """Remove and return the frame: the caller becomes its only holder."""
        held = self._frames.pop(digest, None)
        if held is None:
            return None
        self.bytes -= held[1]
        return held[0]

    def put(self, digest: str, df: Any) -> None:
        size = frame_bytes(df)
        old = self._frames.pop(digest, None)
        if old is not None:
            self.bytes -= old[1]
        if not size or size > self.budget:
            return
        self._evict(size)
        self._frames[digest] = (df, size)
        self.bytes += size

    def digests(self) -> list[str]:
        return list(self._frames)

    def clear(self) -> None:
        self._frames.clear()
        self.bytes = 0

    def _evict(self, room: int) -> None:
        while self._frames and self.bytes + room > self.budget:
            _, (_, size) = self._frames.popitem(last=False)
            self.bytes -= size
