"""Outbound webhook endpoints, their delivery log, and the events API reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ledgerline.store.tables import events, webhook_deliveries, webhook_endpoints


class OutboundRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add_endpoint(self, row: dict[str, Any]) -> None:
        self._c.execute(insert(webhook_endpoints).values(**row))

    def endpoint(
        self, endpoint_id: str, *, merchant_id: str | None = None
    ) -> dict[str, Any] | None:
        query = select(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id)
        if merchant_id is not None:
            query = query.where(webhook_endpoints.c.merchant_id == merchant_id)
        row = self._c.execute(query).first()
        return dict(row._mapping) if row else None

    def endpoints(self, merchant_id: str, *, enabled_only: bool = False) -> list[dict[str, Any]]:
        query = select(webhook_endpoints).where(webhook_endpoints.c.merchant_id == merchant_id)
        if enabled_only:
            query = query.where(webhook_endpoints.c.status == "enabled")
        return [
            dict(r._mapping)
            for r in self._c.execute(query.order_by(webhook_endpoints.c.created_at))
        ]

    def update_endpoint(self, endpoint_id: str, **values: Any) -> None:
        self._c.execute(
            update(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id).values(**values)
        )

    def delete_endpoint(self, endpoint_id: str) -> None:
        self._c.execute(
            update(webhook_endpoints)
            .where(webhook_endpoints.c.id == endpoint_id)
            .values(status="deleted", disabled_reason="deleted by the merchant")
        )

    def add_delivery(self, row: dict[str, Any]) -> None:
        self._c.execute(insert(webhook_deliveries).values(**row))

    def deliveries(
        self, endpoint_id: str, *, after_id: int | None, limit: int
    ) -> list[dict[str, Any]]:
        query = select(webhook_deliveries).where(webhook_deliveries.c.endpoint_id == endpoint_id)
        if after_id is not None:
            query = query.where(webhook_deliveries.c.id < after_id)
        return [
            dict(r._mapping)
            for r in self._c.execute(query.order_by(webhook_deliveries.c.id.desc()).limit(limit))
        ]

    def event(self, event_id: str, *, merchant_id: str | None = None) -> dict[str, Any] | None:
        query = select(events).where(events.c.id == event_id)
        if merchant_id is not None:
            query = query.where(events.c.merchant_id == merchant_id)
        row = self._c.execute(query).first()
        return dict(row._mapping) if row else None

    def events_page(
        self,
        merchant_id: str,
        *,
        type: str | None,
        created_gte: dt.datetime | None,
        created_lt: dt.datetime | None,
        before_seq: int | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        query = select(events).where(events.c.merchant_id == merchant_id)
        if type is not None:
            query = query.where(events.c.type == type)
        if created_gte is not None:
            query = query.where(events.c.created_at >= created_gte)
        if created_lt is not None:
            query = query.where(events.c.created_at < created_lt)
        if before_seq is not None:
            query = query.where(events.c.seq < before_seq)
        return [
            dict(r._mapping)
            for r in self._c.execute(query.order_by(events.c.seq.desc()).limit(limit))
        ]
