"""Port type compatibility: the one rule the server and the canvas both apply."""
from __future__ import annotations

from .spec import PortType


def can_connect(source: PortType | str, target: PortType | str) -> bool:
    """True when an output of type `source` may feed an input of type `target`.

    Types must match exactly, except that any output may feed an AnyFile input. An untrained
    learner therefore never reaches a Score Model port, and a model never reaches a DataFrame port.
    """
    source, target = PortType(source), PortType(target)
    return source is target or target is PortType.ANY_FILE
