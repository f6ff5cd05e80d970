"""Data Transformation modules: select columns, clean missing values, normalize, split rows."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..schema import dtype_kind
from ..spec import Column, Param, ParamKind, Port, PortType, Schema, module
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


@module(
    "clean_missing_data", "1", "Clean Missing Data", CATEGORY,
    inputs=[_data_port()],
    outputs=[Port("data", PortType.DATAFRAME, "Cleaned dataset"),
             Port("transform", PortType.TRANSFORM, "Cleaning transformation")],
    params=[
        Param("columns", ParamKind.COLUMNS, "Columns", port="data", required=False,
              help="Columns to clean; none selected means every column."),
        Param("mode", ParamKind.CHOICE, "Cleaning mode", default="mean",
              choices=("mean", "median", "mode", "constant", "remove_row")),
        Param("replacement", ParamKind.TEXT, "Replacement value", required=False,
              help="Used by the constant mode; converted to each column's type."),
    ],
    infer_schema=_same_schema,
)
def clean_missing_data(ctx: Any, *, data: pd.DataFrame, columns: list[str] | None = None, mode: str = "mean",
                       replacement: str | None = None) -> dict[str, Any]:
    """Fill missing values with a column statistic or a constant, or drop the rows that have them."""
    names = column_list(columns) or [str(c) for c in data.columns]
    require_columns(data, names)
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
        if dtype_kind(s.dtype) not in _NUMBER_KINDS:
            raise ValueError(f"column {name!r} is not numeric ({dtype_kind(s.dtype)}); mode {mode!r} needs numbers. "
                             "Select only numeric columns, or use mode 'mode' or 'constant'")
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
        Param("columns", ParamKind.COLUMNS, "Columns", port="data", required=False,
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
def _split_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    schema = inputs.get("data")
    return {"train": schema, "test": schema}


@module(
    "split_data", "1", "Split Data", CATEGORY,
    inputs=[_data_port()],
    outputs=[Port("train", PortType.DATAFRAME, "First dataset"), Port("test", PortType.DATAFRAME, "Second dataset")],
    params=[
        Param("fraction", ParamKind.FLOAT, "Fraction of rows in the first output", default=0.7, min=0, max=1),
        Param("seed", ParamKind.INT, "Random seed", default=0, min=0),
        Param("shuffle", ParamKind.BOOL, "Shuffle rows", default=True),
        Param("stratify_column", ParamKind.COLUMNS, "Stratify by column", port="data", multiple=False,
              required=False, help="Keep this column's class proportions equal in both outputs."),
    ],
    infer_schema=_split_schema,
)
def split_data(ctx: Any, *, data: pd.DataFrame, fraction: float = 0.7, seed: int = 0, shuffle: bool = True,
               stratify_column: str | None = None) -> dict[str, pd.DataFrame]:
    """Split the rows in two with scikit-learn's train_test_split; the same seed gives the same split."""
    from sklearn.model_selection import train_test_split

    if not 0 <= fraction <= 1:
        raise ValueError(f"param 'fraction' must be between 0 and 1; got {fraction}")
    stratify = single_column(stratify_column)
    if stratify is not None:
        require_columns(data, [stratify])
        if not shuffle:
            raise ValueError("param 'stratify_column' needs 'shuffle' on: a stratified split draws rows at random")
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
