"""Data Transformation modules: select, clean missing values, normalize, split rows; and Apply Transformation."""
from __future__ import annotations

import re
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..checks import describe, require_dtypes
from ..schema import dtype_kind
from ..spec import (DISCRETE_DTYPES, NUMERIC_DTYPES, Column, Design, Param, ParamKind, Port, PortType, Schema,
                    Violation, module)
from ..trained import CleanMissingTransform, NormalizeTransform, require_columns

CATEGORY = "Data Transformation"
_NUMBER_KINDS = ("int", "float")


def column_list(value: Any) -> list[str]:
    """A COLUMNS param value as a list: None and "" mean no selection, a bare name means one column."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def single_column(value: Any) -> str | None:
    """A single-column COLUMNS param value (tolerates a one-element list)."""
    names = column_list(value)
    if len(names) > 1:
        raise ValueError(f"expected one column, got {len(names)}: {', '.join(names)}")
    return names[0] if names else None


def _data_port() -> Port:
    return Port("data", PortType.DATAFRAME, "Dataset")


# -- Select Columns ---------------------------------------------------------------------------------
def _select_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    schema = inputs.get("data")
    if schema is None:
        return {"data": None}
    by_name = {c.name: c for c in schema}
    # Unknown names are left out here: the compiler reports them against the `columns` param.
    return {"data": tuple(by_name[n] for n in column_list(params.get("columns")) if n in by_name)}


@module(
    "select_columns", "1", "Select Columns", CATEGORY,
    inputs=[_data_port()],
    outputs=[Port("data", PortType.DATAFRAME, "Dataset")],
    params=[Param("columns", ParamKind.COLUMNS, "Columns", port="data", help="Kept, in this order.")],
    infer_schema=_select_schema,
)
def select_columns(ctx: Any, *, data: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Keep only the chosen columns, in the order given."""
    names = column_list(columns)
    if not names:
        raise ValueError("param 'columns' selects no columns")
    require_columns(data, names)
    return data[names].copy()


# -- Clean Missing Data -----------------------------------------------------------------------------
def _same_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    return {"data": inputs.get("data")}


TEXT_CLEAN_HINT = "use mode 'mode' or 'constant' for text columns"


def _clean_check(design: Design) -> list[Violation]:
    mode, chosen = design.params.get("mode", "mean"), design.params.get("columns")
    if mode not in ("mean", "median") or not chosen or isinstance(chosen, Mapping):
        return []  # no columns chosen: mean and median clean only the numeric ones
    return require_dtypes(design.inputs.get("data"), column_list(chosen), NUMERIC_DTYPES,
                          module="Clean Missing Data", what=f"numbers to take a {mode} of", hint=TEXT_CLEAN_HINT,
                          param="columns", port="data")


@module(
    "clean_missing_data", "1", "Clean Missing Data", CATEGORY,
    inputs=[_data_port()],
    outputs=[Port("data", PortType.DATAFRAME, "Cleaned dataset"),
             Port("transform", PortType.TRANSFORM, "Cleaning transformation")],
    params=[
        Param("columns", ParamKind.COLUMNS, "Columns", port="data", required=False,
              help="Columns to clean; none selected means every column the mode applies to (mean and median: "
                   "the numeric ones)."),
        Param("mode", ParamKind.CHOICE, "Cleaning mode", default="mean",
              choices=("mean", "median", "mode", "constant", "remove_row"),
              help="mean, median: the column's statistic (numbers only). mode: its most frequent value. "
                   "constant: the replacement value. remove_row: drop rows with a missing value."),
        Param("replacement", ParamKind.TEXT, "Replacement value", required=False,
              help="Used by the constant mode; converted to each column's type."),
    ],
    infer_schema=_same_schema,
    check=_clean_check,
)
def clean_missing_data(ctx: Any, *, data: pd.DataFrame, columns: list[str] | None = None, mode: str = "mean",
                       replacement: str | None = None) -> dict[str, Any]:
    """Fill missing values with a column statistic or a constant, or drop the rows that have them."""
    names = column_list(columns)
    if names:
        require_columns(data, names)
    elif mode in ("mean", "median"):
        names = [str(c) for c in data.columns if dtype_kind(data[c].dtype) in NUMERIC_DTYPES]
        skipped = [str(c) for c in data.columns if str(c) not in set(names)]
        if skipped:
            ctx.log(f"{mode} applies to numbers: {len(skipped)} other columns left as they are "
                    f"({', '.join(skipped[:20])}{', …' if len(skipped) > 20 else ''})")
    else:
        names = [str(c) for c in data.columns]
    fills = {} if mode == "remove_row" else {n: _fill_value(data[n], n, mode, replacement) for n in names}
    transform = CleanMissingTransform(names, mode, fills)
    missing = sum(int(np.count_nonzero(data[n].isna().to_numpy())) for n in names)  # data[names] would copy all
    out = transform.apply(data)
    ctx.log(f"{mode}: {missing} missing values in {len(names)} columns"
            + (f", {len(data) - len(out)} rows removed" if mode == "remove_row" else ""))
    ctx.metric("missing_values", missing)
    return {"data": out, "transform": transform}


