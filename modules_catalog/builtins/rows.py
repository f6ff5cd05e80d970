"""Combining and picking rows: Add Columns, Add Rows, Join Data, Remove Duplicate Rows, Partition and
Sample, SMOTE."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..checks import ENCODE_HINT, describe
from ..columns import ROLES_ATTR, frame_roles
from ..schema import dtype_kind
from ..spec import (DISCRETE_DTYPES, NUMERIC_DTYPES, Column, Design, Param, ParamKind, Port, PortType, Schema,
                    Violation, module)
from ..trained import describe_columns, require_columns
from ..transforms_fitted import unique_name
from .transforms import column_list, single_column

CATEGORY = "Data Transformation"
MAX_NAME_CHARS = 200
MAX_JOIN_ROWS = 50_000_000  # a many-to-many join past this is refused before it fills the memory
STRATIFY_HINT = "stratify on a column of classes; bin a continuous column first with Group Data into Bins"


def _frame(name: str, label: str) -> Port:
    return Port(name, PortType.DATAFRAME, label)


def _renumbered(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy(deep=False)
    out.index = pd.RangeIndex(len(out))
    return out


def _with_roles(out: pd.DataFrame, *roles: Mapping[str, str]) -> pd.DataFrame:
    """`out` carrying the Edit Metadata roles of its sources (the first source's role wins)."""
    merged: dict[str, str] = {}
    for found in roles:
        merged.update({k: v for k, v in found.items() if k not in merged and k in out.columns})
    out.attrs = {**out.attrs, ROLES_ATTR: merged} if merged else {k: v for k, v in out.attrs.items()
                                                                   if k != ROLES_ATTR}
    return out


def _right_roles(right: pd.DataFrame, names: list[str], kept: list[Any] | None = None) -> dict[str, str]:
    roles = frame_roles(right)
    return {new: roles[str(old)] for old, new in zip(kept if kept is not None else right.columns, names)
            if str(old) in roles}


def _unresolved(value: Any) -> bool:
    """A column param still given as selection rules (not yet resolved against a schema)."""
    return isinstance(value, Mapping)


# -- Add Columns ------------------------------------------------------------------------------------
def _renamed(left: list[str], right: list[str]) -> list[str]:
    taken, names = set(left), []
    for name in right:
        new = unique_name(name, taken)
        taken.add(new)
        names.append(new)
    return names


def _add_columns_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]):
    left, right = inputs.get("left"), inputs.get("right")
    if left is None or right is None:
        return {"data": None}
    names = _renamed([c.name for c in left], [c.name for c in right])
    return {"data": tuple(left) + tuple(Column(n, c.dtype, c.role) for n, c in zip(names, right))}


@module(
    "add_columns", "1", "Add Columns", CATEGORY,
    inputs=[_frame("left", "Left dataset"), _frame("right", "Right dataset")],
    outputs=[_frame("data", "Combined dataset")],
    infer_schema=_add_columns_schema,
)
def add_columns(ctx: Any, *, left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """Put two tables with the same number of rows side by side, row by row in their order. A column of the
    right table whose name the left already has is renamed `name (2)`."""
    if len(left) != len(right):
        raise ValueError(f"Add Columns: the left dataset has {len(left)} rows and the right {len(right)}; "
                         "it pairs rows in order, so both need the same number (use Join Data to match rows by keys)")
    names = _renamed([str(c) for c in left.columns], [str(c) for c in right.columns])
    renamed = [(old, new) for old, new in zip(right.columns, names) if str(old) != new]
    if renamed:
        ctx.log("renamed: " + ", ".join(f"{old!r} → {new!r}" for old, new in renamed[:20]))
    roles = _right_roles(right, names)
    right = _renumbered(right)
    right.columns = names
    return _with_roles(pd.concat([_renumbered(left), right], axis=1), frame_roles(left), roles)


# -- Add Rows ---------------------------------------------------------------------------------------
_WIDER = {frozenset({"int", "float"}): "float", frozenset({"int", "bool"}): "int",
          frozenset({"float", "bool"}): "float", frozenset({"string", "category"}): "string"}


def _union_kind(a: str, b: str) -> str | None:
    return a if a == b else _WIDER.get(frozenset({a, b}))


def _rows_mismatch(first: list[str], second: list[str]) -> str | None:
    only1 = [c for c in first if c not in set(second)]
    only2 = [c for c in second if c not in set(first)]
    if not only1 and not only2:
        return None
    parts = ([f"only in the first: {describe_columns(only1)}"] if only1 else []) + \
        ([f"only in the second: {describe_columns(only2)}"] if only2 else [])
    return "Add Rows matches columns by name, and the two datasets differ: " + "; ".join(parts)


def _add_rows_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]):
    first, second = inputs.get("first"), inputs.get("second")
    if first is None or second is None:
        return {"data": None}
    other = {c.name: c for c in second}
    if _rows_mismatch([c.name for c in first], list(other)):
        return {"data": None}
    return {"data": tuple(Column(c.name, _union_kind(c.dtype, other[c.name].dtype) or c.dtype, c.role) for c in first)}


