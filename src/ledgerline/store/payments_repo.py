"""Payments, attempts, merchants and API keys: rows in, domain records out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, func, insert, or_, select, update

from ledgerline.domain.money import Money
from ledgerline.domain.payments import Attempt, Payment
from ledgerline.domain.states import (
    ATTEMPT_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    AttemptStatus,
    PaymentStatus,
)
from ledgerline.store.tables import api_keys, attempts, merchants, payments


def _payment(row: Any) -> Payment:
    return Payment(
        id=row.id,
        merchant_id=row.merchant_id,
        amount=Money(amount_minor=row.amount_minor, currency=row.currency),
        status=PaymentStatus(row.status),
        payment_method=row.payment_method,
        created_at=row.created_at,
        updated_at=row.updated_at,
        description=row.description,
        customer_id=row.customer_id,
        customer_email=row.customer_email,
        metadata=dict(row.metadata),
        last_error_code=row.last_error_code,
        public_token=row.public_token,
        route=tuple(row.route or ()),
        fee=Money(amount_minor=row.fee_minor, currency=row.currency)
        if row.fee_minor is not None
        else None,
    )


def _attempt(row: Any) -> Attempt:
    return Attempt(
        id=row.id,
        payment_id=row.payment_id,
        merchant_id=row.merchant_id,
        seq=row.seq,
        provider=row.provider,
        status=AttemptStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        provider_reference=row.provider_reference,
        error_code=row.error_code,
        provider_code=row.provider_code,
        evidence=row.evidence,
    )


_INSERT_PAYMENTS = insert(payments)
_INSERT_ATTEMPTS = insert(attempts)


def _get_payment(*, scoped: bool, locked: bool) -> Select[Any]:
    query = select(payments).where(payments.c.id == bindparam("b_id"))
    if scoped:
        query = query.where(payments.c.merchant_id == bindparam("b_merchant_id"))
    return query.with_for_update() if locked else query


# Built once per shape: building statements costs more than running them on SQLite.
_GET_PAYMENT = {
    (scoped, locked): _get_payment(scoped=scoped, locked=locked)
    for scoped in (True, False)
    for locked in (True, False)
}
_SAVE_PAYMENT = update(payments).where(
    payments.c.id == bindparam("b_id"), payments.c.status.in_(bindparam("b_from", expanding=True))
)
_SAVE_ATTEMPT = update(attempts).where(
    attempts.c.id == bindparam("b_id"), attempts.c.status.in_(bindparam("b_from", expanding=True))
)
_PAYMENT_PREDECESSORS = {
    status: [s.value for s, targets in PAYMENT_TRANSITIONS.items() if status in targets]
    for status in PaymentStatus
}
_ATTEMPT_PREDECESSORS = {
    status: [s.value for s, targets in ATTEMPT_TRANSITIONS.items() if status in targets]
    for status in AttemptStatus
}
_GET_ATTEMPT = select(attempts).where(attempts.c.id == bindparam("b_id"))
_ATTEMPTS_OF = (
    select(attempts)
    .where(attempts.c.payment_id == bindparam("b_payment_id"))
    .order_by(attempts.c.seq)
)


class PaymentRepository:
    def __init__(self, connection: Connection, *, lock: bool) -> None:
        self._c = connection
        self._lock = lock  # SELECT ... FOR UPDATE where the database has row locks

    def add(self, payment: Payment, *, idempotency_key: str | None) -> None:
        self._c.execute(
            _INSERT_PAYMENTS,
            dict(
                id=payment.id,
                merchant_id=payment.merchant_id,
                amount_minor=payment.amount.amount_minor,
                currency=payment.amount.currency,
                status=payment.status.value,
                payment_method=payment.payment_method,
                description=payment.description,
                customer_id=payment.customer_id,
                customer_email=payment.customer_email,
                metadata=payment.metadata,
                last_error_code=payment.last_error_code,
                public_token=payment.public_token,
                route=list(payment.route),
                idempotency_key=idempotency_key,
                created_at=payment.created_at,
                updated_at=payment.updated_at,
            ),
        )

    def get(
        self, payment_id: str, *, merchant_id: str | None = None, for_update: bool = False
    ) -> Payment | None:
        query = _GET_PAYMENT[(merchant_id is not None, for_update and self._lock)]
        row = self._c.execute(query, {"b_id": payment_id, "b_merchant_id": merchant_id}).first()
        return _payment(row) if row else None

    def by_idempotency_key(self, merchant_id: str, key: str) -> Payment | None:
        row = self._c.execute(
            select(payments).where(
                payments.c.merchant_id == merchant_id, payments.c.idempotency_key == key
            )
        ).first()
        return _payment(row) if row else None

    def save(self, payment: Payment) -> None:
        """Persist a status change. The stored status must still be one the table allows to lead
        to the new one: a concurrent writer that got there first fails this loudly instead of
        being silently overwritten (the transition rule, asserted a second time in SQL)."""
        result = self._c.execute(
            _SAVE_PAYMENT,
            {
                "b_id": payment.id,
                "b_from": _PAYMENT_PREDECESSORS[payment.status],
                "status": payment.status.value,
                "last_error_code": payment.last_error_code,
                "route": list(payment.route),
                "fee_minor": payment.fee.amount_minor if payment.fee else None,
                "updated_at": payment.updated_at,
            },
        )
        assert result.rowcount == 1, payment.id

    def page(
        self,
        *,
        merchant_id: str,
        limit: int,
        status: PaymentStatus | None = None,
        created_gte: dt.datetime | None = None,
        created_lt: dt.datetime | None = None,
        after: Payment | None = None,
    ) -> list[Payment]:
        """Newest first, like Stripe; `after` is the last object of the previous page."""
        query = select(payments).where(payments.c.merchant_id == merchant_id)
        if status is not None:
            query = query.where(payments.c.status == status.value)
        if created_gte is not None:
            query = query.where(payments.c.created_at >= created_gte)
        if created_lt is not None:
            query = query.where(payments.c.created_at < created_lt)
        if after is not None:
            query = query.where(
                or_(
                    payments.c.created_at < after.created_at,
                    and_(payments.c.created_at == after.created_at, payments.c.id < after.id),
                )
            )
        query = query.order_by(payments.c.created_at.desc(), payments.c.id.desc()).limit(limit)
        return [_payment(r) for r in self._c.execute(query)]

    def stale(self, status: PaymentStatus, *, before: dt.datetime, limit: int) -> list[Payment]:
        """Payments in `status` whose last change is older than `before`, oldest first."""
        query = (
            select(payments)
            .where(payments.c.status == status.value, payments.c.updated_at < before)
            .order_by(payments.c.updated_at)
            .limit(limit)
        )
        return [_payment(r) for r in self._c.execute(query)]

    def statuses(self, merchant_id: str) -> dict[str, PaymentStatus]:
        rows = self._c.execute(
            select(payments.c.id, payments.c.status).where(payments.c.merchant_id == merchant_id)
        )
        return {r.id: PaymentStatus(r.status) for r in rows}

    def ids_in_status(self, statuses: list[PaymentStatus]) -> list[str]:
        rows = self._c.execute(
            select(payments.c.id).where(payments.c.status.in_([s.value for s in statuses]))
        )
        return [r.id for r in rows]


class AttemptRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, attempt: Attempt) -> None:
        self._c.execute(
            _INSERT_ATTEMPTS,
            dict(
                id=attempt.id,
                payment_id=attempt.payment_id,
                merchant_id=attempt.merchant_id,
                seq=attempt.seq,
                provider=attempt.provider,
                status=attempt.status.value,
                provider_reference=attempt.provider_reference,
                error_code=attempt.error_code,
                provider_code=attempt.provider_code,
                evidence=attempt.evidence,
                created_at=attempt.created_at,
                updated_at=attempt.updated_at,
            ),
        )

    def get(self, attempt_id: str) -> Attempt | None:
        row = self._c.execute(_GET_ATTEMPT, {"b_id": attempt_id}).first()
        return _attempt(row) if row else None

    def for_payment(self, payment_id: str) -> list[Attempt]:
        return [_attempt(r) for r in self._c.execute(_ATTEMPTS_OF, {"b_payment_id": payment_id})]

    def for_payments(self, payment_ids: list[str]) -> dict[str, list[Attempt]]:
        found: dict[str, list[Attempt]] = {pid: [] for pid in payment_ids}
        if payment_ids:
            query = (
                select(attempts)
                .where(attempts.c.payment_id.in_(payment_ids))
                .order_by(attempts.c.seq)
            )
            for row in self._c.execute(query):
                found[row.payment_id].append(_attempt(row))
        return found

    def save(self, attempt: Attempt) -> None:
        result = self._c.execute(
            _SAVE_ATTEMPT,
            {
                "b_id": attempt.id,
                "b_from": _ATTEMPT_PREDECESSORS[attempt.status],
                "status": attempt.status.value,
                "provider_reference": attempt.provider_reference,
                "error_code": attempt.error_code,
                "provider_code": attempt.provider_code,
                "evidence": attempt.evidence,
                "updated_at": attempt.updated_at,
            },
        )
        assert result.rowcount == 1, attempt.id

    def stale(self, status: AttemptStatus, *, before: dt.datetime, limit: int) -> list[Attempt]:
        query = (
            select(attempts)
            .where(attempts.c.status == status.value, attempts.c.updated_at < before)
            .order_by(attempts.c.updated_at)
            .limit(limit)
        )
        return [_attempt(r) for r in self._c.execute(query)]

    def open_counts(self) -> dict[tuple[str, str], int]:
        """Pending and unknown attempts per (provider, status)."""
        open_ = [AttemptStatus.PENDING.value, AttemptStatus.UNKNOWN.value]
        query = (
            select(attempts.c.provider, attempts.c.status, func.count())
            .where(attempts.c.status.in_(open_))
            .group_by(attempts.c.provider, attempts.c.status)
        )
        return {(r[0], r[1]): int(r[2]) for r in self._c.execute(query)}


class MerchantRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, *, merchant_id: str, name: str, now: dt.datetime) -> None:
        self._c.execute(insert(merchants).values(id=merchant_id, name=name, created_at=now))

    def exists(self, merchant_id: str) -> bool:
        return (
            self._c.execute(select(merchants.c.id).where(merchants.c.id == merchant_id)).first()
            is not None
        )

    def all_ids(self) -> list[str]:
        return [r.id for r in self._c.execute(select(merchants.c.id).order_by(merchants.c.id))]

    def add_key(
        self,
        *,
        key_id: str,
        merchant_id: str,
        secret_hash: str,
        hint: str,
        scopes: str,
        now: dt.datetime,
    ) -> None:
        self._c.execute(
            insert(api_keys).values(
                id=key_id,
                merchant_id=merchant_id,
                secret_hash=secret_hash,
                secret_hint=hint,
                scopes=scopes,
                created_at=now,
            )
        )

    def key_by_hash(self, secret_hash: str) -> tuple[str, str, bool] | None:
        """(merchant_id, scopes, revoked) for the key with this hash."""
        row = self._c.execute(select(api_keys).where(api_keys.c.secret_hash == secret_hash)).first()
        return (row.merchant_id, row.scopes, row.revoked_at is not None) if row else None

    def revoke_key(self, *, key_id: str, now: dt.datetime) -> bool:
        result = self._c.execute(
            update(api_keys)
            .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount == 1
