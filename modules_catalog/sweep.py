"""Azure's "parameter range": the RANGE param kind's values, checked and expanded into the lists of
values a sweep (Tune Model Hyperparameters) tries.

A range value is either a list of values, `{"values": [1, 10, 100]}`, or, for numbers, evenly
spaced values `{"min": 0.01, "max": 1, "count": 5, "scale": "log"}` ("linear" by default). Every
value is checked against the param's `item` kind and its `min`, `max` and `choices`; a range holds
at most MAX_RANGE_VALUES values. Whole-number ranges are rounded and may hold fewer values than
`count` where rounding makes two equal (1..3 with count 10 is 1, 2, 3).
"""
from __future__ import annotations

import math
from typing import Any

from .spec import Param, ParamKind

MAX_RANGE_VALUES = 100  # values of one range (and evenly spaced values asked for)
SCALES = ("linear", "log")
_SPACED_KEYS = {"min", "max", "count", "scale"}


def _error(message: str) -> Exception:
    from .params import ParamError

    return ParamError(message)


def _item(param: Param) -> Param:
    """The declaration of one value of a range param."""
    return Param(param.name, param.item or ParamKind.FLOAT, param.label, min=param.min, max=param.max,
                 choices=param.choices)


def coerce_range(param: Param, value: Any) -> dict[str, Any]:
    """The range in its canonical form, `{"values": [...]}` or `{"min", "max", "count", "scale"}`,
    or a ParamError saying what is wrong. A bare list is taken as `{"values": list}`."""
    from .params import ParamError, coerce

    item = _item(param)
    if isinstance(value, list):
        value = {"values": value}
    if not isinstance(value, dict):
        raise _error('must be a range: {"values": [...]} or {"min": .., "max": .., "count": .., "scale": ..}')
    if "values" in value:
        if set(value) != {"values"}:
            raise _error(f"lists values, so it takes no other keys (got {', '.join(sorted(map(str, value)))})")
        values = value["values"]
        if not isinstance(values, list) or not values:
            raise _error("must list at least one value")
        if len(values) > MAX_RANGE_VALUES:
            raise _error(f"lists {len(values)} values; a range holds at most {MAX_RANGE_VALUES}")
        out: list[Any] = []
        for i, v in enumerate(values):
            try:
                v = coerce(item, v)
            except ParamError as exc:
                raise _error(f"value {i + 1} {exc}") from None
            if v in out:
                raise _error(f"lists {v!r} twice")
            out.append(v)
        return {"values": out}
    if item.kind not in (ParamKind.INT, ParamKind.FLOAT):
        raise _error('must list its values: {"values": [...]}')
    unknown = set(map(str, value)) - _SPACED_KEYS
    if unknown:
        raise _error(f"has unknown keys {', '.join(sorted(unknown))}; a range takes values, or min, max, count "
                     "and scale")
    missing = [k for k in ("min", "max", "count") if k not in value]
    if missing:
        raise _error(f"needs {', '.join(missing)} (or a list of values)")
    bounds = []
    for key in ("min", "max"):
        try:
            bounds.append(coerce(item, value[key]))
        except ParamError as exc:
            raise _error(f"{key} {exc}") from None
    low, high = bounds
    if low > high:
        raise _error(f"min must not exceed max, got min {low:g} and max {high:g}")
    count = value["count"]
    if isinstance(count, float) and count.is_integer():
        count = int(count)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_RANGE_VALUES:
        raise _error(f"count must be a whole number from 1 to {MAX_RANGE_VALUES}, got {count!r}"[:200])
    scale = value.get("scale", "linear")
    if scale not in SCALES:
        raise _error(f"scale must be linear or log, got {scale!r}"[:200])
    if scale == "log" and low <= 0:
        raise _error(f"a log scale needs min above 0, got {low:g}")
    if count == 1 and low != high:
        raise _error("count 1 takes min equal to max (or list the one value)")
    return {"min": low, "max": high, "count": count, "scale": scale}


def range_values(param: Param, value: Any) -> list[Any]:
    """The values a range stands for, in order (checked first: `coerce_range`)."""
    import numpy as np

    value = coerce_range(param, value)
    if "values" in value:
        return list(value["values"])
    low, high, count = value["min"], value["max"], value["count"]
    if count == 1:
        points = [float(low)]
    elif value["scale"] == "log":
        points = np.geomspace(low, high, count).tolist()
    else:
        points = np.linspace(low, high, count).tolist()
    if param.item is ParamKind.INT:
        out: list[Any] = []
        for p in points:
            n = math.floor(p + 0.5)  # halves up, as the designer's preview (JavaScript's Math.round)
            if n not in out:
                out.append(n)
        return out
    # the ends exactly as given; the inner points without float noise (0.30000000000000004)
    points[0], points[-1] = float(low), float(high)
    return [min(max(float(f"{p:.12g}"), float(low)), float(high)) if math.isfinite(p) else p for p in points]
