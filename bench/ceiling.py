"""The raw engine limit: single-row INSERT + COMMIT in a loop, with the same durability settings
the engine uses (SQLite WAL with synchronous=NORMAL; PostgreSQL defaults). Every payment needs
several such commits, so this is the ceiling any payments/s figure is compared against."""

from __future__ import annotations

import time

from sqlalchemy import Engine, text

ROWS = 3000


def insert_commit_per_s(engine: Engine, *, rows: int = ROWS) -> float:
    with engine.connect() as c:
        c.execute(text("DROP TABLE IF EXISTS bench_ceiling"))
        c.execute(
            text(
                "CREATE TABLE bench_ceiling (id INTEGER PRIMARY KEY, payload VARCHAR(64) NOT NULL)"
            )
        )
        c.commit()
    started = time.perf_counter()
    with engine.connect() as c:
        for i in range(rows):
            c.execute(
                text("INSERT INTO bench_ceiling (id, payload) VALUES (:id, :p)"),
                {"id": i, "p": f"row-{i}"},
            )
            c.commit()
    elapsed_s = time.perf_counter() - started
    with engine.connect() as c:
        c.execute(text("DROP TABLE bench_ceiling"))
        c.commit()
    return rows / elapsed_s
