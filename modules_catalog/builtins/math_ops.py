"""Apply Math Operation and Clip Values: elementwise arithmetic on numeric columns, with results kept
finite (a value out of an operation's domain, or overflowing, becomes missing and is counted)."""
from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from ..checks import describe
from ..schema import dtype_kind
from ..spec import NUMERIC_DTYPES, Column, Design, Param, ParamKind, Port, PortType, Schema, Violation, module
from ..trained import require_columns
from .transforms import column_list, single_column

CATEGORY = "Data Transformation"
MAX_NAME_CHARS = 200
NUMBERS_HINT = "convert the column to numbers with Edit Metadata, or leave it out"

UNARY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "log": np.log, "log2": np.log2, "log10": np.log10, "log1p": np.log1p, "exp": np.exp, "sqrt": np.sqrt,
    "abs": np.abs,
}
ROUNDING = ("round", "floor", "ceil")
BINARY: dict[str, Callable[[np.ndarray, Any], np.ndarray]] = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide, "power": np.power,
}
OPERATIONS = (*UNARY, *ROUNDING, *BINARY)


def _as_floats(df: pd.DataFrame, name: str, module: str) -> np.ndarray:
    s = df[name]
    kind = dtype_kind(s.dtype)
    if kind not in NUMERIC_DTYPES:
        raise ValueError(f"{module}: {describe(Column(name, kind))}, and {module} needs numbers; {NUMBERS_HINT}")
    return s.to_numpy(dtype=float, na_value=np.nan)


# -- Apply Math Operation ---------------------------------------------------------------------------
def _math_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    schema = inputs.get("data")
    if schema is None:
        return {"data": None}
    names = column_list(params.get("columns"))
    if params.get("mode", "inplace") == "inplace":
        return {"data": tuple(Column(c.name, "float") if c.name in names else c for c in schema)}
    suffix = params.get("suffix") or f"_{params.get('operation', 'log')}"
    have = {c.name for c in schema}
    added = [Column(f"{n}{suffix}", "float") for n in names if n in have]
    replaced = {a.name for a in added}
    return {"data": tuple(c for c in schema if c.name not in replaced) + tuple(added)}


def _math_check(design: Design) -> list[Violation]:
    params = design.params
    if params.get("operation") in BINARY and params.get("operand") == "column" and not params.get("operand_column"):
        return [Violation(f"operation {params['operation']!r} with another column needs 'operand_column'",
                          param="operand_column", code="missing_param", hint="choose the column to combine with")]
    return []


