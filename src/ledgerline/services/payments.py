"""Use cases of the payments API: create, confirm, cancel, read, list."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Any

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.events import EventType
from ledgerline.domain.ledger import AccountKind
from ledgerline.domain.money import Money
from ledgerline.domain.payments import Payment
from ledgerline.domain.states import PaymentStatus
from ledgerline.services import processing, provider_health
from ledgerline.services.deps import Deps
from ledgerline.services.views import payment_view

PAYMENT_METHOD_PATTERN = re.compile(r"^pm_[a-z0-9_]{1,60}$")
LIST_LIMIT_MAX = 100


@dataclass(frozen=True, slots=True)
class NewPayment:
    amount: Money
    payment_method: str
    description: str | None = None
    customer_id: str | None = None
    customer_email: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    confirm: bool = False


def create_payment(
    deps: Deps, *, merchant_id: str, request: NewPayment, idempotency_key: str | None
) -> dict[str, Any]:
    """Create a payment (and confirm it when asked). With an idempotency key whose payment
    already exists (a retry after a crash), continue with that payment instead of a new one."""
    if not PAYMENT_METHOD_PATTERN.match(request.payment_method):
        raise LedgerlineError(
            "payment_method_unsupported",
            param="payment_method",
            detail=repr(request.payment_method),
        )
    now = deps.clock.now()
    with deps.uow() as uow:
        existing = (
            uow.payments.by_idempotency_key(merchant_id, idempotency_key)
            if idempotency_key
            else None
        )
        if existing is None:
            payment = Payment(
                id=deps.ids.new("pay", now=now),
                merchant_id=merchant_id,
                amount=request.amount,
                status=PaymentStatus.REQUIRES_CONFIRMATION,
                payment_method=request.payment_method,
                created_at=now,
                updated_at=now,
                description=request.description,
                customer_id=request.customer_id,
                customer_email=request.customer_email,
                metadata=request.metadata,
                public_token=deps.ids.token(),
            )
            uow.payments.add(payment, idempotency_key=idempotency_key)
            uow.timeline.add(
                payment_id=payment.id,
                at=now,
                kind="created",
                summary=f"payment of {payment.amount} created with {payment.payment_method}",
            )
            processing.record_event(deps, uow, payment, EventType.PAYMENT_CREATED, now=now)
            uow.commit()
        else:
            payment = existing
    if request.confirm and payment.status is PaymentStatus.REQUIRES_CONFIRMATION:
        return confirm_payment(deps, merchant_id=merchant_id, payment_id=payment.id)
    return get_payment(deps, merchant_id=merchant_id, payment_id=payment.id)


def confirm_payment(deps: Deps, *, merchant_id: str, payment_id: str) -> dict[str, Any]:
    """Stage the first attempt, then submit it inline; the staged job covers a crash."""
    now = deps.clock.now()
    with deps.uow() as uow:
        payment = _owned(
            uow.payments.get(payment_id, merchant_id=merchant_id, for_update=True), payment_id
        )
        if payment.status is not PaymentStatus.REQUIRES_CONFIRMATION:
            raise LedgerlineError(
                "payment_state_invalid", param="id", detail=f"payment is {payment.status.value}"
            )
        route = provider_health.route_for(
            deps,
            uow,
            merchant_id=merchant_id,
            amount=payment.amount,
            payment_method=payment.payment_method,
        )
        processing_ = replace(payment.transition_to(PaymentStatus.PROCESSING, now=now), route=route)
        uow.payments.save(processing_)
        processing.record_change(deps, uow, processing_, EventType.PAYMENT_PROCESSING, now=now)
        staged = processing.start_next_attempt(deps, uow, processing_, now=now)
        uow.commit()
    processing.send_fresh(deps, staged.id if staged else None)
    return get_payment(deps, merchant_id=merchant_id, payment_id=payment_id)


def cancel_payment(deps: Deps, *, merchant_id: str, payment_id: str) -> dict[str, Any]:
    now = deps.clock.now()
    with deps.uow() as uow:
        payment = _owned(
            uow.payments.get(payment_id, merchant_id=merchant_id, for_update=True), payment_id
        )
        if payment.status is not PaymentStatus.REQUIRES_CONFIRMATION:
            raise LedgerlineError(
                "payment_state_invalid",
                param="id",
                detail=f"only an unconfirmed payment can be canceled; this one is {payment.status.value}",
            )
        canceled = payment.transition_to(PaymentStatus.CANCELED, now=now)
        uow.payments.save(canceled)
        processing.record_change(deps, uow, canceled, EventType.PAYMENT_CANCELED, now=now)
        uow.commit()
    return get_payment(deps, merchant_id=merchant_id, payment_id=payment_id)


def get_payment(deps: Deps, *, merchant_id: str, payment_id: str) -> dict[str, Any]:
    with deps.uow(read_only=True) as uow:
        payment = _owned(uow.payments.get(payment_id, merchant_id=merchant_id), payment_id)
        return payment_view(payment, uow.attempts.for_payment(payment.id))


def list_payments(
    deps: Deps,
    *,
    merchant_id: str,
    limit: int,
    status: PaymentStatus | None,
    created_gte: dt.datetime | None,
    created_lt: dt.datetime | None,
    starting_after: str | None,
) -> dict[str, Any]:
    assert 1 <= limit <= LIST_LIMIT_MAX, limit
    with deps.uow(read_only=True) as uow:
        after = None
        if starting_after is not None:
            after = uow.payments.get(starting_after, merchant_id=merchant_id)
            if after is None:
                raise LedgerlineError(
                    "pagination_cursor_invalid", param="starting_after", detail=starting_after
                )
        page = uow.payments.page(
            merchant_id=merchant_id,
            limit=limit + 1,
            status=status,
            created_gte=created_gte,
            created_lt=created_lt,
            after=after,
        )
        attempts = uow.attempts.for_payments([p.id for p in page[:limit]])
        data = [payment_view(p, attempts[p.id]) for p in page[:limit]]
    return {"object": "list", "url": "/v1/payments", "has_more": len(page) > limit, "data": data}


def payment_timeline(deps: Deps, *, merchant_id: str, payment_id: str) -> dict[str, Any]:
    """Everything that happened to a payment, in order: the answer to "where is my money?"."""
    with deps.uow(read_only=True) as uow:
        payment = _owned(uow.payments.get(payment_id, merchant_id=merchant_id), payment_id)
        items = uow.timeline.for_payment(payment.id)
        entries = uow.ledger.entries_for_sources([payment.id])
    data = [
        {
            "seq": i["seq"],
            "at": i["at"].isoformat(),
            "kind": i["kind"],
            "summary": i["summary"],
            "data": i["data"],
        }
        for i in items
    ]
    return {
        "object": "list",
        "url": f"/v1/payments/{payment_id}/timeline",
        "has_more": False,
        "data": data,
        "ledger_entries": [{**e, "created_at": e["created_at"].isoformat()} for e in entries],
    }


def balance(deps: Deps, *, merchant_id: str) -> dict[str, Any]:
    with deps.uow(read_only=True) as uow:
        found = uow.ledger.balances(merchant_id)

    def amounts(kind: AccountKind) -> list[dict[str, Any]]:
        return [
            {"amount": kinds.get(kind, 0), "currency": currency.lower()}
            for currency, kinds in sorted(found.items())
        ]

    return {
        "object": "balance",
        "available": amounts(AccountKind.MERCHANT_AVAILABLE),
        "pending": amounts(AccountKind.MERCHANT_PENDING),
        "reserved": amounts(AccountKind.MERCHANT_RESERVED),
    }


def _owned(payment: Payment | None, payment_id: str) -> Payment:
    # Another merchant's payment is indistinguishable from a missing one.
    if payment is None:
        raise LedgerlineError("resource_missing", param="id", detail=f"no payment {payment_id}")
    return payment
