"""The simulator's own record of what it really did, in SQLite (stdlib only)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3
import threading
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    provider TEXT NOT NULL,
    kind TEXT NOT NULL,              -- charge | refund | payout
    idempotency_key TEXT NOT NULL,
    id TEXT NOT NULL UNIQUE,         -- ch_..., re_..., po_...
    status TEXT NOT NULL,            -- succeeded | declined | failed
    decline_code TEXT,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    reference TEXT,
    payment_method TEXT,
    charge_id TEXT,
    request_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (provider, kind, idempotency_key)
);
CREATE TABLE IF NOT EXISTS fences (
    provider TEXT NOT NULL, kind TEXT NOT NULL, idempotency_key TEXT NOT NULL, fenced_at TEXT NOT NULL,
    PRIMARY KEY (provider, kind, idempotency_key)
);
"""
PREFIX = {"charge": "ch", "refund": "re", "payout": "po"}


class Fenced(Exception):
    """The key was certified as never executed; it can never be executed now."""


class Mismatch(Exception):
    """The key was used before with a different request."""


class SimLedger:
    def __init__(self, path: str = ":memory:") -> None:
        # Re-entrant: deciding a refund reads the charge it refunds while the key is locked.
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.executescript(SCHEMA)

    def execute(
        self, *, provider: str, kind: str, key: str, request: dict[str, Any], decide: Any
    ) -> dict[str, Any]:
        """Run `decide()` once per (provider, kind, key) and store its result; replay it after.

        `decide` returns (status, decline_code). Raises `Fenced` or `Mismatch`.
        """
        request_hash = json.dumps(request, sort_keys=True)
        with self._lock:
            row = self._get(provider, kind, key)
            if row is not None:
                if row["request_hash"] != request_hash:
                    raise Mismatch(key)
                return self._public(row)
            if self._db.execute(
                "SELECT 1 FROM fences WHERE provider=? AND kind=? AND idempotency_key=?",
                (provider, kind, key),
            ).fetchone():
                raise Fenced(key)
            status, decline_code = decide()
            record = {
                "provider": provider,
                "kind": kind,
                "idempotency_key": key,
                "id": f"{PREFIX[kind]}_{secrets.token_hex(10)}",
                "status": status,
                "decline_code": decline_code,
                "amount_minor": int(request["amount_minor"]),
                "currency": request["currency"],
                "reference": request.get("reference"),
                "payment_method": request.get("payment_method"),
                "charge_id": request.get("charge_id"),
                "request_hash": request_hash,
                "created_at": dt.datetime.now(dt.UTC).isoformat(),
            }
            self._db.execute(
                f"INSERT INTO records ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
                tuple(record.values()),
            )
            return self._public(record)

    def inquire(self, *, provider: str, kind: str, key: str) -> dict[str, Any] | None:
        """The record for `key`, or None — in which case the key is fenced for good."""
        with self._lock:
            row = self._get(provider, kind, key)
            if row is None:
                self._db.execute(
                    "INSERT OR IGNORE INTO fences VALUES (?, ?, ?, ?)",
                    (provider, kind, key, dt.datetime.now(dt.UTC).isoformat()),
                )
            return row

    def refunded_minor(self, provider: str, charge_id: str) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT COALESCE(SUM(amount_minor), 0) FROM records WHERE provider=? AND kind='refund' "
                "AND charge_id=? AND status='succeeded'",
                (provider, charge_id),
            ).fetchone()
            return int(row[0])

    def charge_by_id(self, provider: str, charge_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM records WHERE provider=? AND kind='charge' AND id=?",
                (provider, charge_id),
            ).fetchone()
            return self._public(dict(row)) if row else None

    def records(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM records ORDER BY created_at, id").fetchall()
            return [self._public(dict(r)) for r in rows]

    def reset(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM records")
            self._db.execute("DELETE FROM fences")

    def _get(self, provider: str, kind: str, key: str) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT * FROM records WHERE provider=? AND kind=? AND idempotency_key=?",
            (provider, kind, key),
        ).fetchone()
        return self._public(dict(row)) | {"request_hash": row["request_hash"]} if row else None

    @staticmethod
    def _public(record: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in record.items() if k != "request_hash"}
