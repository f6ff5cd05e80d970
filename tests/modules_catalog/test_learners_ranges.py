"""The RANGE param kind (Azure's parameter range): checked strictly by params.coerce, expanded by
sweep.range_values, declared in param_json, refused at import without an item kind."""
from __future__ import annotations

import math

import numpy as np
import pytest

from modules_catalog.params import ParamError, coerce
from modules_catalog.schema import param_json
from modules_catalog.spec import Param, ParamKind
from modules_catalog.sweep import MAX_RANGE_VALUES, range_values

INTS = Param("trees", ParamKind.RANGE, item=ParamKind.INT, min=1, max=1000)
FLOATS = Param("rate", ParamKind.RANGE, item=ParamKind.FLOAT, min=0.0, max=1.0)
CHOICES = Param("loss", ParamKind.RANGE, item=ParamKind.CHOICE, choices=("hinge", "log_loss"))


def test_a_list_of_values_is_kept_in_order_and_each_value_checked_as_its_item_kind():
    assert coerce(INTS, {"values": [8, 32.0, 1]}) == {"values": [8, 32, 1]}
    assert coerce(INTS, [3, 2]) == {"values": [3, 2]}  # a bare list is the list form
    assert coerce(CHOICES, {"values": ["hinge"]}) == {"values": ["hinge"]}
    assert range_values(FLOATS, {"values": [0.5, 0.25]}) == [0.5, 0.25]


@pytest.mark.parametrize("param,value,message", [
    (INTS, {"values": [1.5]}, "value 1 must be a whole number"),
    (INTS, {"values": [0]}, "value 1 must be at least 1"),
    (INTS, {"values": [5, 2000]}, "value 2 must be at most 1000"),
    (INTS, {"values": [True]}, "whole number"),
    (FLOATS, {"values": [float("nan")]}, "finite number"),
    (FLOATS, {"values": [float("inf")]}, "finite number"),
    (FLOATS, {"values": ["0.5"]}, "finite number"),
    (CHOICES, {"values": ["squared"]}, "must be one of hinge, log_loss"),
    (INTS, {"values": []}, "at least one value"),
    (INTS, {"values": [4, 4]}, "lists 4 twice"),
    (INTS, {"values": list(range(1, MAX_RANGE_VALUES + 2))}, f"at most {MAX_RANGE_VALUES}"),
    (INTS, {"values": [1], "count": 3}, "no other keys"),
    (INTS, 5, "must be a range"),
    (INTS, "1;2;3", "must be a range"),
    (INTS, {"min": 1, "max": 10}, "needs count"),
    (INTS, {"min": 10, "max": 1, "count": 3}, "min must not exceed max"),
    (INTS, {"min": 1.5, "max": 10, "count": 3}, "min must be a whole number"),
    (INTS, {"min": 1, "max": 5000, "count": 3}, "max must be at most 1000"),
    (INTS, {"min": 1, "max": 10, "count": 0}, "count must be a whole number from 1 to 100"),
    (INTS, {"min": 1, "max": 10, "count": 101}, "count must be a whole number from 1 to 100"),
    (INTS, {"min": 1, "max": 10, "count": 2.5}, "count must be a whole number"),
    (INTS, {"min": 1, "max": 10, "count": True}, "count must be a whole number"),
    (INTS, {"min": 1, "max": 10, "count": 3, "scale": "square"}, "scale must be linear or log"),
    (INTS, {"min": 1, "max": 10, "count": 3, "step": 2}, "unknown keys step"),
    (INTS, {"min": 2, "max": 10, "count": 1}, "count 1 takes min equal to max"),
    (FLOATS, {"min": 0.0, "max": 1.0, "count": 3, "scale": "log"}, "log scale needs min above 0"),
    (FLOATS, {"min": float("-inf"), "max": 1.0, "count": 3}, "min must be a finite number"),
    (CHOICES, {"min": 1, "max": 2, "count": 2}, "must list its values"),
])
def test_a_malformed_range_is_refused_saying_what_is_wrong(param, value, message):
    with pytest.raises(ParamError, match=message):
        coerce(param, value)


def test_evenly_spaced_values_on_a_linear_and_a_log_scale_match_numpy():
    assert range_values(FLOATS, {"min": 0.1, "max": 0.9, "count": 5}) == [0.1, 0.3, 0.5, 0.7, 0.9]
    log = range_values(Param("c", ParamKind.RANGE, item=ParamKind.FLOAT, min=1e-6),
                       {"min": 0.001, "max": 10, "count": 5, "scale": "log"})
    np.testing.assert_allclose(log, np.geomspace(0.001, 10, 5))
    assert log[0] == 0.001 and log[-1] == 10.0 and all(math.isfinite(v) for v in log)
    assert range_values(FLOATS, {"min": 0.5, "max": 0.5, "count": 1}) == [0.5]


def test_whole_number_ranges_are_rounded_without_repeats():
    assert range_values(INTS, {"min": 1, "max": 1000, "count": 4, "scale": "log"}) == [1, 10, 100, 1000]
    assert range_values(INTS, {"min": 1, "max": 3, "count": 10}) == [1, 2, 3]
    assert range_values(INTS, {"min": 1, "max": 100, "count": 3}) == [1, 51, 100]  # halves up, as the designer shows
    assert all(isinstance(v, int) for v in range_values(INTS, {"min": 2, "max": 90, "count": 7}))


def test_the_canonical_form_is_stable_under_a_second_check():
    value = coerce(FLOATS, {"min": 0, "max": 1, "count": 3})
    assert value == {"min": 0.0, "max": 1.0, "count": 3, "scale": "linear"}
    assert coerce(FLOATS, value) == value


def test_param_json_tells_the_front_end_the_kind_of_each_value():
    out = param_json(Param("trees_range", ParamKind.RANGE, "Range", default={"values": [1, 8]}, item=ParamKind.INT,
                           min=1, max=1000))
    assert out["kind"] == "range" and out["item"] == "int" and (out["min"], out["max"]) == (1, 1000)
    assert out["default"] == {"values": [1, 8]}


def test_a_range_param_without_an_item_kind_is_refused_when_declared():
    from modules_catalog.spec import module

    with pytest.raises(ValueError, match="range param 'r' must declare item"):
        module("range_without_item", "1", "Range Without Item", "Utility",
               params=[Param("r", ParamKind.RANGE, default={"values": [1]})])(lambda ctx, **kw: None)


def test_every_declared_range_default_is_valid(catalog):
    for spec in catalog:
        for p in spec.params:
            if p.kind is ParamKind.RANGE:
                assert range_values(p, p.default), (spec.key, p.name)