def _add_rows_check(design: Design) -> list[Violation]:
    first, second = design.inputs.get("first"), design.inputs.get("second")
    if first is None or second is None:
        return []
    problem = _rows_mismatch([c.name for c in first], [c.name for c in second])
    if problem:
        return [Violation(problem, port="second", code="column_mismatch",
                          hint="rename or leave out columns (Edit Metadata, Select Columns) so both have the same")]
    other = {c.name: c for c in second}
    return [Violation(f"{describe(c)} in the first dataset and {other[c.name].dtype} in the second", port="second",
                      column=c.name, hint="convert one of them with Edit Metadata")
            for c in first if _union_kind(c.dtype, other[c.name].dtype) is None]


@module(
    "add_rows", "1", "Add Rows", CATEGORY,
    inputs=[_frame("first", "First dataset"), _frame("second", "Second dataset")],
    outputs=[_frame("data", "Combined dataset")],
    infer_schema=_add_rows_schema,
    check=_add_rows_check,
)
def add_rows(ctx: Any, *, first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """The rows of the first dataset followed by those of the second (a union of all rows). Columns are
    matched by name and keep the first dataset's order; whole numbers meeting decimals become decimals."""
    names = [str(c) for c in first.columns]
    problem = _rows_mismatch(names, [str(c) for c in second.columns])
    if problem:
        raise ValueError(problem)
    columns: dict[str, Any] = {}
    for name in names:
        a, b = first[name], second[name]
        ka, kb = dtype_kind(a.dtype), dtype_kind(b.dtype)
        kind = _union_kind(ka, kb)
        if kind is None:
            raise ValueError(f"Add Rows: column {name!r} holds {ka} in the first dataset and {kb} in the second; "
                             "convert one of them with Edit Metadata")
        if kind == "category" and isinstance(a.dtype, pd.CategoricalDtype):
            columns[name] = pd.Series(pd.api.types.union_categoricals([a, b], ignore_order=True))
        elif kind in ("int", "float") and ka != kb:
            dtype = np.float64 if kind == "float" else np.int64
            columns[name] = pd.concat([a.astype(dtype), b.astype(dtype)], ignore_index=True)
        elif kind == "string" and ka != kb:
            columns[name] = pd.concat([a.astype(object), b.astype(object)], ignore_index=True)
        else:
            columns[name] = pd.concat([a, b], ignore_index=True)
    ctx.log(f"{len(first)} + {len(second)} rows")
    return _with_roles(pd.DataFrame(columns), frame_roles(first), frame_roles(second))


# -- Join Data --------------------------------------------------------------------------------------
JOINS = ("inner", "left_outer", "full_outer", "left_semi")


def _join_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]):
    left, right = inputs.get("left"), inputs.get("right")
    if left is None or (right is None and params.get("join") != "left_semi"):
        return {"data": None}
    if params.get("join") == "left_semi":
        return {"data": left}
    if _unresolved(params.get("right_keys")):
        return {"data": None}
    drop = set() if params.get("keep_right_keys") else set(column_list(params.get("right_keys")))
    kept = [c for c in right if c.name not in drop]
    names = _renamed([c.name for c in left], [c.name for c in kept])
    return {"data": tuple(left) + tuple(Column(n, c.dtype, c.role) for n, c in zip(names, kept))}


def _key_family(dtype: str) -> str:
    return "number" if dtype in NUMERIC_DTYPES else "text" if dtype in ("string", "category") else dtype


