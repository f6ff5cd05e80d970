"""Parameter values checked against their declaration: type, range, choices, syntax."""
from __future__ import annotations

from typing import Any

from .spec import Param, ParamKind


class ParamError(ValueError):
    pass


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_range(param: Param, value: float) -> None:
    if param.min is not None and value < param.min:
        raise ParamError(f"must be at least {param.min:g}, got {value:g}")
    if param.max is not None and value > param.max:
        raise ParamError(f"must be at most {param.max:g}, got {value:g}")


def coerce(param: Param, value: Any) -> Any:
    """Return the value in its canonical form, or raise ParamError saying what is wrong."""
    kind = param.kind
    if kind is ParamKind.INT:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ParamError(f"must be a whole number, got {value!r}")
        _check_range(param, value)
        return value
    if kind is ParamKind.FLOAT:
        if not _is_number(value):
            raise ParamError(f"must be a number, got {value!r}")
        _check_range(param, float(value))
        return float(value)
    if kind is ParamKind.BOOL:
        if not isinstance(value, bool):
            raise ParamError(f"must be true or false, got {value!r}")
        return value
    if kind in (ParamKind.TEXT, ParamKind.CODE):
        if not isinstance(value, str):
            raise ParamError(f"must be text, got {value!r}")
        if kind is ParamKind.CODE:
            try:
                compile(value, "<script>", "exec")
            except SyntaxError as exc:
                raise ParamError(f"has a syntax error at line {exc.lineno}: {exc.msg}") from None
        return value
    if kind is ParamKind.CHOICE:
        if value not in param.choices:
            raise ParamError(f"must be one of {', '.join(param.choices)}; got {value!r}")
        return value
    if kind is ParamKind.COLUMNS:
        return _columns(param, value)
    if kind is ParamKind.DATASET:
        if isinstance(value, str):
            value = {"name": value, "version": None}
        if not isinstance(value, dict) or not isinstance(value.get("name"), str) or not value["name"]:
            raise ParamError("must name a registered dataset, as {\"name\": ..., \"version\": ...}")
        version = value.get("version")
        if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
            raise ParamError(f"dataset version must be a positive whole number, got {version!r}")
        return dict(value)
    raise ParamError(f"has an unknown kind {kind!r}")  # pragma: no cover - every kind is handled


def _columns(param: Param, value: Any) -> Any:
    if param.multiple:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ParamError(f"must be a list of column names, got {value!r}")
        if len(set(value)) != len(value):
            raise ParamError("names a column twice")
        if param.required and not value:
            raise ParamError("must select at least one column")
        return list(value)
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str) or not value:
        raise ParamError(f"must be exactly one column name, got {value!r}")
    return value


def is_empty(param: Param, value: Any) -> bool:
    return value is None or (param.kind is ParamKind.COLUMNS and value in ([], ""))
