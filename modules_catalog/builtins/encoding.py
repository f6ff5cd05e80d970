"""Convert to Indicator Values (one-hot) and Group Data into Bins: each fits on its input's rows and
also outputs what it fitted as a Transform, so Apply Transformation treats other rows identically."""
from __future__ import annotations

import re
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..checks import describe
from ..schema import dtype_kind
from ..spec import (DISCRETE_DTYPES, NUMERIC_DTYPES, Column, Design, Param, ParamKind, Port, PortType, Schema,
                    Violation, module)
from ..trained import require_columns
from ..transforms_fitted import BinTransform, IndicatorTransform
from .transforms import column_list

CATEGORY = "Data Transformation"
MAX_BINS = 1000
MAX_EDGES_TEXT = 20_000
MAX_NAME_CHARS = 200


# -- Convert to Indicator Values --------------------------------------------------------------------
@module(
    "convert_to_indicator_values", "1", "Convert to Indicator Values", CATEGORY,
    inputs=[Port("data", PortType.DATAFRAME, "Dataset")],
    outputs=[Port("data", PortType.DATAFRAME, "Dataset with indicator values"),
             Port("transform", PortType.TRANSFORM, "Indicator values transformation",
                  help="Encodes other rows with the categories seen here; an unseen category is all zeros.")],
    params=[
        Param("columns", ParamKind.COLUMNS, "Categorical columns to convert", port="data",
              dtypes=DISCRETE_DTYPES,
              hint="indicator values are for categories: bin a continuous column first with Group Data into Bins",
              help="Text, category, whole-number or true/false columns; each becomes one 0/1 column per value."),
        Param("drop_first", ParamKind.BOOL, "Drop the first category", default=False,
              help="Leave out the first category: its rows are all zeros. Avoids a column "
                   "that the others determine, which linear models without regularisation dislike."),
        Param("overwrite", ParamKind.BOOL, "Overwrite categorical columns", default=True,
              help="Replace each converted column by its indicator columns; off keeps it as well."),
        Param("max_categories", ParamKind.INT, "Most categories per column", default=200, min=2, max=10_000,
              help="A column with more distinct values is refused: use Feature Hashing for it instead."),
    ],
)
def convert_to_indicator_values(ctx: Any, *, data: pd.DataFrame, columns: list[str], drop_first: bool = False,
                                overwrite: bool = True, max_categories: int = 200) -> dict[str, Any]:
    """One-hot encode the chosen columns: a column `color` with values red and blue becomes `color_blue`
    and `color_red` (0 or 1, appended at the end), as pandas' get_dummies does. Categories are sorted (a
    category column keeps the order of its categories); a missing value is all zeros.
    The fitted encoding is also an output, to encode test or new rows the same way."""
    names = column_list(columns)
    if not names:
        raise ValueError("Convert to Indicator Values: param 'columns' selects no columns")
    require_columns(data, names)
    categories: dict[str, list[Any]] = {}
    for name in names:
        s = data[name]
        kind = dtype_kind(s.dtype)
        if kind in ("float", "datetime"):
            raise ValueError(f"Convert to Indicator Values: {describe(Column(name, kind))}, and indicator values "
                             "are for categories; bin it first with Group Data into Bins")
        ordered = isinstance(s.dtype, pd.CategoricalDtype)  # a category column keeps its categories' order
        values = s.cat.categories if ordered else s.dropna().unique()
        if len(values) > max_categories:
            raise ValueError(f"Convert to Indicator Values: column {name!r} has {len(values)} distinct values, more "
                             f"than 'max_categories' ({max_categories}); use Feature Hashing for it, or raise "
                             "the limit")
        try:
            categories[name] = list(values) if ordered else sorted(values.tolist())
        except TypeError:  # values of mixed types (numbers and text): sort them by their text
            categories[name] = sorted(list(values), key=str)
    transform = IndicatorTransform(names, categories, drop_first=drop_first, overwrite=overwrite)
    out = transform.apply(data)
    made = sum(len(transform.indicator_names(n)) for n in names)
    ctx.log(f"{len(names)} columns converted into {made} indicator columns"
            + (" (first category of each dropped)" if drop_first else ""))
    return {"data": out, "transform": transform}


# -- Group Data into Bins ---------------------------------------------------------------------------
def _bins_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    schema = inputs.get("data")
    if schema is None:
        return {"data": None}
    names = column_list(params.get("columns"))
    kind = "int" if params.get("output", "index") == "index" else "string"
    if params.get("mode", "inplace") == "inplace":
        return {"data": tuple(Column(c.name, kind) if c.name in names else c for c in schema)}
    suffix = params.get("suffix") or "_bin"
    have = {c.name for c in schema}
    added = tuple(Column(f"{n}{suffix}", kind) for n in names if n in have)
    return {"data": tuple(c for c in schema if c.name not in {a.name for a in added}) + added}


def _bins_check(design: Design) -> list[Violation]:
    params = design.params
    if params.get("binning") == "custom":
        try:
            _custom_edges(params.get("edges"))
        except ValueError as exc:
            return [Violation(str(exc), param="edges", code="bad_param",
                              hint="write the edges in increasing order, separated by commas: 18, 65")]
    return []


