"""Django's SQLite backend with the connections of a process kept and handed out again: under ASGI
every request runs in a thread and context of its own, so CONN_MAX_AGE never reuses a connection
and each request would open the file, set its pragmas and register Django's functions anew."""
from __future__ import annotations

import os
import threading

from django.db.backends.sqlite3 import base

IDLE_MAX = 8  # idle connections kept per database file; more are closed


class _Pool:
    """Idle sqlite3 connections of one database file. A connection is in one Django wrapper at a
    time (taken out of here until that wrapper closes it); sqlite3 connections are opened with
    check_same_thread=False by Django, so the next user may be another thread."""

    def __init__(self) -> None:
        self.idle: list = []
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            return self.idle.pop() if self.idle else None

    def give(self, conn) -> bool:
        with self.lock:
            if len(self.idle) < IDLE_MAX:
                self.idle.append(conn)
                return True
        return False


_pools: dict[str, _Pool] = {}
_pools_lock = threading.Lock()


def _forget_in_child() -> None:
    # a forked child must not use (or close) its parent's connections
    _pools.clear()


os.register_at_fork(after_in_child=_forget_in_child)


class DatabaseWrapper(base.DatabaseWrapper):
    def _pool(self) -> _Pool | None:
        if self.is_in_memory_db():
            return None  # closing one is dropping the database: never shared
        name = str(self.settings_dict["NAME"])
        with _pools_lock:
            return _pools.setdefault(name, _Pool())

    def get_new_connection(self, conn_params):
        pool = self._pool()
        conn = pool.take() if pool is not None else None
        if conn is None:
            return super().get_new_connection(conn_params)
        # what a new connection would have: its pragmas hold; foreign keys may have been turned off
        # by whoever held it (disable_constraint_checking), so turn them on again
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _close(self):
        conn, pool = self.connection, self._pool()
        if conn is None or pool is None:
            return super()._close()
        with self.wrap_database_errors:
            try:
                if conn.in_transaction:
                    conn.rollback()  # a connection goes back with no transaction open
            except Exception:
                conn.close()
                raise
            if not pool.give(conn):
                conn.close()
