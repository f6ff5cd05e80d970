"""Row writes on the engine's hot path as single plain statements: the same values Django's
save() would write, each adapted by its own model field, without the model-save machinery."""
from __future__ import annotations

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
