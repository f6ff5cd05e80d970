"""The embedded mode's SQLite backend hands a closed connection to the next request, with no
transaction left open and foreign keys on, instead of opening the file again."""
from __future__ import annotations

import sqlite3

import pytest
from django.db import connection, connections

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "sqlite", reason="config/sqlite_pooled is the embedded mode's SQLite "
                                                                 "backend; scaled mode runs PostgreSQL")]


def fresh():
    """A connection of the default database as a new request gets one (its own wrapper)."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    return wrapper


def test_the_next_request_gets_the_connection_the_last_one_closed():
    first = fresh()
    raw = first.connection
    first.close()
    second = fresh()
    try:
        assert second.connection is raw
    finally:
        second.close()


def test_a_connection_comes_back_without_the_transaction_its_last_user_left_open_and_with_foreign_keys():
    first = fresh()
    first.connection.execute("PRAGMA foreign_keys = OFF")  # as disable_constraint_checking() does
    first.connection.execute("BEGIN")
    first.connection.execute("CREATE TEMP TABLE left_behind (x)")
    first.close()
    second = fresh()
    try:
        assert not second.connection.in_transaction
        with pytest.raises(sqlite3.OperationalError):
            second.connection.execute("SELECT * FROM left_behind")
        assert second.connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        second.close()
