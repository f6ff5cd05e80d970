"""Apply SQL Transformation: the user's own read-only query over up to three tables, run by an embedded
DuckDB with no access to files, network or extensions, and bounded memory, threads and output rows."""
from __future__ import annotations

import functools
import os
import re
import threading
import time
from typing import Any

import pandas as pd

from ..spec import Design, Param, ParamKind, Port, PortType, Violation, module

CATEGORY = "Data Transformation"
MODULE = "Apply SQL Transformation"
MAX_QUERY_CHARS = 100_000
MAX_OUTPUT_ROWS = 50_000_000
MEMORY_LIMIT = "2GB"
FIRST_WORDS = ("select", "with", "from", "values", "(")  # what a read-only query may start with
SQL_HINT = "write one query starting with SELECT or WITH; the inputs are the tables t1, t2 and t3"


class SqlError(ValueError):
    pass


def check_query(query: Any) -> None:
    """Raise SqlError unless `query` is a single read-only SELECT (or WITH … SELECT) statement."""
    import duckdb

    if not isinstance(query, str) or not query.strip():
        raise SqlError(f"{MODULE}: the query is empty")
    if len(query) > MAX_QUERY_CHARS:
        raise SqlError(f"{MODULE}: the query is longer than {MAX_QUERY_CHARS} characters")
    con = duckdb.connect(":memory:", config=_config())
    try:
        statements = con.extract_statements(query)
    except duckdb.Error as exc:
        raise SqlError(f"{MODULE}: {_message(exc)}") from None
    finally:
        con.close()
    if len(statements) != 1:
        raise SqlError(f"{MODULE}: the query holds {len(statements)} statements; write exactly one SELECT")
    kind = str(statements[0].type).rsplit(".", 1)[-1]
    first = _first_word(query)
    if kind != "SELECT" or first not in FIRST_WORDS:
        shown = first.upper() if first else kind
        raise SqlError(f"{MODULE}: only a read-only SELECT query is allowed, and this one is {shown}")


def _first_word(query: str) -> str:
    import duckdb

    tokens = duckdb.tokenize(query)  # skips comments
    if not tokens:
        return ""
    start = tokens[0][0]
    match = re.match(r"[A-Za-z_]+|\(", query[start:])
    return match.group(0).lower() if match else ""


def _message(exc: Exception) -> str:
    """DuckDB's message (with its LINE context), without the exception class's noise."""
    text = str(exc).strip()
    return re.sub(r"\n{2,}", "\n", text)


def _config() -> dict[str, Any]:
    threads = os.environ.get("OMP_NUM_THREADS", "1")
    return {"enable_external_access": False, "autoinstall_known_extensions": False,
            "autoload_known_extensions": False, "allow_community_extensions": False,
            "memory_limit": MEMORY_LIMIT, "threads": int(threads) if threads.isdigit() and int(threads) > 0 else 1}


@functools.lru_cache(maxsize=256)
def _query_problem(query: str) -> str | None:
    """check_query's complaint about `query`, remembered: a draft is validated at every edit."""
    try:
        check_query(query)
    except SqlError as exc:
        return str(exc).removeprefix(f"{MODULE}: ")
    return None


def _sql_check(design: Design) -> list[Violation]:
    query = design.params.get("query")
    if not isinstance(query, str) or not query.strip():
        return []
    problem = _query_problem(query)
    return [] if problem is None else [Violation(problem, param="query", code="bad_param", hint=SQL_HINT)]


