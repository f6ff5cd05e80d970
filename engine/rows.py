"""The engine's plain SQL, all of it: row writes and reads on the hot path as single statements
(the same values Django's save() would write, each adapted by its own model field, without the
model-save machinery), event numbering, and the few joins the ORM would make slower. Nothing else
in the engine builds SQL."""
from __future__ import annotations

from typing import Any, NamedTuple

from django.db import DatabaseError, models, router, transaction
from django.db.models import signals


def save_fields(obj: models.Model, names: list[str]) -> None:
    """`obj.save(update_fields=names)` as one plain UPDATE: the same column values, each adapted by
    its own field, without the model-save machinery (most of a status change's cost). Falls back
    to save() when something listens to the model's save signals."""
    model = type(obj)
    if signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model):
        obj.save(update_fields=names)
        return
    connection = transaction.get_connection(router.db_for_write(model, instance=obj))
    meta, quote = model._meta, connection.ops.quote_name
    fields = [meta.get_field(name) for name in names]
    values = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in fields]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s",
                       [*values, obj.pk])
        if cursor.rowcount != 1:
            raise DatabaseError("Save with update_fields did not affect any rows.")


def insert_returning(obj: models.Model, computed: dict[str, tuple[str, list]]) -> tuple:
    """`obj.save()` of a new row as one INSERT that also computes some columns in SQL (`computed`:
    field name -> (SQL expression, its parameters)); returns (pk, *computed values) and sets them
    on `obj`. Every other column gets what save() would write, from the model's own fields."""
    model = type(obj)
    connection = transaction.get_connection(router.db_for_write(model, instance=obj))
    meta, quote = model._meta, connection.ops.quote_name
    columns, placeholders, params = [], [], []
    for f in meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(quote(f.column))
        if f.name in computed:
            sql, sql_params = computed[f.name]
            placeholders.append(f"({sql})")
            params += sql_params
        else:
            placeholders.append("%s")
            params.append(f.get_db_prep_save(f.pre_save(obj, True), connection))
    returned = [meta.pk, *(meta.get_field(name) for name in computed)]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) VALUES ({', '.join(placeholders)}) "
                       f"RETURNING {', '.join(quote(f.column) for f in returned)}", params)
        row = cursor.fetchone()
    for f, value in zip(returned, row):
        setattr(obj, f.attname, value)
    obj._state.adding = False
    obj._state.db = connection.alias
    return tuple(row)


def update_if(model: type[models.Model], pk: Any, where: dict[str, Any], values: dict[str, Any],
              owned: tuple[type[models.Model], str, str] | None = None) -> int:
    """`model.objects.filter(pk=pk, **where).update(**values)` as one plain UPDATE (each value
    adapted by its own field); the number of rows changed: 0 when `where` no longer holds.
    `owned=(Parent, fk, owner)`: also only while the parent row the foreign key `fk` points at has
    that `owner` (an EXISTS in the same statement)."""
    connection = transaction.get_connection(router.db_for_write(model))
    meta, quote = model._meta, connection.ops.quote_name
    sets = [(meta.get_field(name), value) for name, value in values.items()]
    conds = [(meta.get_field(name), value) for name, value in where.items()]
    sql = (f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f, _ in sets)} "
           f"WHERE {quote(meta.pk.column)} = %s" + "".join(f" AND {quote(f.column)} = %s" for f, _ in conds))
    params = [f.get_db_prep_save(v, connection) for f, v in sets] + [pk] + \
             [f.get_db_prep_value(v, connection, prepared=False) for f, v in conds]
    if owned is not None:
        parent, fk, owner = owned
        pmeta, table = parent._meta, quote(parent._meta.db_table)
        sql += (f" AND EXISTS (SELECT 1 FROM {table} WHERE {table}.{quote(pmeta.pk.column)} = "
                f"{quote(meta.db_table)}.{quote(meta.get_field(fk).column)} AND {table}.{quote('owner')} = %s)")
        params.append(owner)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def locked_many(model: type[models.Model], pks: list[Any], fields: tuple[str, ...]) -> list[models.Model]:
    """locked() of many rows in one statement, locked in primary-key order (two engines' bursts
    never wait on each other in a cycle); the rows that exist."""
    if not pks:
        return []
    connection = transaction.get_connection(router.db_for_read(model))
    meta, quote = model._meta, connection.ops.quote_name
    selected = [meta.get_field(name) for name in fields]
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    out = []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(quote(f.column) for f in selected)} FROM {quote(meta.db_table)} "
                       f"WHERE {quote(meta.pk.column)} IN ({', '.join(['%s'] * len(pks))}) "
                       f"ORDER BY {quote(meta.pk.column)}{lock}", list(pks))
        rows = cursor.fetchall()
    for row in rows:
        out.append(_from_row(connection, model, selected, row))
    return out


