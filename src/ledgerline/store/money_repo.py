"""Refunds, payouts and pricing rules: rows in, domain records out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, or_, select, update

from ledgerline.domain.fees import PricingRule
from ledgerline.domain.money import Money
from ledgerline.domain.movements import Payout, Refund
from ledgerline.domain.states import (
    ATTEMPT_TRANSITIONS,
    PAYOUT_TRANSITIONS,
    AttemptStatus,
    PayoutStatus,
    RefundStatus,
)
from ledgerline.store.tables import payouts, pricing_rules, refunds

_INSERT_REFUND = insert(refunds)
_INSERT_PAYOUT = insert(payouts)


def _refund(row: Any) -> Refund:
    return Refund(
        id=row.id,
        merchant_id=row.merchant_id,
        payment_id=row.payment_id,
        amount=Money(amount_minor=row.amount_minor, currency=row.currency),
        status=RefundStatus(row.status),
        attempt_status=AttemptStatus(row.attempt_status),
        charge_reference=row.charge_reference,
        provider=row.provider,
        created_at=row.created_at,
        updated_at=row.updated_at,
        provider_reference=row.provider_reference,
        error_code=row.error_code,
        provider_code=row.provider_code,
        evidence=row.evidence,
        reason=row.reason,
        metadata=dict(row.metadata),
    )


def _payout(row: Any) -> Payout:
    return Payout(
        id=row.id,
        merchant_id=row.merchant_id,
        amount=Money(amount_minor=row.amount_minor, currency=row.currency),
        status=PayoutStatus(row.status),
        provider=row.provider,
        destination_type=row.destination_type,
        destination_masked=row.destination_masked,
        destination_sealed=row.destination_sealed,
        created_at=row.created_at,
        updated_at=row.updated_at,
        attempt_status=AttemptStatus(row.attempt_status) if row.attempt_status else None,
        provider_reference=row.provider_reference,
        error_code=row.error_code,
        provider_code=row.provider_code,
        evidence=row.evidence,
        description=row.description,
    )


def _page(table: Any, *, merchant_id: str, limit: int, after: Any, extra: list[Any]) -> Any:
    query = select(table).where(table.c.merchant_id == merchant_id, *extra)
    if after is not None:
        query = query.where(
            or_(
                table.c.created_at < after.created_at,
                and_(table.c.created_at == after.created_at, table.c.id < after.id),
            )
        )
    return query.order_by(table.c.created_at.desc(), table.c.id.desc()).limit(limit)


class RefundRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, refund: Refund, *, idempotency_key: str | None) -> None:
        self._c.execute(
            _INSERT_REFUND,
            {
                "id": refund.id,
                "merchant_id": refund.merchant_id,
                "payment_id": refund.payment_id,
                "amount_minor": refund.amount.amount_minor,
                "currency": refund.amount.currency,
                "status": refund.status.value,
                "attempt_status": refund.attempt_status.value,
                "provider": refund.provider,
                "charge_reference": refund.charge_reference,
                "provider_reference": refund.provider_reference,
                "error_code": refund.error_code,
                "provider_code": refund.provider_code,
                "evidence": refund.evidence,
                "reason": refund.reason,
                "metadata": refund.metadata,
                "idempotency_key": idempotency_key,
                "created_at": refund.created_at,
                "updated_at": refund.updated_at,
            },
        )

    def get(self, refund_id: str, *, merchant_id: str | None = None) -> Refund | None:
        query = select(refunds).where(refunds.c.id == refund_id)
        if merchant_id is not None:
            query = query.where(refunds.c.merchant_id == merchant_id)
        row = self._c.execute(query).first()
        return _refund(row) if row else None

    def by_idempotency_key(self, merchant_id: str, key: str) -> Refund | None:
        row = self._c.execute(
            select(refunds).where(
                refunds.c.merchant_id == merchant_id, refunds.c.idempotency_key == key
            )
        ).first()
        return _refund(row) if row else None

    def for_payment(self, payment_id: str) -> list[Refund]:
        rows = self._c.execute(
            select(refunds).where(refunds.c.payment_id == payment_id).order_by(refunds.c.created_at)
        )
        return [_refund(r) for r in rows]

    def save(self, refund: Refund) -> None:
        """Persist a change; the stored attempt status must be a legal predecessor (or equal)."""
        allowed = [
            s.value
            for s, targets in ATTEMPT_TRANSITIONS.items()
            if refund.attempt_status in targets
        ]
        allowed.append(refund.attempt_status.value)
        result = self._c.execute(
            update(refunds)
            .where(refunds.c.id == refund.id, refunds.c.attempt_status.in_(allowed))
            .values(
                status=refund.status.value,
                attempt_status=refund.attempt_status.value,
                provider_reference=refund.provider_reference,
                error_code=refund.error_code,
                provider_code=refund.provider_code,
                evidence=refund.evidence,
                updated_at=refund.updated_at,
            )
        )
        assert result.rowcount == 1, refund.id

    def page(
        self, *, merchant_id: str, limit: int, after: Refund | None, payment_id: str | None
    ) -> list[Refund]:
        extra = [refunds.c.payment_id == payment_id] if payment_id else []
        return [
            _refund(r)
            for r in self._c.execute(
                _page(refunds, merchant_id=merchant_id, limit=limit, after=after, extra=extra)
            )
        ]


class PayoutRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection
        self._lock = connection.dialect.name == "postgresql"

    def add(self, payout: Payout, *, idempotency_key: str | None) -> None:
        self._c.execute(
            _INSERT_PAYOUT,
            {
                "id": payout.id,
                "merchant_id": payout.merchant_id,
                "amount_minor": payout.amount.amount_minor,
                "currency": payout.amount.currency,
                "status": payout.status.value,
                "attempt_status": payout.attempt_status.value if payout.attempt_status else None,
                "provider": payout.provider,
                "provider_reference": payout.provider_reference,
                "error_code": payout.error_code,
                "provider_code": payout.provider_code,
                "evidence": payout.evidence,
                "destination_type": payout.destination_type,
                "destination_masked": payout.destination_masked,
                "destination_sealed": payout.destination_sealed,
                "description": payout.description,
                "idempotency_key": idempotency_key,
                "created_at": payout.created_at,
                "updated_at": payout.updated_at,
            },
        )

    def get(
        self, payout_id: str, *, merchant_id: str | None = None, for_update: bool = False
    ) -> Payout | None:
        query = select(payouts).where(payouts.c.id == payout_id)
        if merchant_id is not None:
            query = query.where(payouts.c.merchant_id == merchant_id)
        if for_update and self._lock:
            query = query.with_for_update()
        row = self._c.execute(query).first()
        return _payout(row) if row else None

    def by_idempotency_key(self, merchant_id: str, key: str) -> Payout | None:
        row = self._c.execute(
            select(payouts).where(
                payouts.c.merchant_id == merchant_id, payouts.c.idempotency_key == key
            )
        ).first()
        return _payout(row) if row else None

    def save(self, payout: Payout) -> None:
        """The stored status must be a legal predecessor of the new one, or the same status."""
        allowed = [s.value for s, targets in PAYOUT_TRANSITIONS.items() if payout.status in targets]
        allowed.append(payout.status.value)
        result = self._c.execute(
            update(payouts)
            .where(payouts.c.id == payout.id, payouts.c.status.in_(allowed))
            .values(
                status=payout.status.value,
                attempt_status=payout.attempt_status.value if payout.attempt_status else None,
                provider_reference=payout.provider_reference,
                error_code=payout.error_code,
                provider_code=payout.provider_code,
                evidence=payout.evidence,
                updated_at=payout.updated_at,
            )
        )
        assert result.rowcount == 1, payout.id

    def page(
        self, *, merchant_id: str, limit: int, after: Payout | None, status: PayoutStatus | None
    ) -> list[Payout]:
        extra = [payouts.c.status == status.value] if status else []
        return [
            _payout(r)
            for r in self._c.execute(
                _page(payouts, merchant_id=merchant_id, limit=limit, after=after, extra=extra)
            )
        ]

    def stale(self, status: PayoutStatus, *, before: dt.datetime, limit: int) -> list[Payout]:
        query = (
            select(payouts)
            .where(payouts.c.status == status.value, payouts.c.updated_at < before)
            .order_by(payouts.c.updated_at)
            .limit(limit)
        )
        return [_payout(r) for r in self._c.execute(query)]


class PricingRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, rule: PricingRule, *, merchant_id: str, now: dt.datetime) -> None:
        self._c.execute(
            insert(pricing_rules).values(
                id=rule.id,
                merchant_id=merchant_id,
                provider=rule.provider,
                method_prefix=rule.method_prefix,
                bps=rule.bps,
                fixed_minor=rule.fixed.amount_minor if rule.fixed else None,
                currency=rule.fixed.currency if rule.fixed else None,
                created_at=now,
            )
        )

    def for_merchant(self, merchant_id: str) -> list[PricingRule]:
        rows = self._c.execute(
            select(pricing_rules).where(pricing_rules.c.merchant_id == bindparam("m")),
            {"m": merchant_id},
        )
        return [
            PricingRule(
                id=r.id,
                bps=r.bps,
                provider=r.provider,
                method_prefix=r.method_prefix,
                fixed=Money(amount_minor=r.fixed_minor, currency=r.currency)
                if r.fixed_minor is not None
                else None,
            )
            for r in rows
        ]
