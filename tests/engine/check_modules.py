"""Modules for the compiler's design-time check tests: declared column types, `check` hooks (one that
records what it was given, one that raises, one that yields nonsense) and user-code model makers.
Registered on import; their keys start with "checktest." and they live outside the built-ins."""
from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.datasets import load_iris

from modules_catalog.checks import label_violations, upstream_task
from modules_catalog.schema import schema_of
from modules_catalog.spec import (DISCRETE_DTYPES, NUMERIC_DTYPES, Design, Param, ParamKind, Port, PortType, Violation,
                                  module)

DF = PortType.DATAFRAME
CATEGORY = "Utility"
SEEN: list[Design] = []  # every Design checktest.checked was given, in order


def iris_species(text_columns: int = 1) -> pd.DataFrame:
    """Iris with its species as text: 'species', then 'species_2', … (`text_columns` of them)."""
    iris = load_iris(as_frame=True)
    frame = iris.frame.copy()
    names = pd.Series(iris.target_names[iris.target], dtype=object)
    for i in range(text_columns):
        frame["species" if i == 0 else f"species_{i + 1}"] = names
    return frame


def _species_schema(inputs, params):
    return {"data": schema_of(iris_species(int(params.get("text_columns") or 1)))}


@module("checktest.iris_species", "1", "Iris With Species", CATEGORY, outputs=[Port("data", DF)],
        params=[Param("text_columns", ParamKind.INT, default=1, min=1, max=100)], infer_schema=_species_schema)
def iris_species_module(ctx: Any, *, text_columns: int = 1) -> pd.DataFrame:
    return iris_species(text_columns)


def _same(inputs, params):
    return {"data": inputs.get("data")}


@module("checktest.numeric_only", "1", "Numbers Only", CATEGORY, inputs=[Port("data", DF)], outputs=[Port("data", DF)],
        params=[Param("columns", ParamKind.COLUMNS, "Columns", port="data", dtypes=NUMERIC_DTYPES),
                Param("groups", ParamKind.COLUMNS, "Groups", port="data", required=False, dtypes=DISCRETE_DTYPES,
                      hint="group by a column of classes, not of measurements")],
        infer_schema=_same)
def numeric_only(ctx: Any, *, data: pd.DataFrame, columns: list[str], groups: list[str] | None = None) -> pd.DataFrame:
    return data


@module("checktest.learner", "1", "Binary Learner", CATEGORY, outputs=[Port("learner", PortType.UNTRAINED_MODEL)],
        task="binary")
def binary_learner(ctx: Any) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression()


def _record(design: Design):
    SEEN.append(design)
    label = design.params.get("label")
    schema = design.inputs.get("data") or ()
    column = next((c for c in schema if c.name == label), None)
    yield from label_violations(column, upstream_task(design, "model"), module="Checked", param="label")
    if design.params.get("also_warn"):
        yield Violation("a second problem", hint="", param=None, port="data", code="demo")


@module("checktest.checked", "1", "Checked", CATEGORY,
        inputs=[Port("model", PortType.MODEL, optional=True), Port("data", DF)], outputs=[Port("data", DF)],
        params=[Param("label", ParamKind.COLUMNS, "Label", port="data", multiple=False, required=False),
                Param("also_warn", ParamKind.BOOL, default=False)],
        check=_record, infer_schema=lambda inputs, params: {"data": inputs.get("data")})
def checked(ctx: Any, *, data: pd.DataFrame, model: Any = None, label: str | None = None, also_warn: bool = False):
    return data


def _raises(design: Design):
    return [Violation("fine")] + [1 / 0]  # noqa: B018 - the bug under test


@module("checktest.raises", "1", "Broken Check", CATEGORY, inputs=[Port("data", DF)], outputs=[Port("data", DF)],
        check=_raises)
def raises(ctx: Any, *, data: pd.DataFrame) -> pd.DataFrame:
    return data


@module("checktest.nonsense", "1", "Nonsense Check", CATEGORY, inputs=[Port("data", DF)], outputs=[Port("data", DF)],
        check=lambda design: ["not a violation"])
def nonsense(ctx: Any, *, data: pd.DataFrame) -> pd.DataFrame:
    return data


@module("checktest.many", "1", "Many Problems", CATEGORY, inputs=[Port("data", DF)], outputs=[Port("data", DF)],
        check=lambda design: (Violation(f"problem {i}", param="x", column=f"c{i}") for i in range(10_000)),
        params=[Param("x", ParamKind.INT, default=0)])
def many(ctx: Any, *, data: pd.DataFrame, x: int = 0) -> pd.DataFrame:
    return data


@module("checktest.user_model", "1", "User Model", CATEGORY, outputs=[Port("learner", PortType.UNTRAINED_MODEL)],
        user_code=True)
def user_model(ctx: Any) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression()


@module("checktest.user_transform", "1", "User Transform", CATEGORY, inputs=[Port("data", DF)],
        outputs=[Port("data", DF), Port("transform", PortType.TRANSFORM)], user_code=True)
def user_transform(ctx: Any, *, data: pd.DataFrame) -> dict[str, Any]:
    return {"data": data, "transform": None}


@module("checktest.apply", "1", "Apply", CATEGORY, inputs=[Port("transform", PortType.TRANSFORM), Port("data", DF)],
        outputs=[Port("data", DF)])
def apply(ctx: Any, *, transform: Any, data: pd.DataFrame) -> pd.DataFrame:
    return data