@module(
    "group_data_into_bins", "1", "Group Data into Bins", CATEGORY,
    inputs=[Port("data", PortType.DATAFRAME, "Dataset")],
    outputs=[Port("data", PortType.DATAFRAME, "Binned dataset"),
             Port("transform", PortType.TRANSFORM, "Binning transformation",
                  help="The fitted bin edges, to bin other rows the same way.")],
    params=[
        Param("columns", ParamKind.COLUMNS, "Columns to bin", port="data", dtypes=NUMERIC_DTYPES,
              hint="only numbers can be binned; a text column already holds categories"),
        Param("binning", ParamKind.CHOICE, "Binning mode", default="quantiles",
              choices=("quantiles", "equal_width", "custom"),
              help="quantiles: about as many rows in each bin. equal_width: bins of the same width between "
                   "the smallest and largest value. custom: the edges you give."),
        Param("bins", ParamKind.INT, "Number of bins", default=10, min=2, max=MAX_BINS,
              help="For quantiles and equal width. Quantile bins that would be empty (repeated values) are merged."),
        Param("edges", ParamKind.TEXT, "Custom bin edges", required=False,
              help="For custom: the cut points, increasing, separated by commas. 18, 65 makes three bins: "
                   "up to 18, over 18 up to 65, and over 65."),
        Param("output", ParamKind.CHOICE, "Output", default="index", choices=("index", "label"),
              help="index: the bin number from 0. label: the bin's interval, e.g. (18, 65]."),
        Param("mode", ParamKind.CHOICE, "Output mode", default="inplace", choices=("inplace", "append"),
              help="inplace: replace each column by its bins. append: add a column named with the suffix."),
        Param("suffix", ParamKind.TEXT, "Suffix of appended columns", default="_bin", required=False),
    ],
    infer_schema=_bins_schema,
    check=_bins_check,
)
def group_data_into_bins(ctx: Any, *, data: pd.DataFrame, columns: list[str], binning: str = "quantiles",
                         bins: int = 10, edges: str | None = None, output: str = "index", mode: str = "inplace",
                         suffix: str | None = "_bin") -> dict[str, Any]:
    """Put each value of the chosen numeric columns into a bin, (left, right] like pandas' cut and qcut.
    The bin edges are fitted on these rows and output as a Transform for other rows."""
    names = column_list(columns)
    if not names:
        raise ValueError("Group Data into Bins: param 'columns' selects no columns")
    if not 2 <= bins <= MAX_BINS:
        raise ValueError(f"Group Data into Bins: param 'bins' must be between 2 and {MAX_BINS}; got {bins}")
    require_columns(data, names)
    custom = _custom_edges(edges) if binning == "custom" else None
    fitted: dict[str, list[float]] = {}
    for i, name in enumerate(names):
        s = data[name]
        if dtype_kind(s.dtype) not in NUMERIC_DTYPES:
            raise ValueError(f"Group Data into Bins: {describe(Column(name, dtype_kind(s.dtype)))}, and only numbers "
                             "can be binned")
        values = s.to_numpy(dtype=float, na_value=np.nan)
        if custom is not None:
            fitted[name] = [-np.inf, *custom, np.inf]
        else:
            if np.isnan(values).all():
                raise ValueError(f"Group Data into Bins: column {name!r} has no values to fit bins to")
            if binning == "quantiles":
                cuts = np.unique(pd.Series(values).quantile(np.linspace(0, 1, bins + 1)).to_numpy())
            elif binning == "equal_width":
                low, high = np.nanmin(values), np.nanmax(values)
                cuts = np.linspace(low, high, bins + 1) if high > low else np.array([low, high])
            else:
                raise ValueError(f"param 'binning' must be quantiles, equal_width or custom; got {binning!r}")
            fitted[name] = cuts.tolist() if len(cuts) > 1 else [float(cuts[0]), float(cuts[0])]
        ctx.progress((i + 1) / len(names), f"binned {name}")
    if suffix and len(suffix) > MAX_NAME_CHARS:
        raise ValueError(f"Group Data into Bins: param 'suffix' is longer than {MAX_NAME_CHARS} characters")
    transform = BinTransform(names, fitted, output=output, mode=mode, suffix=suffix or "_bin")
    out = transform.apply(data)
    ctx.log(", ".join(f"{n}: {len(fitted[n]) - 1} bins" for n in names[:20]))
    return {"data": out, "transform": transform}


def _custom_edges(text: Any) -> list[float]:
    if not isinstance(text, str) or not text.strip():
        raise ValueError("Group Data into Bins: param 'edges' is needed for custom binning")
    if len(text) > MAX_EDGES_TEXT:
        raise ValueError(f"Group Data into Bins: param 'edges' is longer than {MAX_EDGES_TEXT} characters")
    parts = [p for p in re.split(r"[,;\s]+", text.strip()) if p]
    try:
        edges = [float(p) for p in parts]
    except ValueError:
        bad = next(p for p in parts if not _is_float(p))
        raise ValueError(f"Group Data into Bins: bin edge {bad[:30]!r} is not a number") from None
    if not all(np.isfinite(edges)):
        raise ValueError("Group Data into Bins: bin edges must be finite numbers")
    if not 1 <= len(edges) < MAX_BINS:
        raise ValueError(f"Group Data into Bins: give between 1 and {MAX_BINS - 1} bin edges; got {len(edges)}")
    if any(b <= a for a, b in zip(edges, edges[1:])):
        raise ValueError("Group Data into Bins: bin edges must be strictly increasing")
    return edges


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
