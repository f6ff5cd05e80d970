"""Column-type checks shared by modules: at design time on schemas (returning Violations for the
compiler), and at run time on DataFrames (raising a ValueError that names the column, its type
and the module — never a bare library message)."""
from __future__ import annotations

from typing import Any, Iterable, Sequence

from .spec import DISCRETE_DTYPES, NUMERIC_DTYPES, Column, Design, Schema, Upstream, Violation

ENCODE_HINT = "encode it with Convert to Indicator Values, or leave it out with Select Columns"
TYPE_WORDS = {"int": "whole numbers", "float": "decimal numbers", "bool": "true/false values",
              "string": "text", "datetime": "dates", "category": "categories"}


def describe(column: Column) -> str:
    return f"column {column.name!r} holds {TYPE_WORDS.get(column.dtype, column.dtype)}"


def columns_of(schema: Schema | None, names: Iterable[str]) -> list[Column]:
    """The columns of `schema` named in `names` (unknown names are the compiler's to report)."""
    if schema is None:
        return []
    by_name = {c.name: c for c in schema}
    return [by_name[n] for n in names if n in by_name]


def require_dtypes(schema: Schema | None, names: Iterable[str], accepted: Sequence[str], *, module: str,
                   what: str, hint: str = "", param: str | None = None, port: str | None = None) -> list[Violation]:
    """A Violation per named column whose type is not in `accepted`; `what` says what the module
    needs ("a numeric feature", "numbers to take a mean of")."""
    return [Violation(f"{describe(c)}: {module} needs {what}", hint=hint, param=param, port=port, column=c.name)
            for c in columns_of(schema, names) if c.dtype not in accepted]


def upstream_task(design: Design, port: str) -> str | None:
    """The task of the learner feeding `port` (following trainers back to their learner), if known."""
    found: Upstream | None = design.upstream.get(port)
    seen = 0
    while found is not None and seen < 64:
        if found.spec.task is not None:
            return found.spec.task
        found = next(iter(found.upstream.values()), None) if len(found.upstream) == 1 else \
            found.upstream.get("learner") or found.upstream.get("model")
        seen += 1
    return None


def label_violations(column: Column | None, task: str | None, *, module: str, param: str) -> list[Violation]:
    """The label column fits the learner's task: classes for classifiers, numbers for regressors."""
    if column is None or task is None:
        return []
    if task in ("binary", "multiclass") and column.dtype not in DISCRETE_DTYPES:
        return [Violation(f"{describe(column)}: a {task} classifier needs a label of classes", param=param,
                          column=column.name,
                          hint="use a regression learner for a continuous label, or bin it with Group Data into Bins")]
    if task == "regression" and column.dtype not in NUMERIC_DTYPES:
        return [Violation(f"{describe(column)}: a regression learner predicts numbers", param=param,
                          column=column.name,
                          hint="use a classification learner, or convert the label with Edit Metadata")]
    return []


def check_numeric_frame(df: Any, names: Iterable[str], *, module: str, hint: str = ENCODE_HINT) -> None:
    """Raise a ValueError naming the first column of `names` in `df` that is not numeric."""
    import pandas as pd

    from .schema import dtype_kind

    for name in names:
        dtype = df[name].dtype
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
            kind = dtype_kind(dtype)
            raise ValueError(f"{module}: column {name!r} holds {TYPE_WORDS.get(kind, kind)}, and {module} needs "
                             f"numbers; {hint}")