def _join_check(design: Design) -> list[Violation]:
    p = design.params
    lk, rk = p.get("left_keys"), p.get("right_keys")
    if _unresolved(lk) or _unresolved(rk):
        return []
    lk, rk = column_list(lk), column_list(rk)
    if len(lk) != len(rk):
        return [Violation(f"{len(lk)} left keys and {len(rk)} right keys: Join Data pairs them in order",
                          param="right_keys", code="bad_param", hint="choose as many key columns on each side")]
    left, right = design.inputs.get("left"), design.inputs.get("right")
    if left is None or right is None:
        return []
    lc, rc = {c.name: c for c in left}, {c.name: c for c in right}
    return [Violation(f"key {describe(lc[a])} on the left and {describe(rc[b])} on the right: they never match",
                      param="right_keys", column=b, hint="convert one of them with Edit Metadata")
            for a, b in zip(lk, rk) if a in lc and b in rc
            and _key_family(lc[a].dtype) != _key_family(rc[b].dtype)]


@module(
    "join_data", "1", "Join Data", CATEGORY,
    inputs=[_frame("left", "Left dataset"), _frame("right", "Right dataset")],
    outputs=[_frame("data", "Joined dataset")],
    params=[
        Param("left_keys", ParamKind.COLUMNS, "Key columns of the left dataset", port="left"),
        Param("right_keys", ParamKind.COLUMNS, "Key columns of the right dataset", port="right",
              help="As many as on the left, paired in order."),
        Param("join", ParamKind.CHOICE, "Join type", default="inner", choices=JOINS,
              help="inner: matching pairs only. left_outer: every left row, with missing values where nothing "
                   "matches. full_outer: every row of both. left_semi: the left rows that have a match."),
        Param("case_sensitive", ParamKind.BOOL, "Match case", default=True,
              help="Off: text keys match whatever their upper and lower case."),
        Param("keep_right_keys", ParamKind.BOOL, "Keep right key columns", default=False),
    ],
    infer_schema=_join_schema,
    check=_join_check,
)
def join_data(ctx: Any, *, left: pd.DataFrame, right: pd.DataFrame, left_keys: list[str], right_keys: list[str],
              join: str = "inner", case_sensitive: bool = True, keep_right_keys: bool = False) -> pd.DataFrame:
    """Join two datasets on key columns, like pandas' merge (rows in the left's order, then the right's
    unmatched rows for a full outer join); a missing key value matches nothing. A right column whose name the
    left already has is renamed `name (2)`."""
    module = "Join Data"
    lk, rk = column_list(left_keys), column_list(right_keys)
    if not lk or len(lk) != len(rk):
        raise ValueError(f"{module}: choose as many key columns on each side ({len(lk)} left, {len(rk)} right)")
    if join not in JOINS:
        raise ValueError(f"{module}: param 'join' must be one of {', '.join(JOINS)}; got {join!r}")
    require_columns(left, lk, what="left key column")
    require_columns(right, rk, what="right key column")
    tmp = [f"__key{i}__" for i in range(len(lk))]
    lkeys = pd.DataFrame({t: _key(left[a], case_sensitive) for t, a in zip(tmp, lk)}, index=left.index)
    rkeys = pd.DataFrame({t: _key(right[b], case_sensitive) for t, b in zip(tmp, rk)}, index=right.index)
    for t, a, b in zip(tmp, lk, rk):
        if _key_family(dtype_kind(lkeys[t].dtype)) != _key_family(dtype_kind(rkeys[t].dtype)):
            raise ValueError(f"{module}: key column {a!r} holds {dtype_kind(left[a].dtype)} on the left and {b!r} "
                             f"{dtype_kind(right[b].dtype)} on the right; they never match")
    lnull, rnull = lkeys.isna().any(axis=1).to_numpy(), rkeys.isna().any(axis=1).to_numpy()
    if join == "left_semi":
        matched = lkeys.merge(rkeys[~rnull].drop_duplicates(), how="left", on=tmp, indicator=True)["_merge"]
        out = left[(matched == "both").to_numpy() & ~lnull]
        ctx.log(f"{len(out)} of {len(left)} left rows have a match")
        return _renumbered(out)
    _check_size(lkeys[~lnull], rkeys[~rnull], tmp, join, len(left), len(right))
    ctx.progress(0.2, f"joining {len(left)} rows with {len(right)}")
    drop = set() if keep_right_keys else set(rk)
    kept = [c for c in right.columns if c not in drop]
    names = _renamed([str(c) for c in left.columns], [str(c) for c in kept])
    lpart = pd.concat([left.reset_index(drop=True), lkeys.reset_index(drop=True)], axis=1)
    rside = right[kept].copy(deep=False)
    rside.columns = names
    rpart = pd.concat([rside.reset_index(drop=True), rkeys.reset_index(drop=True)], axis=1)
    how = {"inner": "inner", "left_outer": "left", "full_outer": "outer"}[join]
    unmatched_right = rpart[rnull]
    lpart_join = lpart if how == "left" else lpart[~lnull] if how == "inner" else lpart
    merged = lpart_join.merge(rpart[~rnull], how="left" if how == "outer" else how, on=tmp, sort=False)
    if how == "outer":
        used = rpart[~rnull].merge(lkeys[~lnull].drop_duplicates(), on=tmp, how="left", indicator=True)
        extra = rpart[~rnull][(used["_merge"] == "left_only").to_numpy()]
        merged = pd.concat([merged, extra, unmatched_right], ignore_index=True)
    out = _with_roles(merged.drop(columns=tmp), frame_roles(left), _right_roles(right, names, kept))
    out.index = pd.RangeIndex(len(out))
    ctx.progress(1.0, f"{len(out)} rows")
    ctx.log(f"{join} join: {len(left)} left rows, {len(right)} right rows → {len(out)} rows")
    return out