def _from_row(connection, model: type[models.Model], selected: list, row: tuple) -> models.Model:
    """A model instance from a plain cursor's row of the fields `selected` (each value converted
    by the backend as a queryset would, then `from_db`; the other fields deferred)."""
    meta = model._meta
    values = {}
    for f, value in zip(selected, row):
        col = f.get_col(meta.db_table)
        for convert in (*connection.ops.get_db_converters(col), *col.get_db_converters(connection)):
            value = convert(value, col, connection)
        values[f.attname] = value
    names = [f.attname for f in meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])


def locked(model: type[models.Model], pk: Any, fields: tuple[str, ...]) -> models.Model | None:
    """The row `pk` with only `fields` loaded (the rest deferred), locked FOR UPDATE where the
    database can: what `select_for_update().only(*fields).get(pk=pk)` gives, at a tenth of its cost
    (one cursor, each value converted by the backend as a queryset would, then `from_db`)."""
    connection = transaction.get_connection(router.db_for_read(model))
    meta, quote = model._meta, connection.ops.quote_name
    selected = [meta.get_field(name) for name in fields]
    columns = ", ".join(quote(f.column) for f in selected)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s{lock}", [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    return _from_row(connection, model, selected, row)


def insert_rows(objs: list[models.Model], *, conflict: tuple[str, ...] = (), update: tuple[str, ...] = ()) -> None:
    """`bulk_create(objs, ignore_conflicts=True)` (or, with `update`, update_conflicts on the
    unique fields `conflict`) as one plain INSERT ... ON CONFLICT, which SQLite and PostgreSQL both
    speak; values adapted by the model's own fields, auto_now_add included. Primary keys are not
    read back."""
    if not objs:
        return
    model = type(objs[0])
    connection = transaction.get_connection(router.db_for_write(model))
    meta, quote = model._meta, connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not (f.primary_key and isinstance(f, models.AutoField))]
    params: list[Any] = []
    for obj in objs:
        params += [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES {', '.join([row] * len(objs))}")
    if update:
        target = ", ".join(quote(meta.get_field(name).column) for name in conflict)
        sets = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in (meta.get_field(n).column for n in update))
        sql += f" ON CONFLICT ({target}) DO UPDATE SET {sets}"
    else:
        sql += " ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def update_rows(model: type[models.Model], names: tuple[str, ...], rows: list[tuple[Any, tuple]]) -> None:
    """Set the fields `names` of many rows, each to its own values (`rows`: (pk, values in the
    order of `names`)), as one UPDATE statement executed for every row (adapted by the fields, as
    save_fields() does); for a batch of status changes. Raises when a row is missing."""
    if not rows:
        return
    connection = transaction.get_connection(router.db_for_write(model))
    meta, quote = model._meta, connection.ops.quote_name
    fields = [meta.get_field(name) for name in names]
    sql = (f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in fields)} "
           f"WHERE {quote(meta.pk.column)} = %s")
    # a batch's rows mostly share their values (one status, one time, one reused outputs dict):
    # each distinct value object is adapted once per field (the rows keep them alive meanwhile)
    adapted: dict[tuple[int, int], Any] = {}

    def adapt(i: int, f: models.Field, v: Any) -> Any:
        key = (i, id(v))
        if key not in adapted:
            adapted[key] = f.get_db_prep_save(v, connection)
        return adapted[key]

    params = [[*(adapt(i, f, v) for i, (f, v) in enumerate(zip(fields, values))), pk] for pk, values in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
        if cursor.rowcount not in (-1, len(rows)):
            raise DatabaseError(f"update_rows changed {cursor.rowcount} of {len(rows)} rows")


def select_in(model: type[models.Model], fields: tuple[str, ...], where: dict[str, Any], column: str,
              values: list[Any], chunk: int = 500, also: tuple[str, list[Any]] | None = None) -> list[tuple]:
    """`model.objects.filter(**where, <column>__in=values).values_list(*fields)` as plain SELECTs of
    at most `chunk` values each (under SQLite's bound-parameter limit); raw column values (JSON is
    decoded). For reads by an index: `where` and `column` should lead one."""
    if not values:
        return []
    connection = transaction.get_connection(router.db_for_read(model))
    meta, quote = model._meta, connection.ops.quote_name
    selected = [meta.get_field(name) for name in fields]
    conds = [(meta.get_field(name), value) for name, value in where.items()]
    key = meta.get_field(column)
    head = (f"SELECT {', '.join(quote(f.column) for f in selected)} FROM {quote(meta.db_table)} WHERE "
            + "".join(f"{quote(f.column)} = %s AND " for f, _ in conds))
    base = [f.get_db_prep_value(v, connection, prepared=False) for f, v in conds]
    if also is not None:  # `also`: (column, values): a second IN, before the chunked one
        other, among = meta.get_field(also[0]), list(also[1])
        if not among:
            return []
        head += f"{quote(other.column)} IN ({', '.join(['%s'] * len(among))}) AND "
        base += [other.get_db_prep_value(v, connection, prepared=False) for v in among]
    # JSON comes back as text from a plain cursor: decode it as the field would
    convert = [f.from_db_value if isinstance(f, models.JSONField) else None for f in selected]
    out: list[tuple] = []
    with connection.cursor() as cursor:
        for i in range(0, len(values), chunk):
            part = values[i:i + chunk]
            cursor.execute(head + f"{quote(key.column)} IN ({', '.join(['%s'] * len(part))})", base + list(part))
            out += cursor.fetchall()
    if any(convert):
        out = [tuple(v if c is None else c(v, None, connection) for v, c in zip(row, convert)) for row in out]
    return out


def any_row(model: type[models.Model], where: dict[str, Any], column: str, values: list[Any]) -> bool:
    """`model.objects.filter(**where, <column>__in=values).exists()` as one plain SELECT (for a
    look-up by an index that `where` and `column` lead)."""
    connection = transaction.get_connection(router.db_for_read(model))
    meta, quote = model._meta, connection.ops.quote_name
    conds = [(meta.get_field(name), value) for name, value in where.items()]
    key = meta.get_field(column)
    sql = (f"SELECT 1 FROM {quote(meta.db_table)} WHERE "
           + "".join(f"{quote(f.column)} = %s AND " for f, _ in conds)
           + f"{quote(key.column)} IN ({', '.join(['%s'] * len(values))}) LIMIT 1")
    with connection.cursor() as cursor:
        cursor.execute(sql, [f.get_db_prep_value(v, connection, prepared=False) for f, v in conds] + list(values))
        return cursor.fetchone() is not None


def insert_like(proto: models.Model, names: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert one row per item of `rows`: the fields `names` from the item (adapted by each field),
    every other column as `proto` would save it (adapted once, not once per row), by one INSERT
    statement executed per row. For many rows that differ in a few columns (a run's steps);
    `bulk_create` adapts every value of every row and splits under SQLite's parameter limit."""
    if not rows:
        return
    model = type(proto)
    connection = transaction.get_connection(router.db_for_write(model))
    meta, quote = model._meta, connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not (f.primary_key and isinstance(f, models.AutoField))]
    template = [f.get_db_prep_save(f.pre_save(proto, True), connection) for f in fields]
    slots = [[i for i, f in enumerate(fields) if f.name == name][0] for name in names]
    varying = [fields[i] for i in slots]
    params = []
    for item in rows:
        values = list(template)
        for i, f, value in zip(slots, varying, item):
            values[i] = f.get_db_prep_save(value, connection)
        params.append(values)
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


# -- run events: numbered per run ----------------------------------------------------------------
class _EventStatements(NamedTuple):
    insert: str  # insert an event with its number
    numbered: str  # insert an event numbered after the run's last one (SQLite)
    last: str  # the run's last number (by the (run, seq) index)


_EVENT_SQL: dict[str, _EventStatements] = {}


def _event_sql(connection) -> _EventStatements:
    """The event statements in this database's dialect, built once per vendor."""
    sql = _EVENT_SQL.get(connection.vendor)
    if sql is None:
        from .models import Run, RunEvent

        quote = connection.ops.quote_name
        col = lambda name: quote(RunEvent._meta.get_field(name).column)  # noqa: E731
        table = quote(RunEvent._meta.db_table)
        columns = ", ".join(col(n) for n in ("run", "seq", "type", "payload", "created_at"))
        sql = _EVENT_SQL[connection.vendor] = _EventStatements(
            insert=f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s)",
            numbered=(f"INSERT INTO {table} ({columns}) "
                      f"SELECT %s, COALESCE((SELECT MAX({col('seq')}) FROM {table} WHERE {col('run')} = %s), 0) + 1, "
                      f"%s, %s, %s WHERE EXISTS (SELECT 1 FROM {quote(Run._meta.db_table)} "
                      f"WHERE {quote(Run._meta.pk.column)} = %s) RETURNING {col('seq')}"),
            last=f"SELECT MAX({col('seq')}) FROM {table} WHERE {col('run')} = %s",
        )
    return sql


def returning_supported(using: str | None = None) -> bool:
    """True when the database answers `UPDATE/INSERT ... RETURNING` (PostgreSQL, SQLite 3.35+)."""
    connection = transaction.get_connection(using)
    if connection.vendor == "postgresql":
        return True
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version_info >= (3, 35)
    return False


def _event_values(connection, type: str, payload: dict[str, Any], now) -> list[Any]:
    """The event's type, payload and time as its row stores them, adapted by the model's own
    fields (JSON, time zone): RunEvent.objects.create() without the model machinery."""
    from .models import RunEvent

    field = RunEvent._meta.get_field
    return [type, field("payload").get_db_prep_save(payload, connection),
            field("created_at").get_db_prep_save(now, connection)]


def _missing_run() -> Exception:
    from .models import Run

    return Run.DoesNotExist("Run matching query does not exist.")


def insert_event_numbered(run_id: int, type: str, payload: dict[str, Any], now) -> int:
    """Store one event numbered after the run's last; its seq. On SQLite one statement numbers it
    from the (run, seq) index (SQLite rewrites a whole row on UPDATE, and a run's row holds its plan:
    counting on it made a 10,000-node burst quadratic; safe, as its transactions here are IMMEDIATE,
    one writer at a time); on PostgreSQL the run row's counter orders concurrent writers."""
    connection = transaction.get_connection()
    if connection.vendor != "sqlite":
        return insert_events_counted(run_id, [(type, payload)], now)
    with connection.cursor() as cursor:
        cursor.execute(_event_sql(connection).numbered,
                       [run_id, run_id, *_event_values(connection, type, payload, now), run_id])
        row = cursor.fetchone()
    if row is None:
        raise _missing_run()
    return row[0]


def insert_events_counted(run_id: int, batch: list[tuple[str, dict[str, Any]]], now) -> int:
    """PostgreSQL: number the (type, payload) events of `batch` after the run's last and store
    them, in one statement (insert_events_of_runs, for one run); the first number."""
    return insert_events_of_runs([(run_id, type, payload) for type, payload in batch], now)[run_id]


def insert_events_of_runs(events: list[tuple[int, str, dict[str, Any]]], now) -> dict[int, int]:
    """PostgreSQL: the (run, type, payload) `events` of any runs, numbered after each run's last in
    their order and stored, in ONE statement (each run's counter moves once by its count); run ->
    the first number it took. A run that does not exist raises."""
    import json

    from .models import Run, RunEvent

    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    field = RunEvent._meta.get_field("payload")
    at = RunEvent._meta.get_field("created_at").get_db_prep_save(now, connection)
    runs, seq, table = quote(Run._meta.db_table), quote(Run._meta.get_field("event_seq").column), quote(RunEvent._meta.db_table)
    columns = ", ".join(quote(RunEvent._meta.get_field(n).column) for n in ("run", "seq", "type", "payload", "created_at"))
    sql = (f"WITH v AS (SELECT r, t, p, ROW_NUMBER() OVER (PARTITION BY r ORDER BY i) AS k "
           f"FROM unnest(%s::bigint[], %s::varchar[], %s::jsonb[]) WITH ORDINALITY AS x(r, t, p, i)), "
           f"n AS (SELECT r, COUNT(*) AS c FROM v GROUP BY r), "
           f"s AS (UPDATE {runs} SET {seq} = {runs}.{seq} + n.c FROM n WHERE {runs}.{quote('id')} = n.r "
           f"RETURNING {runs}.{quote('id')} AS id, {runs}.{seq} - n.c + 1 AS f0), "
           f"e AS (INSERT INTO {table} ({columns}) SELECT v.r, s.f0 + v.k - 1, v.t, v.p, %s FROM v JOIN s ON s.id = v.r) "
           f"SELECT id, f0 FROM s")
    params = [[r for r, _, _ in events], [t for _, t, _ in events],
              [json.dumps(p, cls=field.encoder) for _, _, p in events], at]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        firsts = dict(cursor.fetchall())
    if len(firsts) != len({r for r, _, _ in events}):
        raise _missing_run()
    return firsts


def take_event_numbers(run_id: int, count: int) -> int:
    """SQLite: the first of the run's next `count` event numbers (one writer at a time: IMMEDIATE
    transactions, so the last cannot move meanwhile). PostgreSQL numbers in the INSERT itself
    (insert_events_of_runs)."""
    return last_event_seq(run_id) + 1


def insert_events(run_id: int, first: int, batch: list[tuple[str, dict[str, Any]]], now) -> None:
    """Store the (type, payload) events of `batch` numbered `first`, `first` + 1, ...: one statement
    executed per row."""
    from .models import RunEvent

    connection = transaction.get_connection()
    payload_field = RunEvent._meta.get_field("payload")
    at = RunEvent._meta.get_field("created_at").get_db_prep_save(now, connection)  # one time for all
    params = [[run_id, first + i, type, payload_field.get_db_prep_save(payload, connection), at]
              for i, (type, payload) in enumerate(batch)]
    with connection.cursor() as cursor:
        cursor.executemany(_event_sql(connection).insert, params)


def last_event_seq(run_id: int) -> int:
    """The run's last event seq (0 before its first): one index lookup, whatever the database.
    (Run.event_seq is the counter on PostgreSQL only; on SQLite the events number themselves.)"""
    connection = transaction.get_connection()
    with connection.cursor() as cursor:
        cursor.execute(_event_sql(connection).last, [run_id])
        return cursor.fetchone()[0] or 0


# -- attempts ------------------------------------------------------------------------------------
def insert_attempt(attempt: models.Model, step_id: int) -> None:
    """Save a new Attempt numbered after the step's attempts so far, in one statement where the
    database answers RETURNING (the count is taken inside the INSERT)."""
    model = type(attempt)
    if not returning_supported():
        attempt.number = model.objects.filter(step_id=step_id).count() + 1
        attempt.save(force_insert=True)
        return
    quote = transaction.get_connection().ops.quote_name
    count = (f"SELECT COUNT(*) + 1 FROM {quote(model._meta.db_table)} "
             f"WHERE {quote(model._meta.get_field('step').column)} = %s")
    insert_returning(attempt, {"number": (count, [step_id])})


def start_steps(starts: list[tuple[int, str]], *, engine: str, now) -> dict[int, tuple[int, int]]:
    """PostgreSQL: launch the database side of many steps in ONE statement: each (step id, attempt
    owner) of `starts` still queued, in a run `engine` owns, goes running (started_at `now`) with
    a new attempt numbered after its attempts so far, held by that owner; step id -> (attempt id,
    attempt number) for those that did (a step cancelled or a run taken over meanwhile is left
    out). The attempt's other columns are what a new Attempt saves."""
    from .models import Attempt, Run, Step

    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    steps, runs, attempts = (quote(m._meta.db_table) for m in (Step, Run, Attempt))
    proto = Attempt(step_id=0, owner="", heartbeat_at=now)
    columns, values, params = [], [], []
    for f in Attempt._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(quote(f.column))
        if f.name == "step":
            values.append("st.id")
        elif f.name == "number":
            values.append(f"(SELECT COUNT(*) + 1 FROM {attempts} a2 WHERE a2.{quote('step_id')} = st.id)")
        elif f.name == "owner":
            values.append("o.owner")
        else:
            values.append("%s")
            params.append(f.get_db_prep_save(f.pre_save(proto, True), connection))
    status, started = Step._meta.get_field("status"), Step._meta.get_field("started_at")
    sql = (f"WITH st AS (UPDATE {steps} SET {quote(status.column)} = %s, {quote(started.column)} = %s "
           f"WHERE {steps}.{quote('id')} = ANY(%s::bigint[]) AND {steps}.{quote(status.column)} = %s AND EXISTS "
           f"(SELECT 1 FROM {runs} WHERE {runs}.{quote('id')} = {steps}.{quote('run_id')} AND {runs}.{quote('owner')} = %s) "
           f"RETURNING {steps}.{quote('id')} AS id), "
           f"a AS (INSERT INTO {attempts} ({', '.join(columns)}) SELECT {', '.join(values)} FROM st JOIN "
           f"unnest(%s::bigint[], %s::varchar[]) AS o(step_id, owner) ON o.step_id = st.id "
           f"RETURNING {quote('step_id')}, {quote('id')}, {quote('number')}) SELECT * FROM a")
    head = [Step.Status.RUNNING, started.get_db_prep_save(now, connection), [pk for pk, _ in starts],
            Step.Status.QUEUED, engine]
    with connection.cursor() as cursor:
        cursor.execute(sql, head + params + [[pk for pk, _ in starts], [owner for _, owner in starts]])
        return {step_id: (attempt_id, number) for step_id, attempt_id, number in cursor.fetchall()}


def close_attempt(attempt_id: int, where: dict[str, Any], values: dict[str, Any]) -> tuple[int, int, str, str, int] | None:
    """Set `values` on the attempt while `where` holds (update_if), then (step id, run id, node id,
    cache key, workspace id) of its step (attempt_step); None when `where` no longer held. On
    PostgreSQL one `UPDATE … FROM … RETURNING` (every step's end, on the engine and the workers)."""
    from .models import Attempt, Run, Step

    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        if not update_if(Attempt, attempt_id, where, values):
            return None
        return attempt_step(attempt_id)
    meta, quote = Attempt._meta, connection.ops.quote_name
    sets = [(meta.get_field(name), value) for name, value in values.items()]
    conds = [(meta.get_field(name), value) for name, value in where.items()]
    step, run = quote(Step._meta.db_table), quote(Run._meta.db_table)
    sql = (f"UPDATE {quote(meta.db_table)} a SET {', '.join(f'{quote(f.column)} = %s' for f, _ in sets)} "
           f"FROM {step} s JOIN {run} r ON r.{quote('id')} = s.{quote('run_id')} "
           f"WHERE a.{quote('id')} = %s AND s.{quote('id')} = a.{quote('step_id')}"
           + "".join(f" AND a.{quote(f.column)} = %s" for f, _ in conds)
           + f" RETURNING s.{quote('id')}, s.{quote('run_id')}, s.{quote('node_id')}, s.{quote('cache_key')}, "
             f"r.{quote('workspace_id')}")
    params = [f.get_db_prep_save(v, connection) for f, v in sets] + [attempt_id] + \
             [f.get_db_prep_value(v, connection, prepared=False) for f, v in conds]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def attempt_step(attempt_id: int) -> tuple[int, int, str, str, int] | None:
    """(step id, run id, node id, cache key, workspace id) of the attempt's step, in one join."""
    from .models import Attempt, Run, Step

    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    attempt, step, run = (quote(m._meta.db_table) for m in (Attempt, Step, Run))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT s.{quote('id')}, s.{quote('run_id')}, s.{quote('node_id')}, s.{quote('cache_key')}, "
                       f"r.{quote('workspace_id')} FROM {step} s JOIN {run} r ON r.{quote('id')} = s.{quote('run_id')} "
                       f"JOIN {attempt} a ON a.{quote('step_id')} = s.{quote('id')} WHERE a.{quote('id')} = %s",
                       [attempt_id])
        return cursor.fetchone()
