"""Parameter values checked against their declaration: type, range, choices, syntax."""
from __future__ import annotations

import math
from typing import Any

from .columns import MAX_NAME_CHARS, MAX_RULE_NAMES, check_rule_set
from .spec import Param, ParamKind

MAX_FLOAT = 1.7976931348623157e308  # a number must fit a double: no NaN, no infinity, no overflow
MAX_INT = 2**63 - 1  # a whole number must fit 64 bits
MAX_DATASET_VERSION = 2**31 - 1


class ParamError(ValueError):
    pass


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) if isinstance(value, float) else -MAX_FLOAT <= value <= MAX_FLOAT


def _show(value: Any) -> str:
    text = f"{value:g}" if isinstance(value, float) else repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _check_range(param: Param, value: float) -> None:
    if param.min is not None and value < param.min:
        raise ParamError(f"must be at least {_show(param.min)}, got {_show(value)}")
    if param.max is not None and value > param.max:
        raise ParamError(f"must be at most {_show(param.max)}, got {_show(value)}")


def coerce(param: Param, value: Any) -> Any:
    """Return the value in its canonical form, or raise ParamError saying what is wrong."""
    kind = param.kind
    if kind is ParamKind.INT:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ParamError(f"must be a whole number, got {_show(value)}")
        if abs(value) > MAX_INT:
            raise ParamError(f"must be a whole number of at most 64 bits, got {_show(value)}")
        _check_range(param, value)
        return value
    if kind is ParamKind.FLOAT:
        if not _is_number(value):
            raise ParamError(f"must be a finite number, got {_show(value)}")
        _check_range(param, float(value))
        return float(value)
    if kind is ParamKind.BOOL:
        if not isinstance(value, bool):
            raise ParamError(f"must be true or false, got {_show(value)}")
        return value
    if kind in (ParamKind.TEXT, ParamKind.CODE):
        if not isinstance(value, str):
            raise ParamError(f"must be text, got {_show(value)}")
        if kind is ParamKind.CODE:
            try:
                compile(value, "<script>", "exec")
            except SyntaxError as exc:
                raise ParamError(f"has a syntax error at line {exc.lineno}: {exc.msg}") from None
            except (RecursionError, MemoryError, ValueError):  # nesting the compiler cannot follow
                raise ParamError("nests expressions too deeply for Python to compile") from None
        return value
    if kind is ParamKind.CHOICE:
        if value not in param.choices:
            raise ParamError(f"must be one of {', '.join(param.choices)}; got {_show(value)}")
        return value
    if kind is ParamKind.COLUMNS:
        return _columns(param, value)
    if kind is ParamKind.DATASET:
        if isinstance(value, str):
            value = {"name": value, "version": None}
        if not isinstance(value, dict) or not isinstance(value.get("name"), str) or not value["name"]:
            raise ParamError("must name a registered dataset, as {\"name\": ..., \"version\": ...}")
        version = value.get("version")
        if version is not None and (not isinstance(version, int) or isinstance(version, bool)
                                    or not 1 <= version <= MAX_DATASET_VERSION):
            raise ParamError(f"dataset version must be a positive whole number, got {_show(version)}")
        return dict(value)
    if kind is ParamKind.RANGE:
        from .sweep import coerce_range  # Azure's parameter range: sweep.py checks it

        return coerce_range(param, value)
    raise ParamError(f"has an unknown kind {kind!r}")  # pragma: no cover - every kind is handled


def _columns(param: Param, value: Any) -> Any:
    """A list of names (one name when not `multiple`), or for `multiple` a rule set (columns.py)."""
    if isinstance(value, dict):
        if not param.multiple:
            raise ParamError("takes exactly one column name, not a rule set")
        try:
            return check_rule_set(value)
        except ValueError as exc:
            raise ParamError(str(exc)) from None
    if param.multiple:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ParamError(f"must be a list of column names, got {_show(value)}")
        if len(value) > MAX_RULE_NAMES or any(len(v) > MAX_NAME_CHARS for v in value):
            raise ParamError(f"selects at most {MAX_RULE_NAMES} columns, each named in at most {MAX_NAME_CHARS} "
                             "characters")
        if len(set(value)) != len(value):
            raise ParamError("names a column twice")
        if param.required and not value:
            raise ParamError("must select at least one column")
        return list(value)
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str) or not value:
        raise ParamError(f"must be exactly one column name, got {_show(value)}")
    return value


def is_empty(param: Param, value: Any) -> bool:
    return value is None or (param.kind is ParamKind.COLUMNS and value in ([], ""))