def _key(s: pd.Series, case_sensitive: bool) -> pd.Series:
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    if not case_sensitive and dtype_kind(s.dtype) == "string":
        return s.map(lambda v: v.casefold() if isinstance(v, str) else v)
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype(np.int64)
    return s


def _check_size(lkeys: pd.DataFrame, rkeys: pd.DataFrame, on: list[str], join: str, nl: int, nr: int) -> None:
    counts = lkeys.value_counts().rename("l").reset_index().merge(rkeys.value_counts().rename("r").reset_index(), on=on)
    pairs = int((counts["l"].astype(np.int64) * counts["r"].astype(np.int64)).sum())
    total = pairs + (nl if join != "inner" else 0) + (nr if join == "full_outer" else 0)
    if total > MAX_JOIN_ROWS:
        raise ValueError(f"Join Data: the keys match {pairs} pairs of rows, more than the {MAX_JOIN_ROWS} a join may "
                         "produce; the keys repeat on both sides (remove duplicates, or join on more key columns)")


# -- Remove Duplicate Rows --------------------------------------------------------------------------
@module(
    "remove_duplicate_rows", "1", "Remove Duplicate Rows", CATEGORY,
    inputs=[_frame("data", "Dataset")],
    outputs=[_frame("data", "Dataset without duplicates")],
    params=[
        Param("columns", ParamKind.COLUMNS, "Key columns", port="data", required=False,
              help="Rows with equal values in these columns are duplicates; none selected means every column."),
        Param("keep", ParamKind.CHOICE, "Keep", default="first", choices=("first", "last"),
              help="Which row of each set of duplicates stays."),
    ],
    infer_schema=lambda inputs, params: {"data": inputs.get("data")},
)
def remove_duplicate_rows(ctx: Any, *, data: pd.DataFrame, columns: list[str] | None = None,
                          keep: str = "first") -> pd.DataFrame:
    """Keep one row (the first or the last) of each set of rows with the same key values, as pandas'
    drop_duplicates does; the rows stay in their order."""
    names = column_list(columns) or None
    if names:
        require_columns(data, names)
    if keep not in ("first", "last"):
        raise ValueError(f"Remove Duplicate Rows: param 'keep' must be first or last; got {keep!r}")
    duplicated = data.duplicated(subset=names, keep=keep).to_numpy()
    ctx.log(f"{int(duplicated.sum())} duplicate rows removed of {len(data)}")
    return _renumbered(data[~duplicated])


# -- Partition and Sample ---------------------------------------------------------------------------
def _partition_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]):
    schema = inputs.get("data")
    if schema is None or params.get("mode") != "assign_folds":
        return {"data": schema}
    name = params.get("fold_column") or "fold"
    return {"data": tuple(c for c in schema if c.name != name) + (Column(name, "int"),)}


def _partition_check(design: Design) -> list[Violation]:
    p = design.params
    if p.get("mode") == "pick_fold" and (p.get("fold") or 1) > (p.get("folds") or 5):
        return [Violation(f"fold {p.get('fold')} of {p.get('folds')} folds does not exist", param="fold",
                          code="bad_param", hint="folds are numbered from 1 to the number of folds")]
    return []