@module(
    "apply_math_operation", "1", "Apply Math Operation", CATEGORY,
    inputs=[Port("data", PortType.DATAFRAME, "Dataset")],
    outputs=[Port("data", PortType.DATAFRAME, "Result dataset")],
    params=[
        Param("columns", ParamKind.COLUMNS, "Columns", port="data", dtypes=NUMERIC_DTYPES, hint=NUMBERS_HINT,
              help="The numeric columns to compute on."),
        Param("operation", ParamKind.CHOICE, "Operation", default="log", choices=OPERATIONS,
              help="log, log2, log10, log1p (log of 1 + x), exp, sqrt, abs; round, floor, ceil to a number of "
                   "digits; add, subtract, multiply, divide, power with a constant or another column."),
        Param("digits", ParamKind.INT, "Digits", default=0, min=0, max=15,
              help="For round, floor and ceil: digits after the decimal point."),
        Param("operand", ParamKind.CHOICE, "Second operand", default="constant", choices=("constant", "column"),
              help="For add, subtract, multiply, divide and power."),
        Param("constant", ParamKind.FLOAT, "Constant", default=1.0, help="The constant second operand."),
        Param("operand_column", ParamKind.COLUMNS, "Operand column", port="data", multiple=False, required=False,
              dtypes=NUMERIC_DTYPES, hint=NUMBERS_HINT, help="The column used as second operand, row by row."),
        Param("mode", ParamKind.CHOICE, "Output mode", default="inplace", choices=("inplace", "append"),
              help="inplace: replace the columns by the results. append: add result columns named with the suffix."),
        Param("suffix", ParamKind.TEXT, "Suffix of appended columns", required=False,
              help="Empty means _ and the operation's name, e.g. price_log."),
    ],
    infer_schema=_math_schema,
    check=_math_check,
)
def apply_math_operation(ctx: Any, *, data: pd.DataFrame, columns: list[str], operation: str = "log",
                         digits: int = 0, operand: str = "constant", constant: float = 1.0,
                         operand_column: str | None = None, mode: str = "inplace",
                         suffix: str | None = None) -> pd.DataFrame:
    """Compute an elementwise function of numeric columns, as numpy does it. A result that is not a finite
    number (the log of 0 or of a negative number, a division by zero, an overflow) becomes a missing value;
    the log says how many there were."""
    module = "Apply Math Operation"
    names = column_list(columns)
    if not names:
        raise ValueError(f"{module}: param 'columns' selects no columns")
    if operation not in OPERATIONS:
        raise ValueError(f"{module}: param 'operation' must be one of {', '.join(OPERATIONS)}; got {operation!r}")
    if not 0 <= digits <= 15:
        raise ValueError(f"{module}: param 'digits' must be between 0 and 15; got {digits}")
    require_columns(data, names)
    second: Any = None
    if operation in BINARY:
        if operand == "column":
            other = single_column(operand_column)
            if other is None:
                raise ValueError(f"{module}: operation {operation!r} with another column needs 'operand_column'")
            require_columns(data, [other], what="operand column")
            second = _as_floats(data, other, module)
        else:
            if not np.isfinite(constant):
                raise ValueError(f"{module}: param 'constant' must be a finite number; got {constant}")
            second = float(constant)
    out = data.copy(deep=False)
    if suffix and len(suffix) > MAX_NAME_CHARS:
        raise ValueError(f"{module}: param 'suffix' is longer than {MAX_NAME_CHARS} characters")
    suffix = suffix or f"_{operation}"
    for name in names:
        values = _as_floats(data, name, module)
        with np.errstate(all="ignore"):
            if operation in UNARY:
                result = UNARY[operation](values)
            elif operation in ROUNDING:
                result = np.round(values, digits) if operation == "round" else \
                    getattr(np, operation)(values * 10.0 ** digits) / 10.0 ** digits
            else:
                result = BINARY[operation](values, second)
        bad = ~np.isfinite(result) & ~np.isnan(values)
        if bad.any():
            result = np.where(bad, np.nan, result)
            ctx.log(f"{operation} of column {name!r}: {int(bad.sum())} results were not finite numbers "
                    "(out of the operation's domain, or too large) and are missing")
        out[name if mode == "inplace" else f"{name}{suffix}"] = result
    ctx.log(f"{operation} applied to {len(names)} columns ({mode})")
    return out


# -- Clip Values ------------------------------------------------------------------------------------
def _clip_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    schema = inputs.get("data")
    if schema is None:
        return {"data": None}
    names = column_list(params.get("columns"))
    clipped = tuple(Column(c.name, "float") if c.name in names else c for c in schema)
    if params.get("indicator"):
        have = {c.name for c in schema}
        clipped += tuple(Column(f"{n}_clipped", "bool") for n in names if n in have)
    return {"data": clipped}


def _clip_check(design: Design) -> list[Violation]:
    params, found = design.params, []
    if params.get("threshold") == "constant":
        which = params.get("clip", "both")
        for side in ("upper", "lower"):
            if which in (side, "both") and params.get(f"{side}_value") is None:
                found.append(Violation(f"clipping {side} values at a constant needs '{side}_value'",
                                       param=f"{side}_value", code="missing_param",
                                       hint=f"enter the {side} threshold, or clip at percentiles"))
        if which == "both" and not found and params["lower_value"] > params["upper_value"]:
            found.append(Violation("the lower threshold is above the upper threshold", param="lower_value",
                                   code="bad_param", hint="swap the two thresholds"))
    elif params.get("clip", "both") == "both" and \
            (params.get("lower_percentile") or 0.0) > (params.get("upper_percentile") or 100.0):
        found.append(Violation("the lower percentile is above the upper percentile", param="lower_percentile",
                               code="bad_param", hint="swap the two percentiles"))
    return found


