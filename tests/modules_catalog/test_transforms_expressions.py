"""Split Data's relative expressions, property-based: any expression of the grammar selects the rows
pandas' query selects, and any text at all is either parsed or refused with an ExpressionError."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_iris

from modules_catalog.expressions import ExpressionError, evaluate, parse

IRIS = load_iris(as_frame=True).frame
IRIS["species"] = IRIS["target"].map({0: "setosa", 1: "versicolor", 2: "virginica"})
IRIS.loc[::9, "species"] = None
NUMBERS = ["sepal length (cm)", "petal width (cm)", "target"]
OPS = {">": ">", ">=": ">=", "<": "<", "<=": "<=", "==": "==", "!=": "!="}


@st.composite
def comparisons(draw):
    if draw(st.booleans()):
        column = draw(st.sampled_from(NUMBERS))
        op = draw(st.sampled_from(list(OPS)))
        value = draw(st.sampled_from([0, 1, 2, 3.5, 5.1, 6.25, -1]))
        return f'"{column}" {op} {value}', f"`{column}` {OPS[op]} {value}"
    op = draw(st.sampled_from(["==", "!="]))
    value = draw(st.sampled_from(["setosa", "virginica", "rose"]))
    # a missing species satisfies no comparison, != included: pandas' notna() says the same
    return f"\"species\" {op} '{value}'", f"(species.notna() and species {op} '{value}')"


expressions = st.recursive(
    comparisons(),
    lambda inner: st.tuples(inner, st.sampled_from([("&", "and"), ("|", "or"), ("and", "and"), ("or", "or")]),
                            inner).map(lambda t: (f"({t[0][0]}) {t[1][0]} ({t[2][0]})", f"({t[0][1]}) {t[1][1]} "
                                                                                        f"({t[2][1]})")),
    max_leaves=6)


@settings(max_examples=150, deadline=None)
@given(expressions)
def test_an_expression_selects_the_rows_pandas_query_selects(pair):
    ours, theirs = pair
    expected = IRIS.eval(theirs, engine="python").to_numpy(dtype=bool)
    np.testing.assert_array_equal(evaluate(parse(ours), IRIS), expected)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("\"'\\()&|<>=! .-0123456789abcdeorn_")), max_size=60))
def test_any_text_is_parsed_or_refused_with_an_expression_error(text):
    try:
        tree = parse(text)
    except ExpressionError:
        return
    frame = pd.DataFrame({name: [1.0, np.nan] for name in _names(tree)})
    assert evaluate(tree, frame).dtype == bool


def _names(tree) -> set[str]:
    from modules_catalog.expressions import columns

    return {c.column for c in columns(tree)}
