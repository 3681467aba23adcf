"""Engines for the embedded SQLite default and for PostgreSQL."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

# A writer waits this long for SQLite's single write lock before giving up; API requests and
# worker ticks are short, so contention clears well within it.
SQLITE_BUSY_TIMEOUT_MS = 15_000
POOL_SIZE = 10
READ_ONLY = "ledgerline_read_only"  # execution option: a transaction that never writes


def make_engine(database_url: str) -> Engine:
    """An engine with the pragmas and pool this project relies on. Creates SQLite's folder."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(database_url, url.database)
    return create_engine(database_url, pool_size=POOL_SIZE, max_overflow=20, pool_pre_ping=True)


def _sqlite_engine(database_url: str, path: str | None) -> Engine:
    assert path and path != ":memory:", "the embedded store is a file: WAL needs one"
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        database_url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        pool_size=POOL_SIZE,
        max_overflow=20,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; WAL keeps it safe
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    # SQLite has one writer at a time. Threads of this process queue on a mutex, which wakes
    # the next one at once; left to SQLite's busy handler they would sleep in steps of up to
    # 100 ms and throughput would collapse under contention. Other processes still meet
    # SQLite's own lock and busy timeout.
    writer = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")  # WAL readers never block or wait
            return
        if not writer.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise TimeoutError("waited too long for the SQLite write lock")
        connection.info["ledgerline_writer"] = True
        try:
            # IMMEDIATE takes the write lock up front: a deferred transaction that later
            # writes fails at once with SQLITE_BUSY instead of waiting its turn.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(connection)
            raise

    def _release(connection: Any, *_args: Any) -> None:
        if connection.info.pop("ledgerline_writer", False):
            writer.release()

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)
    return engine


def is_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
