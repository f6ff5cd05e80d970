"""Web Service Input and Output: the markers of an inference pipeline, on the wine data set."""
from __future__ import annotations

import pandas as pd
import pytest
from sklearn.datasets import load_wine

from modules_catalog.context import SimpleContext
from modules_catalog.schema import schema_of
from modules_catalog.spec import Column, Design


@pytest.fixture
def wine():
    return load_wine(as_frame=True).frame


def test_the_input_passes_its_sample_through_and_infers_its_schema(catalog, wine):
    spec = catalog.get("web_service_input")
    assert spec.category == "Web Service" and spec.description
    out = spec.fn(SimpleContext(), sample=wine, columns="")
    assert out is wine  # passed through: nothing copied, nothing changed
    schema = schema_of(wine)
    assert spec.infer_schema({"sample": schema}, {"columns": ""})["data"] == schema
    assert spec.infer_schema({"sample": None}, {"columns": "alcohol: float"})["data"] is None


def test_without_a_sample_the_input_is_an_empty_table_of_the_declared_columns(catalog):
    spec = catalog.get("web_service_input")
    declared = "alcohol: float, hue: float\nclass: category, n: int, ok: bool, name: string, at: datetime"
    out = spec.fn(SimpleContext(), columns=declared)
    assert len(out) == 0
    expected = (Column("alcohol", "float"), Column("hue", "float"), Column("class", "category"), Column("n", "int"),
                Column("ok", "bool"), Column("name", "string"), Column("at", "datetime"))
    assert schema_of(out) == expected
    assert spec.infer_schema({}, {"columns": declared})["data"] == expected


def test_declared_columns_are_checked_against_the_sample(catalog, wine):
    spec = catalog.get("web_service_input")
    spec.fn(SimpleContext(), sample=wine, columns="alcohol: float, target: int")
    with pytest.raises(ValueError, match="the sample has no column 'colour'"):
        spec.fn(SimpleContext(), sample=wine, columns="colour: float")
    with pytest.raises(ValueError, match="column 'target' is declared string but the sample holds int"):
        spec.fn(SimpleContext(), sample=wine, columns="target: string")
    found = list(spec.check(Design(inputs={"sample": schema_of(wine)}, params={"columns": "target: float, x: int"})))
    assert [(v.column, v.param) for v in found] == [("target", "columns"), ("x", "columns")]
    assert "declare it as int" in found[0].hint


@pytest.mark.parametrize(("columns", "message"), [
    ("age", "entry 'age' is not 'name: type'"),
    ("age: number", "column 'age' has type 'number'; use one of int, float"),
    ("age: int, age: float", "column 'age' is declared twice"),
])
def test_a_malformed_declaration_is_named(catalog, columns, message):
    spec = catalog.get("web_service_input")
    with pytest.raises(ValueError, match=message):
        spec.fn(SimpleContext(), columns=columns)
    [violation] = spec.check(Design(inputs={}, params={"columns": columns}))
    assert violation.param == "columns" and message.split(";")[0] in violation.message


def test_the_input_needs_a_sample_or_columns(catalog):
    spec = catalog.get("web_service_input")
    with pytest.raises(ValueError, match="connect a sample"):
        spec.fn(SimpleContext())
    assert [v.code for v in spec.check(Design(inputs={}, params={}))] == ["required"]


def test_the_output_passes_its_input_through(catalog, wine):
    spec = catalog.get("web_service_output")
    scored = wine.assign(scored_label=wine["target"])
    out = spec.fn(SimpleContext(), data=scored)
    pd.testing.assert_frame_equal(out, scored)
    assert spec.infer_schema({"data": schema_of(scored)}, {})["data"] == schema_of(scored)