@module(
    "apply_sql_transformation", "1", "Apply SQL Transformation", CATEGORY,
    inputs=[Port("t1", PortType.DATAFRAME, "t1"), Port("t2", PortType.DATAFRAME, "t2", optional=True),
            Port("t3", PortType.DATAFRAME, "t3", optional=True)],
    outputs=[Port("data", PortType.DATAFRAME, "Result dataset")],
    params=[Param("query", ParamKind.TEXT, "SQL query script", default="SELECT * FROM t1",
                  help="One read-only query in DuckDB's SQL over the inputs t1, t2 and t3, e.g. "
                       "SELECT species, AVG(petal_length) AS mean_length FROM t1 GROUP BY species. "
                       "Files, the network and extensions are out of reach.")],
    check=_sql_check,
)
def apply_sql_transformation(ctx: Any, *, t1: pd.DataFrame, t2: pd.DataFrame | None = None,
                             t3: pd.DataFrame | None = None, query: str = "SELECT * FROM t1") -> pd.DataFrame:
    """Run a SQL query over the input tables with DuckDB: each connected input is the view t1, t2 or t3.
    Only a single SELECT (or WITH … SELECT) runs; the result becomes the output table."""
    import duckdb
    import pyarrow as pa

    check_query(query)
    con = duckdb.connect(":memory:", config=_config())
    worker: threading.Thread | None = None
    try:
        for name, frame in (("t1", t1), ("t2", t2), ("t3", t3)):
            if frame is not None:
                con.register(name, frame)
        con.execute("SET enable_progress_bar = true")  # query_progress() answers only with it on
        con.execute("SET enable_progress_bar_print = false")
        con.execute("SET lock_configuration = true")
        result: dict[str, Any] = {}
        worker = threading.Thread(target=_run, args=(con, query, result), daemon=True, name="apply-sql-query")
        worker.start()
        started = reported = time.monotonic()
        last = -1.0
        while worker.is_alive():
            worker.join(0.5)
            if not worker.is_alive():
                break
            try:
                done = float(con.query_progress())
            except duckdb.Error:
                done = -1.0
            now = time.monotonic()
            if done >= last + 1 or now - reported >= 5:  # a step forward, or a sign of life every 5 s
                ctx.progress(max(done, 0.0) / 100 * 0.9, f"running the query ({now - started:.0f} s)")
                last, reported = max(done, last), now
        if "error" in result:
            raise SqlError(f"{MODULE}: {result['error']}")
        table = pa.Table.from_batches(result["batches"], schema=result["schema"])
    finally:
        if worker is not None and worker.is_alive():  # the step is being stopped: stop the query first
            con.interrupt()
            worker.join()
        con.close()
    names = table.column_names
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SqlError(f"{MODULE}: the query returns more than one column named {', '.join(map(repr, dupes))}; "
                       "name them apart with AS")
    try:
        out = _to_pandas(table)
    except (pa.ArrowException, ValueError, TypeError) as exc:
        raise SqlError(f"{MODULE}: the result cannot become a table: {exc}; "
                       "cast the column with CAST(… AS …)") from None
    ctx.log(f"query returned {len(out)} rows, {len(out.columns)} columns")
    ctx.progress(1.0, f"{len(out)} rows")
    return out


def _to_pandas(table: Any) -> pd.DataFrame:
    """The result as pandas: DuckDB's enums (dictionaries with unsigned indices) as pandas categories."""
    import pyarrow as pa

    fields = []
    for field in table.schema:
        kind = field.type
        if pa.types.is_dictionary(kind) and pa.types.is_unsigned_integer(kind.index_type):
            field = field.with_type(pa.dictionary(pa.int32(), kind.value_type, kind.ordered))
        fields.append(field)
    return table.cast(pa.schema(fields)).to_pandas()


def _run(con: Any, query: str, result: dict[str, Any]) -> None:
    import duckdb

    try:
        running = con.execute(query)
        fetch = getattr(running, "to_arrow_reader", None) or running.fetch_record_batch  # renamed in DuckDB 1.4
        reader = fetch(100_000)
        result["schema"], batches, rows = reader.schema, [], 0
        for batch in reader:
            rows += batch.num_rows
            if rows > MAX_OUTPUT_ROWS:
                result["error"] = (f"the query returns more than {MAX_OUTPUT_ROWS} rows; aggregate, filter or "
                                   "add a LIMIT")
                return
            batches.append(batch)
        result["batches"] = batches
    except duckdb.Error as exc:
        result["error"] = _message(exc)
    except Exception as exc:  # noqa: BLE001 - reported with the step, not as a worker thread's traceback
        result["error"] = f"{type(exc).__name__}: {exc}"
