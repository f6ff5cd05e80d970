"""Apply SQL Transformation: results against pandas, and only a single read-only query ever runs."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris, load_wine

from modules_catalog.builtins.sql import SqlError
from modules_catalog.spec import Design

SPECIES = ["setosa", "versicolor", "virginica"]


@pytest.fixture
def iris():
    df = load_iris(as_frame=True).frame
    df["species"] = df["target"].map(dict(enumerate(SPECIES)))
    return df


def _sql(catalog, ctx, query, **tables):
    return catalog.get("apply_sql_transformation").fn(ctx, query=query, **tables)


def test_a_group_by_query_matches_pandas(catalog, ctx, iris):
    out = _sql(catalog, ctx, """
        -- mean petal length per species, longest first
        SELECT species, AVG("petal length (cm)") AS mean_length, COUNT(*) AS n
        FROM t1 GROUP BY species ORDER BY mean_length DESC""", t1=iris)
    expected = iris.groupby("species")["petal length (cm)"].agg(["mean", "size"]).sort_values("mean", ascending=False)
    assert out["species"].tolist() == expected.index.tolist()
    np.testing.assert_allclose(out["mean_length"], expected["mean"])
    assert out["n"].tolist() == expected["size"].tolist()


def test_three_tables_join_like_pandas_merge(catalog, ctx, iris):
    wine = load_wine(as_frame=True).frame
    names = pd.DataFrame({"target": [0, 1, 2], "species": SPECIES})
    out = _sql(catalog, ctx, """
        WITH w AS (SELECT target, AVG(alcohol) AS alcohol FROM t2 GROUP BY target)
        SELECT n.species, w.alcohol, COUNT(*) AS flowers
        FROM t1 JOIN t3 AS n USING (target) JOIN w USING (target)
        WHERE t1."sepal width (cm)" > 3 GROUP BY n.species, w.alcohol ORDER BY n.species""",
               t1=iris.drop(columns="species"), t2=wine, t3=names)
    wide = iris[iris["sepal width (cm)"] > 3]
    expected = wide.groupby("species").size()
    assert out["species"].tolist() == expected.index.tolist() and out["flowers"].tolist() == expected.tolist()
    np.testing.assert_allclose(out["alcohol"], wine.groupby("target")["alcohol"].mean().loc[[0, 1, 2]].to_numpy()
                               [[SPECIES.index(s) for s in out["species"]]])


@pytest.mark.parametrize(("query", "word"), [
    ("CREATE TABLE x AS SELECT * FROM t1", "CREATE"), ("DROP VIEW t1", "DROP"),
    ("INSERT INTO t1 VALUES (1)", "INSERT"), ("DELETE FROM t1", "DELETE"), ("UPDATE t1 SET target = 0", "UPDATE"),
    ("ATTACH 'other.db'", "ATTACH"), ("COPY t1 TO 'out.csv'", "COPY"), ("PRAGMA version", "PRAGMA"),
    ("INSTALL httpfs", "INSTALL"), ("LOAD httpfs", "LOAD"), ("SET threads = 8", "SET"), ("DESCRIBE t1", "DESCRIBE"),
    ("/* hidden */ EXPORT DATABASE 'x'", "EXPORT"),
])
def test_anything_but_a_read_only_select_is_refused_before_it_runs(catalog, ctx, iris, query, word):
    with pytest.raises(SqlError, match=f"only a read-only SELECT query is allowed, and this one is {word}"):
        _sql(catalog, ctx, query, t1=iris)
    found = list(catalog.get("apply_sql_transformation").check(Design({}, {"query": query})))
    assert [v.param for v in found] == ["query"] and "SELECT" in found[0].hint


def test_two_statements_are_refused(catalog, ctx, iris):
    with pytest.raises(SqlError, match="the query holds 2 statements"):
        _sql(catalog, ctx, "SELECT 1; SELECT * FROM t1", t1=iris)


@pytest.mark.parametrize("query", ["SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM glob('/*')",
                                   "SELECT * FROM 'https://example.com/x.parquet'"])
def test_files_and_the_network_are_out_of_reach(catalog, ctx, iris, query):
    with pytest.raises(SqlError, match="disabled by configuration|Permission"):
        _sql(catalog, ctx, query, t1=iris)


def test_an_error_is_duckdbs_message_with_its_line_not_a_traceback(catalog, ctx, iris):
    with pytest.raises(SqlError) as caught:
        _sql(catalog, ctx, "SELECT species,\n  no_such_column\nFROM t1", t1=iris)
    message = str(caught.value)
    assert message.startswith("Apply SQL Transformation: Binder Error: Referenced column \"no_such_column\"")
    assert "LINE 2:" in message and "Traceback" not in message
    assert caught.value.__cause__ is None and (caught.value.__context__ is None or caught.value.__suppress_context__)


def test_a_result_with_two_columns_of_one_name_is_refused(catalog, ctx, iris):
    with pytest.raises(SqlError, match="more than one column named 'target'; name them apart with AS"):
        _sql(catalog, ctx, "SELECT target, target FROM t1", t1=iris)


def test_a_syntax_error_is_reported_at_design_time(catalog):
    found = list(catalog.get("apply_sql_transformation").check(Design({}, {"query": "SELEC * FROM t1"})))
    assert len(found) == 1 and "syntax error" in found[0].message.lower()
    assert not list(catalog.get("apply_sql_transformation").check(Design({}, {"query": "WITH a AS (SELECT 1) "
                                                                                       "SELECT * FROM a"})))


def test_a_category_column_comes_back_as_a_category(catalog, ctx, iris):
    df = iris.assign(kind=iris["species"].astype("category"))
    out = _sql(catalog, ctx, "SELECT kind, COUNT(*) AS n FROM t1 GROUP BY kind ORDER BY kind", t1=df)
    assert isinstance(out["kind"].dtype, pd.CategoricalDtype)
    assert out["kind"].astype(str).tolist() == SPECIES and out["n"].tolist() == [50, 50, 50]


class _Stopped(Exception):
    pass


class _StoppingContext:
    """A context whose first progress report stops the step, as a cancelled run does."""

    seed, workdir = 0, "."

    def __init__(self) -> None:
        self.reports = 0

    def progress(self, fraction: float, message: str = "") -> None:
        self.reports += 1
        raise _Stopped(message)

    def log(self, message: str) -> None:
        pass


def test_a_step_stopped_during_a_long_query_interrupts_the_query(catalog):
    import threading

    numbers = pd.DataFrame({"a": np.arange(1200)})
    ctx = _StoppingContext()
    with pytest.raises(_Stopped, match="running the query"):
        catalog.get("apply_sql_transformation").fn(
            ctx, t1=numbers, query="SELECT COUNT(*) FROM t1 a, t1 b, t1 c WHERE a.a + b.a + c.a = 7")
    assert ctx.reports == 1
    assert not [t for t in threading.enumerate() if t.name == "apply-sql-query"]