def _fill_value(s: pd.Series, name: str, mode: str, replacement: str | None) -> Any:
    if mode in ("mean", "median"):
        if dtype_kind(s.dtype) not in NUMERIC_DTYPES:
            raise ValueError(f"Clean Missing Data: {describe(Column(name, dtype_kind(s.dtype)))}, and mode {mode!r} "
                             f"needs numbers; select only numeric columns, or {TEXT_CLEAN_HINT}")
        value = s.mean() if mode == "mean" else s.median()
        if pd.isna(value):
            raise ValueError(f"column {name!r} has no values to compute a {mode} from")
        return float(value)
    if mode == "mode":
        values = s.mode(dropna=True)
        if values.empty:
            raise ValueError(f"column {name!r} has no values to compute a mode from")
        return values.iloc[0]
    if mode == "constant":
        return _convert(replacement, s, name)
    raise ValueError(f"param 'mode' must be one of mean, median, mode, constant, remove_row; got {mode!r}")


def _convert(text: str | None, s: pd.Series, name: str) -> Any:
    """The replacement text as a value of the column's type."""
    if text is None:
        raise ValueError("param 'replacement' is required when mode is 'constant'")
    kind = dtype_kind(s.dtype)
    try:
        if kind == "bool":
            lowered = text.strip().lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return lowered in ("true", "1", "yes")
        if kind == "int":
            number = float(text)
            if not number.is_integer():
                raise ValueError(text)
            return int(number)
        if kind == "float":
            return float(text)
        if kind == "datetime":
            return pd.Timestamp(text)
    except (ValueError, TypeError):
        raise ValueError(f"replacement {text!r} cannot be converted to the type of column {name!r} ({kind})") from None
    return text


# -- Normalize Data ---------------------------------------------------------------------------------
def _normalize_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    schema = inputs.get("data")
    if schema is None:
        return {"data": None}
    chosen = set(column_list(params.get("columns"))) or {c.name for c in schema if c.dtype in _NUMBER_KINDS}
    return {"data": tuple(Column(c.name, "float") if c.name in chosen else c for c in schema)}