@module(
    "partition_and_sample", "1", "Partition and Sample", CATEGORY,
    inputs=[_frame("data", "Dataset")],
    outputs=[_frame("data", "Dataset")],
    params=[
        Param("mode", ParamKind.CHOICE, "Partition or sample mode", default="sample",
              choices=("sample", "head", "assign_folds", "pick_fold"),
              help="sample: a random share of the rows. head: the first rows. assign_folds: add a column with "
                   "each row's fold (1 to the number of folds). pick_fold: the rows of one fold."),
        Param("rate", ParamKind.FLOAT, "Rate of sampling", default=0.1, min=0, max=1,
              help="For sample: the share of rows kept."),
        Param("rows", ParamKind.INT, "Number of rows", default=10, min=0, max=2**40, help="For head."),
        Param("folds", ParamKind.INT, "Number of folds", default=5, min=2, max=1000),
        Param("fold", ParamKind.INT, "Fold to pick", default=1, min=1, max=1000, help="For pick_fold, from 1."),
        Param("complement", ParamKind.BOOL, "Pick every other fold", default=False,
              help="For pick_fold: the rows of all folds but the chosen one (a training set for that fold)."),
        Param("fold_column", ParamKind.TEXT, "Fold column", default="fold", required=False,
              help="For assign_folds: the name of the added column."),
        Param("stratify_column", ParamKind.COLUMNS, "Stratify by column", port="data", multiple=False,
              required=False, dtypes=DISCRETE_DTYPES, hint=STRATIFY_HINT,
              help="Sample, or make folds, keeping this column's class proportions."),
        Param("seed", ParamKind.INT, "Random seed", default=0, min=0, max=2**32 - 1),
    ],
    infer_schema=_partition_schema,
    check=_partition_check,
)
def partition_and_sample(ctx: Any, *, data: pd.DataFrame, mode: str = "sample", rate: float = 0.1, rows: int = 10,
                         folds: int = 5, fold: int = 1, complement: bool = False, fold_column: str | None = "fold",
                         stratify_column: str | None = None, seed: int = 0) -> pd.DataFrame:
    """Sample rows at random (pandas' sample, per class when stratified), take the first rows, or split the
    rows into folds (scikit-learn's KFold, or StratifiedKFold) and add a fold column or pick one fold.
    Rows keep their order; the same seed gives the same rows."""
    module = "Partition and Sample"
    strat = single_column(stratify_column)
    if strat is not None:
        require_columns(data, [strat], what="stratify column")
        if dtype_kind(data[strat].dtype) == "float":
            raise ValueError(f"{module}: {describe(Column(strat, 'float'))}; {STRATIFY_HINT}")
    if mode == "head":
        return _renumbered(data.iloc[:rows])
    if mode == "sample":
        if not 0 <= rate <= 1:
            raise ValueError(f"{module}: param 'rate' must be between 0 and 1; got {rate}")
        frame = _renumbered(data)
        picked = (frame.groupby(strat, dropna=False, sort=False).sample(frac=rate, random_state=seed)
                  if strat is not None else frame.sample(frac=rate, random_state=seed))
        ctx.log(f"sampled {len(picked)} of {len(data)} rows")
        return _renumbered(data.iloc[np.sort(picked.index.to_numpy())])
    if mode not in ("assign_folds", "pick_fold"):
        raise ValueError(f"{module}: param 'mode' must be sample, head, assign_folds or pick_fold; got {mode!r}")
    number = _fold_numbers(data, folds, strat, seed, module)
    if mode == "assign_folds":
        name = fold_column or "fold"
        if len(name) > MAX_NAME_CHARS:
            raise ValueError(f"{module}: param 'fold_column' is longer than {MAX_NAME_CHARS} characters")
        out = data.copy(deep=False)
        out[name] = number
        return _renumbered(out)
    if not 1 <= fold <= folds:
        raise ValueError(f"{module}: fold {fold} does not exist; folds are numbered from 1 to {folds}")
    keep = (number != fold) if complement else (number == fold)
    return _renumbered(data[keep])


