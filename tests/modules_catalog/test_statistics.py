"""Summarize Data against pandas' describe, Compute Linear Correlation against pandas' corr, on the
bundled data sets."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris, load_wine

from modules_catalog.context import SimpleContext
from modules_catalog.schema import schema_of


@pytest.fixture(scope="module")
def wine():
    frame = load_wine(as_frame=True).frame
    frame.loc[::7, "alcohol"] = np.nan
    return frame.assign(grade=np.where(frame["target"] == 0, "top", np.where(frame["target"] == 1, "mid", None)))


def test_summarize_data_gives_pandas_describe_per_column(catalog, wine):
    spec = catalog.get("summarize_data")
    got = spec.fn(SimpleContext(), data=wine).set_index("feature")
    numbers = wine.drop(columns="grade").describe()
    for name in numbers.columns:
        row = got.loc[name]
        for stat in ("count", "mean", "std", "min", "25%", "50%", "75%", "max"):
            assert row[stat] == pytest.approx(numbers.loc[stat, name]), (name, stat)
        assert row["missing"] == wine[name].isna().sum() and row["unique"] == wine[name].nunique()
        assert row["mode"] == str(wine[name].mode().iloc[0])
    text = got.loc["grade"]
    assert (text["type"], text["count"], text["unique"], text["missing"]) == ("string", 130, 2, 48)
    assert text["mode"] == wine["grade"].mode().iloc[0] and np.isnan(text["mean"])
    inferred = spec.infer_schema({"data": schema_of(wine)}, {})["data"]
    assert inferred == schema_of(got.reset_index())


def test_compute_linear_correlation_is_pandas_pearson_and_logs_what_it_left_out(catalog, wine):
    spec = catalog.get("compute_linear_correlation")
    ctx = SimpleContext()
    got = spec.fn(ctx, data=wine)
    numeric = wine.drop(columns="grade")
    expected = numeric.corr(method="pearson")
    assert got["feature"].tolist() == numeric.columns.tolist() == got.columns[1:].tolist()
    np.testing.assert_allclose(got.drop(columns="feature").to_numpy(), expected.to_numpy())
    assert any("'grade' (text)" in line for line in ctx.logs)
    assert spec.infer_schema({"data": schema_of(wine)}, {})["data"] == schema_of(got)


def test_compute_linear_correlation_names_its_row_column_apart_from_a_data_column(catalog):
    iris = load_iris(as_frame=True).frame.rename(columns={"target": "feature"})
    got = catalog.get("compute_linear_correlation").fn(SimpleContext(), data=iris)
    assert got.columns[0] == "feature (2)" and got["feature (2)"].tolist()[-1] == "feature"
    with pytest.raises(ValueError, match="no numeric columns"):
        catalog.get("compute_linear_correlation").fn(SimpleContext(), data=pd.DataFrame({"a": ["x", "y"]}))