@module(
    "normalize_data", "1", "Normalize Data", CATEGORY,
    inputs=[_data_port()],
    outputs=[Port("data", PortType.DATAFRAME, "Normalized dataset"),
             Port("transform", PortType.TRANSFORM, "Normalization transformation")],
    params=[
        Param("columns", ParamKind.COLUMNS, "Columns", port="data", required=False, dtypes=NUMERIC_DTYPES,
              hint="only numbers can be rescaled: encode text with Convert to Indicator Values, or leave it out",
              help="Columns to rescale; none selected means every numeric column."),
        Param("method", ParamKind.CHOICE, "Method", default="zscore", choices=("zscore", "minmax"),
              help="zscore: mean 0, standard deviation 1. minmax: into [0, 1]."),
    ],
    infer_schema=_normalize_schema,
)
def normalize_data(ctx: Any, *, data: pd.DataFrame, columns: list[str] | None = None,
                   method: str = "zscore") -> dict[str, Any]:
    """Rescale numeric columns with scikit-learn's StandardScaler (zscore) or MinMaxScaler (minmax)."""
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    names = column_list(columns)
    if names:
        require_columns(data, names)
        for name in names:
            if dtype_kind(data[name].dtype) not in (*_NUMBER_KINDS, "bool"):
                raise ValueError(f"column {name!r} is not numeric ({dtype_kind(data[name].dtype)}); "
                                 "only numeric columns can be normalized")
    else:
        names = [str(c) for c in data.columns if dtype_kind(data[c].dtype) in _NUMBER_KINDS]
    scalers = {"zscore": StandardScaler, "minmax": MinMaxScaler}
    if method not in scalers:
        raise ValueError(f"param 'method' must be zscore or minmax; got {method!r}")
    scaler = scalers[method]()
    if names and data.empty:
        raise ValueError(f"Normalize Data fits its scaling to the rows it is given, and its input has no rows; "
                         f"check the steps before it (columns: {', '.join(names[:10])})")
    if names:
        scaler.fit(data[names].astype(float).to_numpy())
    transform = NormalizeTransform(names, method, scaler)
    ctx.log(f"{method}: {len(names)} columns rescaled")
    return {"data": transform.apply(data), "transform": transform}


# -- Split Data -------------------------------------------------------------------------------------
SPLIT_MODES = ("rows", "regex", "expression")
MAX_PATTERN_CHARS = 2_000
STRATIFY_HINT = "stratify on a column of classes; bin a continuous column first with Group Data into Bins"


def _split_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    schema = inputs.get("data")
    return {"train": schema, "test": schema}


def _split_check(design: Design) -> list[Violation]:
    from ..expressions import ExpressionError, parse, type_problems

    mode, params = design.params.get("mode", "rows"), design.params
    if mode == "regex":
        found = []
        if not params.get("regex_column"):
            found.append(Violation("splitting by a regular expression needs 'regex_column'", param="regex_column",
                                   code="missing_param", hint="choose the text column to match"))
        try:
            _compile_pattern(params.get("pattern"))
        except ValueError as exc:
            found.append(Violation(str(exc), param="pattern", code="bad_param",
                                   hint="write a Python regular expression, e.g. ^Mr\\. to match titles"))
        return found
    if mode == "expression":
        try:
            tree = parse(params.get("expression") or "")
        except ExpressionError as exc:
            return [Violation(f"relative expression: {exc}", param="expression", code="bad_param",
                              hint='compare a column with a value, e.g. "age" > 40 & "sex" == \'female\'')]
        schema = design.inputs.get("data")
        if schema is None:
            return []
        problems = type_problems(tree, {c.name: c.dtype for c in schema}, NUMERIC_DTYPES)
        return [Violation(f"relative expression: {p}", param="expression", code="column_type",
                          hint="compare numeric columns with numbers and text columns with 'quoted text'")
                for p in problems]
    return []