def _fold_numbers(data: pd.DataFrame, folds: int, strat: str | None, seed: int, module: str) -> np.ndarray:
    from sklearn.model_selection import KFold, StratifiedKFold

    if folds > len(data):
        raise ValueError(f"{module}: {folds} folds need at least {folds} rows; the dataset has {len(data)}")
    number = np.zeros(len(data), dtype=np.int64)
    if strat is not None:
        y = data[strat].astype(object).where(data[strat].notna(), "(missing)").astype(str).to_numpy()
        smallest = pd.Series(y).value_counts().min()
        if smallest < folds:
            raise ValueError(f"{module}: a class of stratify column {strat!r} has only {smallest} rows, fewer than "
                             f"the {folds} folds")
        splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y)
    else:
        splits = KFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(data)))
    for k, (_, test) in enumerate(splits, start=1):
        number[test] = k
    return number


# -- SMOTE ------------------------------------------------------------------------------------------
def _smote_check(design: Design) -> list[Violation]:
    schema, label = design.inputs.get("data"), design.params.get("label_column")
    if schema is None or not isinstance(label, str):
        return []
    return [Violation(f"{describe(c)}: SMOTE makes new rows between neighbours, and needs every column but the "
                      "label to hold numbers", column=c.name, port="data", hint=ENCODE_HINT)
            for c in schema if c.name != label and c.dtype not in NUMERIC_DTYPES]


@module(
    "smote", "1", "SMOTE", CATEGORY,
    inputs=[_frame("data", "Samples")],
    outputs=[_frame("data", "Samples with synthetic minority rows")],
    params=[
        Param("label_column", ParamKind.COLUMNS, "Label column", port="data", multiple=False,
              dtypes=DISCRETE_DTYPES, hint="SMOTE balances classes: bin a continuous label with Group Data into Bins"),
        Param("percentage", ParamKind.INT, "SMOTE percentage", default=100, min=1, max=10_000,
              help="How many synthetic rows of the minority class to add, as a percentage of its rows: "
                   "100 doubles it."),
        Param("neighbours", ParamKind.INT, "Number of nearest neighbours", default=5, min=1, max=100,
              help="New rows are drawn between a minority row and one of its nearest minority neighbours."),
        Param("seed", ParamKind.INT, "Random seed", default=0, min=0, max=2**32 - 1),
    ],
    infer_schema=lambda inputs, params: {"data": inputs.get("data")},
    check=_smote_check,
)
def smote(ctx: Any, *, data: pd.DataFrame, label_column: str, percentage: int = 100, neighbours: int = 5,
          seed: int = 0) -> pd.DataFrame:
    """Add synthetic rows of the least frequent class with imbalanced-learn's SMOTE: the original rows
    first, then the new ones. Every column but the label must be numeric and without missing values."""
    from imblearn.over_sampling import SMOTE

    module = "SMOTE"
    label = single_column(label_column)
    if label is None:
        raise ValueError(f"{module}: param 'label_column' is required")
    require_columns(data, [label], what="label column")
    features = [c for c in data.columns if c != label]
    for name in features:
        kind = dtype_kind(data[name].dtype)
        if kind not in NUMERIC_DTYPES:
            raise ValueError(f"{module}: {describe(Column(str(name), kind))}, and SMOTE needs numbers in every "
                             f"column but the label; {ENCODE_HINT}")
        missing = int(data[name].isna().sum())
        if missing:
            raise ValueError(f"{module}: column {name!r} has {missing} missing values; clean them first "
                             "(Clean Missing Data)")
    y = data[label]
    if y.isna().any():
        raise ValueError(f"{module}: label column {label!r} has {int(y.isna().sum())} missing values")
    counts = y.value_counts()
    if len(counts) < 2:
        raise ValueError(f"{module}: label column {label!r} holds a single class; there is nothing to balance")
    minority, size = counts.index[-1], int(counts.iloc[-1])
    if size <= neighbours:
        raise ValueError(f"{module}: the minority class {minority!r} has {size} rows; {neighbours} nearest "
                         f"neighbours need at least {neighbours + 1}")
    target = size + int(round(size * percentage / 100))
    ctx.progress(0.1, f"adding {target - size} rows of class {minority!r}")
    sampler = SMOTE(sampling_strategy={minority: target}, k_neighbors=neighbours, random_state=seed)
    X, y_new = sampler.fit_resample(data[features], y)
    out = X.copy()
    out[label] = y_new
    out = _with_roles(out[list(data.columns)], frame_roles(data))
    ctx.log(f"class {minority!r}: {size} rows + {target - size} synthetic")
    ctx.progress(1.0, "done")
    return _renumbered(out)
