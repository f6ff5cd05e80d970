"""Web Service: the two markers of an inference pipeline. Web Service Input is where a request's
rows enter (in a training run: the sample connected to it, or an empty table of the declared
columns); Web Service Output is what the service answers with (its input, passed through)."""
from __future__ import annotations

import re
from typing import Any, Mapping

import pandas as pd

from ..schema import schema_of
from ..spec import DTYPES, Column, Design, Param, ParamKind, Port, PortType, Schema, Violation, module

CATEGORY = "Web Service"
MAX_DECLARED_COLUMNS = 1000
PANDAS_DTYPES = {"int": "int64", "float": "float64", "bool": "bool", "string": "object",
                 "datetime": "datetime64[ns]", "category": "category"}
_ITEM = re.compile(r"^\s*(?P<name>[^:,\n]+?)\s*:\s*(?P<dtype>[A-Za-z]+)\s*$")


def parse_columns(text: str | None) -> Schema:
    """'age: int, sex: string' (commas or new lines between columns) as a schema; a ValueError
    says which entry is wrong and why."""
    if text is None or not text.strip():
        return ()
    entries = [e for e in re.split(r"[,\n]", text) if e.strip()]
    if len(entries) > MAX_DECLARED_COLUMNS:
        raise ValueError(f"declares {len(entries)} columns, more than the limit of {MAX_DECLARED_COLUMNS}")
    columns: list[Column] = []
    for entry in entries:
        match = _ITEM.match(entry)
        if match is None:
            raise ValueError(f"entry {entry.strip()[:60]!r} is not 'name: type'")
        name, dtype = match["name"], match["dtype"].lower()
        if dtype not in DTYPES:
            raise ValueError(f"column {name[:60]!r} has type {dtype[:20]!r}; use one of {', '.join(DTYPES)}")
        if any(c.name == name for c in columns):
            raise ValueError(f"column {name[:60]!r} is declared twice")
        columns.append(Column(name, dtype))
    return tuple(columns)


def _declared(params: Mapping[str, Any]) -> Schema | None:
    try:
        return parse_columns(params.get("columns"))
    except ValueError:
        return None


def _input_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    if "sample" in inputs:  # a connected sample: its columns (known or not yet)
        return {"data": inputs.get("sample")}
    declared = _declared(params)
    return {"data": declared or None}


def _input_check(design: Design) -> list[Violation]:
    try:
        declared = parse_columns(design.params.get("columns"))
    except ValueError as exc:
        return [Violation(f"Web Service Input: the declared columns: {exc}", param="columns", code="bad_param",
                          hint="write one 'name: type' per column, separated by commas, e.g. 'age: int, sex: string'")]
    wired = "sample" in design.inputs or "sample" in design.upstream
    if not wired and not declared:
        return [Violation("Web Service Input needs a sample input or declared columns", param="columns",
                          code="required", hint="connect a sample of the data the service will receive, or declare "
                                                "its columns ('age: int, sex: string')")]
    sample = design.inputs.get("sample")
    if sample is None or not declared:
        return []
    have = {c.name: c for c in sample}
    out = []
    for column in declared:
        found = have.get(column.name)
        if found is None:
            out.append(Violation(f"Web Service Input: the sample has no column {column.name!r}", param="columns",
                                 column=column.name, code="unknown_column",
                                 hint="declare only columns of the sample, or leave the columns empty to use the "
                                      "sample's"))
        elif found.dtype != column.dtype:
            out.append(Violation(f"Web Service Input: column {column.name!r} is declared {column.dtype} but the "
                                 f"sample holds {found.dtype}", param="columns", column=column.name,
                                 hint=f"declare it as {found.dtype}, or convert the sample with Edit Metadata"))
    return out


@module(
    "web_service_input", "1", "Web Service Input", CATEGORY,
    inputs=[Port("sample", PortType.DATAFRAME, "Sample data", optional=True,
                 help="Rows like those the service will receive; passed through in a training run.")],
    outputs=[Port("data", PortType.DATAFRAME, "Data")],
    params=[Param("columns", ParamKind.TEXT, "Columns", default="", required=False,
                  help="The columns a request carries, as 'name: type' separated by commas (types: "
                       f"{', '.join(DTYPES)}). Empty: the sample's columns.")],
    infer_schema=_input_schema,
    check=_input_check,
)
def web_service_input(ctx: Any, *, sample: pd.DataFrame | None = None, columns: str = "") -> pd.DataFrame:
    """Where a web service request's rows enter an inference pipeline. In a training run it passes
    its sample through unchanged, or (with no sample) gives an empty table of the declared columns."""
    try:
        declared = parse_columns(columns)
    except ValueError as exc:
        raise ValueError(f"Web Service Input: param 'columns' {exc}") from None
    if sample is None:
        if not declared:
            raise ValueError("Web Service Input: connect a sample of the data the service will receive, or declare "
                             "its columns in param 'columns' ('age: int, sex: string')")
        ctx.log(f"no sample: an empty table of the {len(declared)} declared columns")
        return pd.DataFrame({c.name: pd.Series([], dtype=PANDAS_DTYPES[c.dtype]) for c in declared})
    actual = {c.name: c.dtype for c in schema_of(sample)}
    for column in declared:
        if column.name not in actual:
            raise ValueError(f"Web Service Input: the sample has no column {column.name!r}, which param 'columns' "
                             f"declares; it has: {', '.join(list(actual)[:20])}")
        if actual[column.name] != column.dtype:
            raise ValueError(f"Web Service Input: column {column.name!r} is declared {column.dtype} but the sample "
                             f"holds {actual[column.name]}")
    ctx.log(f"sample: {len(sample)} rows, {len(sample.columns)} columns")
    return sample


@module(
    "web_service_output", "1", "Web Service Output", CATEGORY,
    inputs=[Port("data", PortType.DATAFRAME, "Data")],
    outputs=[Port("data", PortType.DATAFRAME, "Data")],
    infer_schema=lambda inputs, params: {"data": inputs.get("data")},
)
def web_service_output(ctx: Any, *, data: pd.DataFrame) -> pd.DataFrame:
    """What an inference pipeline's web service answers with: its input, passed through unchanged."""
    ctx.log(f"output: {len(data)} rows, {len(data.columns)} columns")
    return data