@module(
    "clip_values", "1", "Clip Values", CATEGORY,
    inputs=[Port("data", PortType.DATAFRAME, "Dataset")],
    outputs=[Port("data", PortType.DATAFRAME, "Clipped dataset")],
    params=[
        Param("columns", ParamKind.COLUMNS, "Columns", port="data", dtypes=("int", "float"), hint=NUMBERS_HINT,
              help="The numeric columns to clip."),
        Param("clip", ParamKind.CHOICE, "Values to clip", default="both", choices=("upper", "lower", "both"),
              help="upper: peaks above the upper threshold. lower: values below the lower one. both: either."),
        Param("threshold", ParamKind.CHOICE, "Threshold type", default="percentile",
              choices=("percentile", "constant"),
              help="percentile: thresholds at percentiles of each column. constant: the values given."),
        Param("upper_percentile", ParamKind.FLOAT, "Upper percentile", default=99.0, min=0, max=100),
        Param("lower_percentile", ParamKind.FLOAT, "Lower percentile", default=1.0, min=0, max=100),
        Param("upper_value", ParamKind.FLOAT, "Upper threshold", required=False),
        Param("lower_value", ParamKind.FLOAT, "Lower threshold", required=False),
        Param("replace_with", ParamKind.CHOICE, "Replace clipped values with", default="threshold",
              choices=("threshold", "mean", "median", "missing"),
              help="The threshold crossed, the column's mean or median (over all its values), or a missing value."),
        Param("indicator", ParamKind.BOOL, "Add indicator columns", default=False,
              help="Add a true/false column <name>_clipped saying which values were clipped."),
    ],
    infer_schema=_clip_schema,
    check=_clip_check,
)
def clip_values(ctx: Any, *, data: pd.DataFrame, columns: list[str], clip: str = "both",
                threshold: str = "percentile", upper_percentile: float = 99.0, lower_percentile: float = 1.0,
                upper_value: float | None = None, lower_value: float | None = None,
                replace_with: str = "threshold", indicator: bool = False) -> pd.DataFrame:
    """Replace values above an upper or below a lower threshold (outliers) by the threshold, the column's
    mean or median, or a missing value. Percentile thresholds are numpy's (linear interpolation)."""
    module = "Clip Values"
    names = column_list(columns)
    if not names:
        raise ValueError(f"{module}: param 'columns' selects no columns")
    require_columns(data, names)
    upper_on, lower_on = clip in ("upper", "both"), clip in ("lower", "both")
    if threshold == "constant":
        for on, side, value in ((upper_on, "upper", upper_value), (lower_on, "lower", lower_value)):
            if on and (value is None or not np.isfinite(value)):
                raise ValueError(f"{module}: clipping {side} values at a constant needs a finite '{side}_value'")
    else:
        for side, pct in (("upper", upper_percentile), ("lower", lower_percentile)):
            if not 0 <= pct <= 100:
                raise ValueError(f"{module}: param '{side}_percentile' must be between 0 and 100; got {pct}")
    out = data.copy(deep=False)
    for name in names:
        values = _as_floats(data, name, module)
        if np.isnan(values).all():
            ctx.log(f"column {name!r} has no values: left as it is")
            continue
        if threshold == "constant":
            high, low = upper_value, lower_value
        else:
            high, low = np.nanpercentile(values, [upper_percentile, lower_percentile])
        above = upper_on & (values > high) if upper_on else np.zeros(len(values), bool)
        below = lower_on & (values < low) if lower_on else np.zeros(len(values), bool)
        result = values.copy()
        if replace_with == "threshold":
            result[above], result[below] = high, low
        else:
            fill = {"mean": np.nanmean, "median": np.nanmedian}.get(replace_with, lambda v: np.nan)(values)
            result[above | below] = fill
        out[name] = result
        if indicator:
            out[f"{name}_clipped"] = above | below
        ctx.log(f"column {name!r}: {int(above.sum())} values above, {int(below.sum())} below the thresholds clipped")
    return out