@module(
    "split_data", "1", "Split Data", CATEGORY,
    inputs=[_data_port()],
    outputs=[Port("train", PortType.DATAFRAME, "First dataset"), Port("test", PortType.DATAFRAME, "Second dataset")],
    params=[
        Param("mode", ParamKind.CHOICE, "Splitting mode", default="rows", choices=SPLIT_MODES,
              help="rows: a share of the rows, at random. regex: the rows whose text column matches a regular "
                   "expression. expression: the rows for which a relative expression holds, e.g. \"age\" > 40."),
        Param("fraction", ParamKind.FLOAT, "Fraction of rows in the first output", default=0.7, min=0, max=1),
        Param("seed", ParamKind.INT, "Random seed", default=0, min=0, max=2**32 - 1),
        Param("shuffle", ParamKind.BOOL, "Shuffle rows", default=True),
        Param("stratify_column", ParamKind.COLUMNS, "Stratify by column", port="data", multiple=False,
              required=False, dtypes=DISCRETE_DTYPES, hint=STRATIFY_HINT,
              help="Keep this column's class proportions equal in both outputs."),
        Param("regex_column", ParamKind.COLUMNS, "Text column to match", port="data", multiple=False,
              required=False, dtypes=("string", "category"),
              hint="a regular expression matches text: use a relative expression for numbers",
              help="For regex: the rows whose value matches go to the first output."),
        Param("pattern", ParamKind.TEXT, "Regular expression", required=False,
              help="For regex: Python's syntax; matched anywhere in the value (use ^ and $ to anchor)."),
        Param("expression", ParamKind.TEXT, "Relative expression", required=False,
              help="For expression: comparisons of a column with a value, joined by & (and) or | (or), e.g. "
                   "\"age\" > 40 & \"sex\" == 'female'. A missing value satisfies no comparison."),
    ],
    infer_schema=_split_schema,
    check=_split_check,
)
def split_data(ctx: Any, *, data: pd.DataFrame, mode: str = "rows", fraction: float = 0.7, seed: int = 0,
               shuffle: bool = True, stratify_column: str | None = None, regex_column: str | None = None,
               pattern: str | None = None, expression: str | None = None) -> dict[str, pd.DataFrame]:
    """Split the rows in two: at random with scikit-learn's train_test_split (the same seed gives the same
    split), or by a regular expression on a text column, or by a relative expression. The first output has
    the chosen share, or the matching rows; rows keep their order except in a shuffled split."""
    if mode == "regex":
        column = single_column(regex_column)
        if column is None:
            raise ValueError("Split Data: splitting by a regular expression needs 'regex_column'")
        require_columns(data, [column])
        compiled = _compile_pattern(pattern)
        s = data[column]
        try:
            matched = s.astype(str).str.contains(compiled, regex=True).to_numpy(dtype=bool) & s.notna().to_numpy()
        except re.error as exc:  # pragma: no cover - compiled above
            raise ValueError(f"Split Data: regular expression: {exc}") from None
        return _split_mask(ctx, data, matched, f"{column} matches {pattern!r}")
    if mode == "expression":
        from ..expressions import ExpressionError, columns, evaluate, parse, type_problems

        try:
            tree = parse(expression or "")
        except ExpressionError as exc:
            raise ValueError(f"Split Data: relative expression: {exc}") from None
        require_columns(data, [c.column for c in columns(tree)])
        problems = type_problems(tree, {str(c): dtype_kind(data[c].dtype) for c in data.columns}, NUMERIC_DTYPES)
        if problems:
            raise ValueError(f"Split Data: relative expression: {problems[0]}")
        return _split_mask(ctx, data, evaluate(tree, data), expression or "")
    if mode != "rows":
        raise ValueError(f"Split Data: param 'mode' must be one of {', '.join(SPLIT_MODES)}; got {mode!r}")
    return _split_rows(ctx, data, fraction, seed, shuffle, stratify_column)


