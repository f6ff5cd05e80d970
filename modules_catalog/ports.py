"""Port type compatibility: the one rule the server and the canvas both apply."""
from __future__ import annotations

from typing import TypedDict

from .spec import PortType


def can_connect(source: PortType | str, target: PortType | str) -> bool:
    """True when an output of type `source` may feed an input of type `target`.

    Types must match exactly, except that any output may feed an AnyFile input. An untrained
    learner therefore never reaches a Score Model port, and a model never reaches a DataFrame port.
    """
    source, target = PortType(source), PortType(target)
    return source is target or target is PortType.ANY_FILE


class RulePair(TypedDict):
    source: str
    target: str
    ok: bool


class RuleTable(TypedDict):
    types: list[str]
    pairs: list[RulePair]


def rule_table() -> RuleTable:
    """`can_connect` for every (source, target) pair of port types: the table the canvas's own
    rule is tested against (`manage.py export_port_rules` writes it for the front end)."""
    types = [t.value for t in PortType]
    return {"types": types,
            "pairs": [{"source": s, "target": t, "ok": can_connect(s, t)} for s in types for t in types]}
