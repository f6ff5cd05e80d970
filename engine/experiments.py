"""Experiment names: the group a run is filed under (listed and filtered), checked in one place."""
from __future__ import annotations

import re

DEFAULT_EXPERIMENT = "Default"
EXPERIMENT_MAX = 64
# letters, digits, spaces, '_', '.', '-'; not starting with a space, '.' or '-'; at most 64
EXPERIMENT_PATTERN = r"^[A-Za-z0-9_](?:[A-Za-z0-9_. -]{0,62}[A-Za-z0-9_.-])?$"
EXPERIMENT_RULE = ("an experiment name is 1-64 characters: letters (A-Z, a-z), digits, spaces, '_', '.' or '-', "
                   "starting with a letter, a digit or '_'")
_NAME = re.compile(EXPERIMENT_PATTERN)


def experiment_name(value: object) -> str:
    """The experiment a run is filed under: `value` without surrounding spaces, or DEFAULT_EXPERIMENT
    when it is missing or blank. A ValueError saying the rule when it does not follow it."""
    if value is None:
        return DEFAULT_EXPERIMENT
    if not isinstance(value, str):
        raise ValueError(f"{EXPERIMENT_RULE}; got {type(value).__name__}")
    name = value.strip()
    if not name:
        return DEFAULT_EXPERIMENT
    if not _NAME.fullmatch(name):
        shown = name if len(name) <= 70 else name[:69] + "…"
        raise ValueError(f"{EXPERIMENT_RULE}, not {shown!r}")
    return name
