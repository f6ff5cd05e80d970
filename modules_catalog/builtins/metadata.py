"""Edit Metadata (column types, categorical flags, roles, names) and Select Columns Transform.
Roles live in the frame (`df.attrs`, see modules_catalog/columns.py) and travel with its Parquet."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from ..checks import TYPE_WORDS
from ..columns import ROLES_ATTR, ColumnSelectionError, frame_roles, is_rule_set, resolve_columns
from ..schema import dtype_kind
from ..spec import DTYPES, Column, Design, Param, ParamKind, Port, PortType, Schema, Violation, module
from ..trained import Transform, describe_columns

CATEGORY = "Data Transformation"
EDIT = "Edit Metadata"
UNCHANGED = "unchanged"
TYPE_CHOICES = (UNCHANGED, *DTYPES)
CATEGORICAL_CHOICES = (UNCHANGED, "categorical", "not_categorical")
ROLE_CHOICES = (UNCHANGED, "label", "feature", "score", "weight", "none")
_TRUE = ("true", "1", "yes", "y", "t")
_FALSE = ("false", "0", "no", "n", "f")
MAX_NEW_NAMES_CHARS = 100_000


def parse_names(text: str | None) -> list[str]:
    """The new names typed as "a, b, c" (spaces around each name are dropped)."""
    if not text or not text.strip():
        return []
    return [n.strip() for n in text.split(",")]


def _selected(params: Mapping[str, Any], schema: Schema | None) -> list[str] | None:
    value = params.get("columns")
    if not is_rule_set(value):
        return [value] if isinstance(value, str) else list(value or [])
    if schema is None:
        return None
    try:
        return resolve_columns(value, schema)
    except ColumnSelectionError:
        return None


def _name_problem(names: list[str], new: list[str], others: Iterable[str]) -> str | None:
    """Why `new` cannot rename `names` (None when it can); `others` are the columns not renamed."""
    if len(new) != len(names):
        return (f"{len(new)} new names for {len(names)} selected columns ({describe_columns(names)}): "
                "give one new name per selected column, in the same order")
    if any(not n for n in new):
        return "a new name is empty (two commas in a row, or a comma at the end)"
    twice = sorted({n for n in new if new.count(n) > 1})
    if twice:
        return f"the new name {twice[0]!r} is given twice"
    clash = sorted(set(new) & set(others))
    if clash:
        return f"the new name {clash[0]!r} is already the name of another column"
    return None


# -- design time ------------------------------------------------------------------------------------
def _edit_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    schema = inputs.get("data")
    names = _selected(params, schema)
    if schema is None or names is None:
        return {"data": None}
    chosen = set(names)
    data_type = params.get("data_type") or UNCHANGED
    categorical = params.get("categorical") or UNCHANGED
    role = params.get("role") or UNCHANGED
    new = parse_names(params.get("new_names"))
    if new and _name_problem(names, new, [c.name for c in schema if c.name not in chosen]):
        return {"data": None}
    renamed = dict(zip(names, new))
    out = []
    for c in schema:
        if c.name not in chosen:
            out.append(Column(c.name, c.dtype, "" if role == "label" and c.role == "label" else c.role))
            continue
        dtype = c.dtype if data_type == UNCHANGED else data_type
        if categorical == "categorical":
            dtype = "category"
        elif categorical == "not_categorical" and dtype == "category":
            return {"data": None}  # the categories' own type is not in the schema
        new_role = c.role if role == UNCHANGED else "" if role == "none" else role
        out.append(Column(renamed.get(c.name, c.name), dtype, new_role))
    return {"data": tuple(out)}


def _edit_check(design: Design) -> list[Violation]:
    schema = design.inputs.get("data")
    names = _selected(design.params, schema)
    if names is None:
        return []
    found = []
    if design.params.get("role") == "label" and len(names) > 1:
        found.append(Violation(f"{EDIT} gives the label role to {len(names)} columns ({describe_columns(names)}); "
                               "a dataset has one label column", param="role", code="bad_param",
                               hint="select only the label column, or choose another role"))
    new = parse_names(design.params.get("new_names"))
    if new and schema is not None:
        problem = _name_problem(names, new, [c.name for c in schema if c.name not in set(names)])
        if problem:
            found.append(Violation(f"{EDIT}: {problem}", param="new_names", code="bad_param"))
    data_type = design.params.get("data_type")
    if data_type in ("datetime", "int", "float") and schema is not None:
        by_name = {c.name: c for c in schema}
        for n in names:
            c = by_name.get(n)
            if c is None:
                continue
            if data_type == "datetime" and c.dtype not in ("string", "category", "datetime"):
                found.append(Violation(f"column {n!r} holds {TYPE_WORDS.get(c.dtype, c.dtype)}: {EDIT} makes dates "
                                       "from text only", param="data_type", column=n,
                                       hint="convert the column to string first, or leave its type unchanged"))
            elif data_type in ("int", "float") and c.dtype == "datetime":
                found.append(Violation(f"column {n!r} holds dates, which {EDIT} does not convert to numbers",
                                       param="data_type", column=n,
                                       hint="leave its type unchanged, or derive numbers from it in a script"))
    return found


# -- run time ---------------------------------------------------------------------------------------
def _failing(s: pd.Series, converted: pd.Series) -> Any:
    """The first value present in `s` that became missing in `converted`, or None."""
    lost = s.notna().to_numpy() & converted.isna().to_numpy()
    return s[lost].iloc[0] if lost.any() else None


def _fail(name: str, kind: str, value: Any, why: str) -> ValueError:
    return ValueError(f"{EDIT}: column {name!r} holds {TYPE_WORDS.get(kind, kind)}, which cannot be converted to "
                      f"{why}: the value {str(value)[:60]!r} is not one")


def convert(s: pd.Series, name: str, to: str) -> pd.Series:
    """`s` as column type `to` (DTYPES); a ValueError naming the column and a failing value."""
    kind = dtype_kind(s.dtype)
    if kind == to:
        return s
    if isinstance(s.dtype, pd.CategoricalDtype) and to != "category":
        s = s.astype(s.cat.categories.dtype)
    if to in ("int", "float"):
        if kind == "datetime":
            raise ValueError(f"{EDIT}: column {name!r} holds dates, which do not convert to numbers")
        source = s.map(lambda v: v.strip() if isinstance(v, str) else v) if kind == "string" else s
        numbers = pd.to_numeric(source, errors="coerce") if kind != "bool" else s.astype(float)
        bad = _failing(s, numbers)
        if bad is not None:
            raise _fail(name, kind, bad, "numbers")
        numbers = pd.Series(numbers.to_numpy(dtype=float, na_value=np.nan), index=s.index, name=s.name)
        if to == "float":
            return numbers
        values = numbers.to_numpy()
        fractional = ~np.isnan(values) & (values != np.round(values))
        if fractional.any():
            raise _fail(name, kind, s[fractional].iloc[0], "whole numbers")
        if np.isfinite(values).all():
            return pd.Series(values.astype(np.int64), index=s.index, name=s.name)
        return numbers.astype("Int64")  # missing values stay missing
    if to == "bool":
        if kind in ("int", "float"):
            ok = s.isna() | s.isin([0, 1])
            if not ok.all():
                raise _fail(name, kind, s[~ok].iloc[0], "true/false (only 0 and 1 are)")
            out = s.map(lambda v: None if pd.isna(v) else bool(v))
        else:
            lowered = s.map(lambda v: None if pd.isna(v) else str(v).strip().lower())
            ok = lowered.isna() | lowered.isin(_TRUE + _FALSE)
            if not ok.all():
                raise _fail(name, kind, s[~ok].iloc[0], "true/false (true, false, yes, no, 1, 0)")
            out = lowered.map(lambda v: None if v is None else v in _TRUE)
        return out.astype(bool) if out.notna().all() else out.astype("boolean")
    if to == "string":
        return s.astype("string")
    if to == "datetime":
        if kind not in ("string", "category"):
            raise ValueError(f"{EDIT}: column {name!r} holds {TYPE_WORDS.get(kind, kind)}; dates are made from text only "
                             "(convert the column to string first)")
        dates = pd.to_datetime(s, errors="coerce", format="mixed")
        bad = _failing(s, dates)
        if bad is not None:
            raise _fail(name, kind, bad, "dates")
        return dates
    if to == "category":
        return s.astype("category")
    raise ValueError(f"{EDIT}: unknown column type {to!r}; choose one of {', '.join(DTYPES)}")


@module(
    "edit_metadata", "1", "Edit Metadata", CATEGORY,
    inputs=[Port("data", PortType.DATAFRAME, "Dataset")],
    outputs=[Port("data", PortType.DATAFRAME, "Dataset")],
    params=[
        Param("columns", ParamKind.COLUMNS, "Columns", port="data",
              help="The columns to change (names, or include/exclude rules by type or role)."),
        Param("data_type", ParamKind.CHOICE, "Data type", default=UNCHANGED, choices=TYPE_CHOICES,
              help="Convert the values: int, float, bool (true/false, yes/no, 1/0), string, datetime (from "
                   "text) or category. A value that does not convert fails the step, naming it."),
        Param("categorical", ParamKind.CHOICE, "Categorical", default=UNCHANGED, choices=CATEGORICAL_CHOICES,
              help="Make the columns categorical, or turn categories back into plain values."),
        Param("role", ParamKind.CHOICE, "Role", default=UNCHANGED, choices=ROLE_CHOICES,
              help="What the columns are for: label (one column), feature, score or weight; none clears it. "
                   "Giving one column the label role takes it from any other."),
        Param("new_names", ParamKind.TEXT, "New column names", required=False,
              help="Comma-separated, one per selected column in the same order; empty keeps the names."),
    ],
    infer_schema=_edit_schema,
    check=_edit_check,
)
def edit_metadata(ctx: Any, *, data: pd.DataFrame, columns: list[str], data_type: str = UNCHANGED,
                  categorical: str = UNCHANGED, role: str = UNCHANGED, new_names: str | None = None) -> pd.DataFrame:
    """Change the type, categorical flag, role or name of the selected columns; other columns are kept as they are."""
    names = [columns] if isinstance(columns, str) else list(columns or [])
    if not names:
        raise ValueError(f"{EDIT}: param 'columns' selects no columns")
    missing = [n for n in names if n not in data.columns]
    if missing:
        raise ValueError(f"{EDIT}: column {missing[0]!r} is not in the input; it has: {describe_columns(data.columns)}")
    for value, name, choices in ((data_type, "data_type", TYPE_CHOICES), (categorical, "categorical", CATEGORICAL_CHOICES),
                                 (role, "role", ROLE_CHOICES)):
        if value not in choices:
            raise ValueError(f"{EDIT}: param {name!r} must be one of {', '.join(choices)}; got {value!r}")
    if role == "label" and len(names) > 1:
        raise ValueError(f"{EDIT}: the label role goes to one column, and {len(names)} are selected "
                         f"({describe_columns(names)})")
    new = parse_names(new_names)
    if new_names and len(new_names) > MAX_NEW_NAMES_CHARS:
        raise ValueError(f"{EDIT}: param 'new_names' is longer than {MAX_NEW_NAMES_CHARS} characters")
    if new:
        problem = _name_problem(names, new, [str(c) for c in data.columns if c not in set(names)])
        if problem:
            raise ValueError(f"{EDIT}: {problem}")
    out = data.copy(deep=False)  # changed columns are replaced, never written into: the input stays as it was
    for name in names:
        s = out[name]
        if data_type != UNCHANGED:
            s = convert(s, name, data_type)
        if categorical == "categorical" and not isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype("category")
        elif categorical == "not_categorical" and isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(s.cat.categories.dtype)
        if s is not out[name]:
            out[name] = s
    roles = frame_roles(data)
    if role != UNCHANGED:
        if role == "label":
            roles = {k: v for k, v in roles.items() if v != "label"}
        for name in names:
            if role == "none":
                roles.pop(name, None)
            else:
                roles[name] = role
    if new:
        renamed = dict(zip(names, new))
        out = out.rename(columns=renamed)
        roles = {renamed.get(k, k): v for k, v in roles.items()}
    out.attrs = {**{k: v for k, v in data.attrs.items() if k != ROLES_ATTR}, **({ROLES_ATTR: roles} if roles else {})}
    ctx.log(f"{EDIT}: {len(names)} columns" + (f", type {data_type}" if data_type != UNCHANGED else "")
            + (f", {categorical}" if categorical != UNCHANGED else "") + (f", role {role}" if role != UNCHANGED else "")
            + (", renamed" if new else ""))
    return out


# -- Select Columns Transform -----------------------------------------------------------------------
class SelectColumnsTransform(Transform):
    """Keep the columns a dataset had when the transform was made, in its order."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = list(columns)

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in self.columns if c not in df.columns]
        if missing:
            raise ValueError(f"Select Columns Transform: column {missing[0]!r} is not in the input; "
                             f"it has: {describe_columns(df.columns)}")
        out = df[self.columns].copy()
        roles = {k: v for k, v in frame_roles(df).items() if k in set(self.columns)}
        out.attrs = {**{k: v for k, v in df.attrs.items() if k != ROLES_ATTR}, **({ROLES_ATTR: roles} if roles else {})}
        return out

    def __repr__(self) -> str:
        return f"SelectColumnsTransform(columns={self.columns!r})"


@module(
    "select_columns_transform", "1", "Select Columns Transform", CATEGORY,
    inputs=[Port("data", PortType.DATAFRAME, "Dataset with the desired columns")],
    outputs=[Port("transform", PortType.TRANSFORM, "Column selection transformation")],
)
def select_columns_transform(ctx: Any, *, data: pd.DataFrame) -> SelectColumnsTransform:
    """A transform that keeps the columns of its input dataset, in the same order: apply it to other rows
    (Apply Transformation) to give them exactly the columns the model was trained on."""
    transform = SelectColumnsTransform([str(c) for c in data.columns])
    ctx.log(f"remembers {len(transform.columns)} columns: {describe_columns(transform.columns)}")
    return transform