def _compile_pattern(pattern: Any) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise ValueError("Split Data: splitting by a regular expression needs 'pattern'")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(f"Split Data: the regular expression is longer than {MAX_PATTERN_CHARS} characters")
    try:
        return re.compile(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        raise ValueError(f"Split Data: the regular expression {pattern[:60]!r} is not valid: {exc}") from None


def _split_mask(ctx: Any, data: pd.DataFrame, mask: np.ndarray, what: str) -> dict[str, pd.DataFrame]:
    ctx.log(f"{int(mask.sum())} of {len(data)} rows where {what[:200]}")
    return {"train": _renumbered(data[mask]), "test": _renumbered(data[~mask])}


def _split_rows(ctx: Any, data: pd.DataFrame, fraction: float, seed: int, shuffle: bool,
                stratify_column: str | None) -> dict[str, pd.DataFrame]:
    from sklearn.model_selection import train_test_split

    if not 0 <= fraction <= 1:
        raise ValueError(f"param 'fraction' must be between 0 and 1; got {fraction}")
    stratify = single_column(stratify_column)
    if stratify is not None:
        require_columns(data, [stratify])
        if not shuffle:
            raise ValueError("param 'stratify_column' needs 'shuffle' on: a stratified split draws rows at random")
        kind = dtype_kind(data[stratify].dtype)
        if kind not in DISCRETE_DTYPES:
            raise ValueError(f"Split Data: cannot stratify by column {stratify!r}: {describe(Column(stratify, kind))}"
                             f"; {STRATIFY_HINT}")
    n_train = round(fraction * len(data))
    if n_train in (0, len(data)):
        train, test = (data, data.iloc[0:0]) if n_train else (data.iloc[0:0], data)
    else:
        try:
            train, test = train_test_split(data, train_size=n_train, test_size=len(data) - n_train,
                                           random_state=seed, shuffle=shuffle,
                                           stratify=data[stratify] if stratify is not None else None)
        except ValueError as exc:
            if stratify is None:
                raise
            raise ValueError(f"cannot stratify by column {stratify!r}: {exc}") from exc
    ctx.log(f"split {len(data)} rows: {len(train)} first, {len(test)} second")
    return {"train": _renumbered(train), "test": _renumbered(test)}


def _renumbered(df: pd.DataFrame) -> pd.DataFrame:
    """Rows numbered 0..n-1 again, without reset_index's copy of every column."""
    out = df.copy(deep=False)  # a new frame object sharing the columns: `data` keeps its index
    out.index = pd.RangeIndex(len(out))
    return out


# -- Apply Transformation ---------------------------------------------------------------------------
# modules whose fitted transform does to other rows what the module did to its own: the columns it gives
# the test rows are the ones its own inference gives for them
_REPLAYED = ("clean_missing_data", "normalize_data", "group_data_into_bins")


def _apply_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any],
                  upstream: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    fitted, schema = upstream.get("transform"), inputs.get("data")
    if fitted is None or schema is None or fitted.spec.key not in _REPLAYED or fitted.spec.infer_schema is None:
        return {"data": None}
    return {"data": fitted.spec.infer_schema({"data": schema}, fitted.params).get("data")}


def _apply_check(design: Design) -> list[Violation]:
    """The columns the upstream module fits its transform on (when chosen by name) are in the dataset."""
    upstream, schema = design.upstream.get("transform"), design.inputs.get("data")
    if upstream is None or schema is None:
        return []
    have = {c.name for c in schema}
    chosen = upstream.params.get("columns")
    if not chosen or isinstance(chosen, Mapping):
        return []
    return [Violation(f"column {name!r}, which {upstream.spec.label} fitted its transformation on, is not in the "
                      "dataset", port="data", column=name, code="unknown_column",
                      hint="give Apply Transformation rows with the columns of the rows the transform was fitted on")
            for name in column_list(chosen) if name not in have]


@module(
    "apply_transformation", "1", "Apply Transformation", "Model Scoring & Evaluation",
    inputs=[Port("transform", PortType.TRANSFORM, "Transformation",
                 help="A fitted transformation: from Clean Missing Data, Normalize Data, Convert to Indicator Values, "
                      "Group Data into Bins or Select Columns Transform."),
            Port("data", PortType.DATAFRAME, "Dataset")],
    outputs=[Port("data", PortType.DATAFRAME, "Transformed dataset")],
    infer_schema=_apply_schema,
    check=_apply_check,
)
def apply_transformation(ctx: Any, *, transform: Any, data: pd.DataFrame) -> pd.DataFrame:
    """Apply a transformation fitted on other rows (typically the training rows) to this dataset: the same
    fill values, scaling, categories or bins, so nothing about the test rows leaks into the fit."""
    apply = getattr(transform, "apply", None)
    if not callable(apply):
        raise TypeError(f"Apply Transformation: the transformation input is not a fitted transformation "
                        f"(got {type(transform).__name__})")
    name = type(transform).__name__
    try:
        out = apply(data)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"Apply Transformation ({name}): {exc}") from None
    ctx.log(f"{name}: {len(data)} rows, {len(data.columns)} columns in; {len(out)} rows, {len(out.columns)} out")
    return out
