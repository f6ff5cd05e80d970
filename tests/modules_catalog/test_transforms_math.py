"""Apply Math Operation and Clip Values, against numpy on scikit-learn's diabetes data."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_iris

from modules_catalog.schema import schema_of
from modules_catalog.spec import NUMERIC_DTYPES, Column, Design

COLS = ["bmi", "s1", "s5"]


@pytest.fixture
def diabetes():
    return load_diabetes(as_frame=True, scaled=False).frame


@pytest.fixture
def scaled():
    """Diabetes as scikit-learn scales it: about half the values are negative."""
    return load_diabetes(as_frame=True).frame


def _math(catalog, ctx, data, **params):
    return catalog.get("apply_math_operation").fn(ctx, data=data, **params)


@pytest.mark.parametrize("operation", ["log", "log2", "log10", "log1p", "exp", "sqrt", "abs"])
def test_unary_operations_match_numpy(catalog, ctx, diabetes, operation):
    out = _math(catalog, ctx, diabetes / 100, columns=COLS, operation=operation)
    np.testing.assert_allclose(out[COLS].to_numpy(), getattr(np, operation)(diabetes[COLS].to_numpy() / 100))
    pd.testing.assert_frame_equal(out.drop(columns=COLS), (diabetes / 100).drop(columns=COLS))


def test_results_out_of_the_domain_become_missing_and_are_counted(catalog, ctx, scaled):
    out = _math(catalog, ctx, scaled, columns=["bmi"], operation="log")
    negative = scaled["bmi"] <= 0
    assert out["bmi"].isna().to_numpy().tolist() == negative.tolist()
    np.testing.assert_allclose(out.loc[~negative, "bmi"], np.log(scaled.loc[~negative, "bmi"]))
    assert any(f"{int(negative.sum())} results were not finite" in line for line in ctx.logs)


@pytest.mark.parametrize(("operation", "digits", "expected"), [
    ("round", 1, lambda v: np.round(v, 1)), ("floor", 2, lambda v: np.floor(v * 100) / 100),
    ("ceil", 0, np.ceil)])
def test_rounding_to_digits_matches_numpy(catalog, ctx, scaled, operation, digits, expected):
    out = _math(catalog, ctx, scaled * 10, columns=COLS, operation=operation, digits=digits)
    np.testing.assert_allclose(out[COLS].to_numpy(), expected(scaled[COLS].to_numpy() * 10))


@pytest.mark.parametrize(("operation", "fn"), [("add", np.add), ("subtract", np.subtract),
                                               ("multiply", np.multiply), ("divide", np.divide),
                                               ("power", np.power)])
def test_arithmetic_with_a_constant_and_with_another_column_matches_numpy(catalog, ctx, diabetes, operation, fn):
    out = _math(catalog, ctx, diabetes, columns=COLS, operation=operation, operand="constant", constant=1.5,
                mode="append", suffix="_x")
    np.testing.assert_allclose(out[[f"{c}_x" for c in COLS]].to_numpy(), fn(diabetes[COLS].to_numpy(), 1.5))
    pd.testing.assert_frame_equal(out[list(diabetes.columns)], diabetes)
    out = _math(catalog, ctx, diabetes, columns=["s1"], operation=operation, operand="column", operand_column="s2")
    with np.errstate(all="ignore"):
        expected = fn(diabetes["s1"].to_numpy(), diabetes["s2"].to_numpy())
    np.testing.assert_allclose(out["s1"].to_numpy(), np.where(np.isfinite(expected), expected, np.nan))


def test_division_by_zero_is_missing_not_infinite(catalog, ctx, diabetes):
    out = _math(catalog, ctx, diabetes, columns=["bmi"], operation="divide", operand="constant", constant=0.0)
    assert out["bmi"].isna().all()


def test_math_refuses_text_names_the_column_and_infers_its_output(catalog, ctx):
    iris = load_iris(as_frame=True).frame.assign(name="flower")
    with pytest.raises(ValueError, match="Apply Math Operation: column 'name' holds text, and Apply Math Operation "
                                         "needs numbers"):
        _math(catalog, ctx, iris, columns=["name"], operation="log")
    spec = catalog.get("apply_math_operation")
    assert spec.param("columns").dtypes == NUMERIC_DTYPES and spec.param("operand_column").dtypes == NUMERIC_DTYPES
    schema = schema_of(iris)
    got = spec.infer_schema({"data": schema}, {"columns": ["target"], "operation": "sqrt", "mode": "append"})
    assert got["data"] == schema + (Column("target_sqrt", "float"),)
    found = list(spec.check(Design({"data": schema}, {"operation": "add", "operand": "column"})))
    assert [v.param for v in found] == ["operand_column"]


# -- Clip Values ----------------------------------------------------------------------------------
def _clip(catalog, ctx, data, **params):
    return catalog.get("clip_values").fn(ctx, data=data, **params)


def test_clipping_at_percentiles_matches_numpy_clip(catalog, ctx, diabetes):
    out = _clip(catalog, ctx, diabetes, columns=COLS, clip="both", threshold="percentile", upper_percentile=95,
                lower_percentile=5)
    for c in COLS:
        low, high = np.percentile(diabetes[c], [5, 95])
        np.testing.assert_allclose(out[c].to_numpy(), np.clip(diabetes[c].to_numpy(), low, high))
    pd.testing.assert_frame_equal(out.drop(columns=COLS), diabetes.drop(columns=COLS))


@pytest.mark.parametrize(("replace_with", "fill"), [("mean", np.mean), ("median", np.median),
                                                    ("missing", lambda v: np.nan)])
def test_clipped_values_replaced_by_a_statistic_with_an_indicator(catalog, ctx, diabetes, replace_with, fill):
    out = _clip(catalog, ctx, diabetes, columns=["bmi"], clip="upper", threshold="constant", upper_value=35.0,
                replace_with=replace_with, indicator=True)
    above = diabetes["bmi"] > 35
    expected = np.where(above, fill(diabetes["bmi"].to_numpy()), diabetes["bmi"].to_numpy())
    np.testing.assert_allclose(out["bmi"].to_numpy(), expected)
    assert out["bmi_clipped"].tolist() == above.tolist() and above.sum() > 0


def test_clip_checks_its_thresholds_and_infers_its_output(catalog, diabetes):
    spec = catalog.get("clip_values")
    schema = schema_of(diabetes)
    found = list(spec.check(Design({"data": schema}, {"threshold": "constant", "clip": "both", "upper_value": 1.0})))
    assert [v.param for v in found] == ["lower_value"]
    found = list(spec.check(Design({"data": schema}, {"threshold": "constant", "clip": "both", "upper_value": 1.0,
                                                      "lower_value": 2.0})))
    assert "lower threshold is above" in found[0].message
    got = spec.infer_schema({"data": schema}, {"columns": ["age"], "indicator": True})["data"]
    assert got[0] == Column("age", "float") and got[-1] == Column("age_clipped", "bool")
