"""Statistical Functions: Summarize Data (per-column statistics) and Compute Linear Correlation
(the Pearson matrix of the numeric columns)."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..checks import TYPE_WORDS
from ..schema import dtype_kind
from ..spec import Column, Port, PortType, Schema, module

CATEGORY = "Statistical Functions"
_NUMBERS = ("int", "float")
SUMMARY_COLUMNS = (("feature", "string"), ("type", "string"), ("count", "int"), ("unique", "int"),
                   ("missing", "int"), ("mean", "float"), ("std", "float"), ("min", "float"), ("25%", "float"),
                   ("50%", "float"), ("75%", "float"), ("max", "float"), ("mode", "string"))


@module(
    "summarize_data", "1", "Summarize Data", CATEGORY,
    inputs=[Port("data", PortType.DATAFRAME, "Dataset")],
    outputs=[Port("data", PortType.DATAFRAME, "Summary", help="One row per column of the input.")],
    infer_schema=lambda inputs, params: {"data": tuple(Column(n, t) for n, t in SUMMARY_COLUMNS)},
)
def summarize_data(ctx: Any, *, data: pd.DataFrame) -> pd.DataFrame:
    """One row per input column: its type, how many values it has (count), how many distinct ones
    (unique) and how many are missing; for numbers the mean, sample standard deviation, minimum,
    quartiles and maximum (as pandas' describe computes them); for every column its most frequent
    value (mode, the smallest of ties, as text)."""
    rows = []
    for i, name in enumerate(data.columns):
        s = data[name]
        kind = dtype_kind(s.dtype)
        present = s.dropna()
        row: dict[str, Any] = {"feature": str(name), "type": kind, "count": int(present.size),
                               "unique": int(present.nunique()), "missing": int(s.size - present.size)}
        if kind in _NUMBERS and present.size:
            values = present.to_numpy(dtype=np.float64)
            q1, q2, q3 = np.quantile(values, [0.25, 0.5, 0.75])
            row.update(mean=float(values.mean()), std=float(values.std(ddof=1)) if values.size > 1 else np.nan,
                       min=float(values.min()), max=float(values.max()), **{"25%": float(q1), "50%": float(q2),
                                                                            "75%": float(q3)})
        row["mode"] = _mode(present)
        rows.append(row)
        if (i + 1) % 100 == 0:
            ctx.progress((i + 1) / len(data.columns), f"summarized {i + 1} of {len(data.columns)} columns")
    out = pd.DataFrame(rows, columns=[n for n, _ in SUMMARY_COLUMNS])
    for name, kind in SUMMARY_COLUMNS:
        out[name] = out[name].astype({"int": "int64", "float": "float64", "string": "object"}[kind])
    ctx.log(f"summarized {len(data.columns)} columns of {len(data)} rows")
    ctx.progress(1.0, "summarized")
    return out


def _mode(present: pd.Series) -> str | None:
    if present.empty:
        return None
    try:
        value = present.mode(dropna=True).iloc[0]
    except TypeError:  # values that cannot be ordered (mixed types): the first most frequent
        value = present.value_counts().index[0]
    return str(value.item() if hasattr(value, "item") else value)


def _correlation_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    schema = inputs.get("data")
    if schema is None:
        return {"data": None}
    names = [c.name for c in schema if c.dtype in _NUMBERS + ("bool",)]
    return {"data": (Column(_row_label(names), "string"), *(Column(n, "float") for n in names))}


def _row_label(names: list[str]) -> str:
    """The name of the column that names each row: `feature`, or `feature (2)`, … if that is taken."""
    label, k = "feature", 2
    while label in names:
        label, k = f"feature ({k})", k + 1
    return label


@module(
    "compute_linear_correlation", "1", "Compute Linear Correlation", CATEGORY,
    inputs=[Port("data", PortType.DATAFRAME, "Dataset")],
    outputs=[Port("data", PortType.DATAFRAME, "Correlation matrix")],
    infer_schema=_correlation_schema,
)
def compute_linear_correlation(ctx: Any, *, data: pd.DataFrame) -> pd.DataFrame:
    """Pearson's correlation of every pair of numeric (and true/false) columns, each pair on the rows
    where both have a value; a column of one value correlates with nothing (empty). Other columns
    are left out, and the log names them. The first column names the row's column."""
    numeric = [c for c in data.columns if dtype_kind(data[c].dtype) in _NUMBERS + ("bool",)]
    skipped = [c for c in data.columns if c not in numeric]
    if skipped:
        shown = ", ".join(f"{c!r} ({TYPE_WORDS.get(dtype_kind(data[c].dtype))})" for c in skipped[:20])
        ctx.log(f"left out {len(skipped)} columns that are not numbers: {shown}" + (", …" if len(skipped) > 20 else ""))
    if not numeric:
        raise ValueError("Compute Linear Correlation: the input has no numeric columns; convert text columns with "
                         "Convert to Indicator Values or Edit Metadata")
    matrix = data[numeric].astype(np.float64).corr(method="pearson")
    out = matrix.reset_index(drop=True)
    out.columns = [str(c) for c in numeric]
    out.insert(0, _row_label(out.columns.tolist()), [str(c) for c in numeric])
    ctx.log(f"correlated {len(numeric)} columns over {len(data)} rows")
    return out
