"""Append-only records: outbox events, payment timelines and idempotency keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ledgerline.services.ports import StoredKey
from ledgerline.store.tables import events, idempotency_keys, timeline

_INSERT_EVENT = insert(events)
_INSERT_TIMELINE = insert(timeline)


class EventRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(
        self,
        *,
        event_id: str,
        merchant_id: str,
        type: str,
        object_type: str,
        object_id: str,
        data: dict[str, Any],
        now: dt.datetime,
    ) -> None:
        self._c.execute(
            _INSERT_EVENT,
            dict(
                id=event_id,
                merchant_id=merchant_id,
                type=type,
                object_type=object_type,
                object_id=object_id,
                data=data,
                created_at=now,
            ),
        )

    def for_object(self, object_id: str) -> list[dict[str, Any]]:
        rows = self._c.execute(
            select(events).where(events.c.object_id == object_id).order_by(events.c.seq)
        )
        return [dict(r._mapping) for r in rows]


class TimelineRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(
        self,
        *,
        payment_id: str,
        at: dt.datetime,
        kind: str,
        summary: str,
        data: dict[str, Any] | None = None,
    ) -> None:
        self._c.execute(
            _INSERT_TIMELINE,
            dict(payment_id=payment_id, at=at, kind=kind, summary=summary, data=data or {}),
        )

    def for_payment(self, payment_id: str) -> list[dict[str, Any]]:
        rows = self._c.execute(
            select(timeline).where(timeline.c.payment_id == payment_id).order_by(timeline.c.seq)
        )
        return [dict(r._mapping) for r in rows]


class IdempotencyRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def get(self, merchant_id: str, key: str) -> StoredKey | None:
        row = self._c.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.merchant_id == merchant_id, idempotency_keys.c.key == key
            )
        ).first()
        if row is None:
            return None
        return StoredKey(
            row.fingerprint, row.status, row.locked_at, row.response_status, row.response_body
        )

    def try_lock(
        self,
        *,
        merchant_id: str,
        key: str,
        fingerprint: str,
        now: dt.datetime,
        stale_before: dt.datetime,
    ) -> bool:
        """Claim the key for one request: insert it, or take over an in-flight one whose
        request died (locked before `stale_before`). False when someone else holds it."""
        dialect = postgresql if self._c.dialect.name == "postgresql" else sqlite
        inserted = self._c.execute(
            dialect.insert(idempotency_keys)
            .values(
                merchant_id=merchant_id,
                key=key,
                fingerprint=fingerprint,
                status="in_flight",
                locked_at=now,
                created_at=now,
            )
            .on_conflict_do_nothing()
            .returning(idempotency_keys.c.id)  # rowcount is not reliable for ON CONFLICT inserts
        ).first()
        if inserted is not None:
            return True
        taken = self._c.execute(
            self._where(update(idempotency_keys), merchant_id, key)
            .where(
                idempotency_keys.c.status == "in_flight",
                idempotency_keys.c.locked_at < stale_before,
            )
            .values(locked_at=now)
        )
        return taken.rowcount == 1

    def finish(
        self, *, merchant_id: str, key: str, response_status: int, response_body: str
    ) -> None:
        self._c.execute(
            self._where(update(idempotency_keys), merchant_id, key).values(
                status="done",
                locked_at=None,
                response_status=response_status,
                response_body=response_body,
            )
        )

    def release(self, *, merchant_id: str, key: str) -> None:
        """Forget an in-flight key whose request failed on our side, so the client may retry."""
        self._c.execute(
            self._where(delete(idempotency_keys), merchant_id, key).where(
                idempotency_keys.c.status == "in_flight"
            )
        )

    def purge_before(self, cutoff: dt.datetime) -> int:
        result = self._c.execute(
            delete(idempotency_keys).where(
                idempotency_keys.c.created_at < cutoff, idempotency_keys.c.status == "done"
            )
        )
        return int(result.rowcount)

    @staticmethod
    def _where(stmt: Any, merchant_id: str, key: str) -> Any:
        return stmt.where(
            idempotency_keys.c.merchant_id == merchant_id, idempotency_keys.c.key == key
        )
