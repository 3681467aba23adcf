"""Inbound webhooks, the exception queue, provider health and routing rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, and_, case, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ledgerline.domain.circuit import Circuit, CircuitState, Window
from ledgerline.domain.routing import ProviderWeight, RoutingRule
from ledgerline.store.tables import (
    circuit_breakers,
    exceptions,
    inbound_webhooks,
    provider_calls,
    routing_rules,
)

FAILURE_OUTCOMES = ("retryable", "unknown")


class WebhookRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def store_raw(
        self, *, provider: str, headers: dict[str, str], body: str, now: dt.datetime
    ) -> int:
        row = self._c.execute(
            insert(inbound_webhooks)
            .values(
                provider=provider, received_at=now, headers=headers, body=body, status="received"
            )
            .returning(inbound_webhooks.c.id)
        ).one()
        return int(row.id)

    def mark(
        self,
        webhook_id: int,
        *,
        status: str,
        reason: str | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status, "reason": reason}
        if now is not None:
            values["processed_at"] = now
        self._c.execute(
            update(inbound_webhooks).where(inbound_webhooks.c.id == webhook_id).values(**values)
        )

    def accept(self, webhook_id: int, *, event_id: str, event: dict[str, Any]) -> int | None:
        """Attach the verified event; returns the id of an earlier delivery of it, if any."""
        earlier = self._c.execute(
            select(inbound_webhooks.c.id).where(
                inbound_webhooks.c.provider
                == select(inbound_webhooks.c.provider)
                .where(inbound_webhooks.c.id == webhook_id)
                .scalar_subquery(),
                inbound_webhooks.c.event_id == event_id,
            )
        ).first()
        if earlier is not None:
            self._c.execute(
                update(inbound_webhooks)
                .where(inbound_webhooks.c.id == webhook_id)
                .values(
                    status="duplicate",
                    duplicate_of=earlier.id,
                    event=event,
                    reason=f"event {event_id} already received",
                )
            )
            return int(earlier.id)
        self._c.execute(
            update(inbound_webhooks)
            .where(inbound_webhooks.c.id == webhook_id)
            .values(status="queued", event_id=event_id, event=event)
        )
        return None

    def get(self, webhook_id: int) -> dict[str, Any] | None:
        row = self._c.execute(
            select(inbound_webhooks).where(inbound_webhooks.c.id == webhook_id)
        ).first()
        return dict(row._mapping) if row else None

    def counts(self) -> dict[str, int]:
        rows = self._c.execute(
            select(inbound_webhooks.c.status, func.count()).group_by(inbound_webhooks.c.status)
        )
        return {r[0]: int(r[1]) for r in rows}


class ExceptionRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def open(
        self,
        *,
        exception_id: str,
        kind: str,
        merchant_id: str | None,
        subject_type: str,
        subject_id: str,
        reason: str,
        now: dt.datetime,
    ) -> bool:
        """Open an exception unless one of this kind is already open for the subject."""
        dialect = postgresql if self._c.dialect.name == "postgresql" else sqlite
        row = self._c.execute(
            dialect.insert(exceptions)
            .values(
                id=exception_id,
                kind=kind,
                merchant_id=merchant_id,
                subject_type=subject_type,
                subject_id=subject_id,
                reason=reason,
                status="open",
                opened_at=now,
                open_key=f"{kind}:{subject_id}",
            )
            .on_conflict_do_nothing()
            .returning(exceptions.c.id)
        ).first()
        return row is not None

    def resolve(
        self,
        *,
        exception_id: str,
        note: str,
        by: str,
        now: dt.datetime,
        merchant_id: str | None = None,
    ) -> bool:
        query = update(exceptions).where(
            exceptions.c.id == exception_id, exceptions.c.status == "open"
        )
        if merchant_id is not None:
            query = query.where(exceptions.c.merchant_id == merchant_id)
        result = self._c.execute(
            query.values(
                status="resolved",
                resolved_at=now,
                resolution_note=note,
                resolved_by=by,
                open_key=None,
            )
        )
        return result.rowcount == 1

    def resolve_for_subject(
        self, *, subject_id: str, kinds: list[str], note: str, now: dt.datetime
    ) -> int:
        result = self._c.execute(
            update(exceptions)
            .where(
                exceptions.c.subject_id == subject_id,
                exceptions.c.status == "open",
                exceptions.c.kind.in_(kinds),
            )
            .values(
                status="resolved",
                resolved_at=now,
                resolution_note=note,
                resolved_by="ledgerline",
                open_key=None,
            )
        )
        return int(result.rowcount)

    def get(self, exception_id: str) -> dict[str, Any] | None:
        row = self._c.execute(select(exceptions).where(exceptions.c.id == exception_id)).first()
        return dict(row._mapping) if row else None

    def page(
        self,
        *,
        merchant_id: str | None,
        status: str | None,
        kind: str | None,
        opened_before: dt.datetime | None,
        after_id: str | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        query = select(exceptions)
        if merchant_id is not None:
            query = query.where(exceptions.c.merchant_id == merchant_id)
        if status is not None:
            query = query.where(exceptions.c.status == status)
        if kind is not None:
            query = query.where(exceptions.c.kind == kind)
        if opened_before is not None:
            query = query.where(exceptions.c.opened_at < opened_before)
        if after_id is not None:
            query = query.where(exceptions.c.id < after_id)
        rows = self._c.execute(query.order_by(exceptions.c.id.desc()).limit(limit))
        return [dict(r._mapping) for r in rows]


class ProviderHealthRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def record_call(
        self,
        *,
        provider: str,
        operation: str,
        outcome: str,
        latency_ms: int,
        http_status: int | None,
        now: dt.datetime,
    ) -> None:
        self._c.execute(
            insert(provider_calls).values(
                provider=provider,
                operation=operation,
                at=now,
                outcome=outcome,
                latency_ms=latency_ms,
                http_status=http_status,
            )
        )

    def window(self, provider: str, *, since: dt.datetime) -> Window:
        failed = func.sum(case((provider_calls.c.outcome.in_(FAILURE_OUTCOMES), 1), else_=0))
        row = self._c.execute(
            select(func.count().label("calls"), failed.label("failures")).where(
                provider_calls.c.provider == provider, provider_calls.c.at >= since
            )
        ).one()
        return Window(calls=int(row.calls or 0), failures=int(row.failures or 0))

    def latencies_ms(self, provider: str, *, since: dt.datetime) -> list[int]:
        rows = self._c.execute(
            select(provider_calls.c.latency_ms).where(
                provider_calls.c.provider == provider, provider_calls.c.at >= since
            )
        )
        return sorted(int(r.latency_ms) for r in rows)

    def outcome_counts(self, provider: str, *, since: dt.datetime) -> dict[str, int]:
        rows = self._c.execute(
            select(provider_calls.c.outcome, func.count())
            .where(provider_calls.c.provider == provider, provider_calls.c.at >= since)
            .group_by(provider_calls.c.outcome)
        )
        return {r[0]: int(r[1]) for r in rows}

    def circuit(self, provider: str, *, for_update: bool = False) -> Circuit | None:
        query = select(circuit_breakers).where(circuit_breakers.c.provider == provider)
        if for_update and self._c.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._c.execute(query).first()
        return Circuit(CircuitState(row.state), row.changed_at, row.reason) if row else None

    def save_circuit(self, provider: str, circuit: Circuit) -> None:
        dialect = postgresql if self._c.dialect.name == "postgresql" else sqlite
        values = dict(
            state=circuit.state.value, changed_at=circuit.changed_at, reason=circuit.reason
        )
        self._c.execute(
            dialect.insert(circuit_breakers)
            .values(provider=provider, **values)
            .on_conflict_do_update(index_elements=[circuit_breakers.c.provider], set_=values)
        )

    def prune_calls(self, *, before: dt.datetime) -> int:

        return int(
            self._c.execute(delete(provider_calls).where(provider_calls.c.at < before)).rowcount
        )


class RoutingRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, rule: RoutingRule, *, merchant_id: str, now: dt.datetime) -> None:
        self._c.execute(
            insert(routing_rules).values(
                id=rule.id,
                merchant_id=merchant_id,
                priority=rule.priority,
                currency=rule.currency,
                method_prefix=rule.method_prefix,
                amount_min_minor=rule.amount_min_minor,
                amount_max_minor=rule.amount_max_minor,
                providers=[{"name": p.name, "weight": p.weight} for p in rule.providers],
                created_at=now,
            )
        )

    def for_merchant(self, merchant_id: str) -> list[RoutingRule]:
        rows = self._c.execute(
            select(routing_rules)
            .where(routing_rules.c.merchant_id == merchant_id)
            .order_by(routing_rules.c.priority)
        )
        return [
            RoutingRule(
                id=r.id,
                priority=r.priority,
                currency=r.currency,
                method_prefix=r.method_prefix,
                amount_min_minor=r.amount_min_minor,
                amount_max_minor=r.amount_max_minor,
                providers=tuple(ProviderWeight(p["name"], int(p["weight"])) for p in r.providers),
            )
            for r in rows
        ]

    def remove(self, *, merchant_id: str, rule_id: str) -> bool:

        result = self._c.execute(
            delete(routing_rules).where(
                and_(routing_rules.c.id == rule_id, routing_rules.c.merchant_id == merchant_id)
            )
        )
        return result.rowcount == 1
