"""Refunds: partial or full, at the payment's own provider, with the same unknown-outcome
discipline as payments (the refund id is the provider's idempotency key)."""

from __future__ import annotations

import datetime as dt
from typing import Any, assert_never

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.ledger import refund_succeeded_entry
from ledgerline.domain.money import Money
from ledgerline.domain.movements import DUPLICATE_REASON, Refund
from ledgerline.domain.outcomes import (
    ChargeOutcome,
    Declined,
    InquiryOutcome,
    NotFound,
    Retryable,
    Succeeded,
    Unknown,
)
from ledgerline.domain.payments import Payment
from ledgerline.domain.provider_calls import OperationKind, ProviderReply, RefundRequest
from ledgerline.domain.states import AttemptStatus, PaymentStatus, RefundStatus
from ledgerline.services import exceptions, outbox, provider_health, sending
from ledgerline.services.deps import Deps
from ledgerline.services.ports import UnitOfWork
from ledgerline.services.views import refund_view

SUBMIT_JOB = "refund.submit"
INQUIRE_JOB = "refund.inquire"
LIST_LIMIT_MAX = 100
REASONS = ("duplicate", "fraudulent", "requested_by_customer")


def create_refund(
    deps: Deps,
    *,
    merchant_id: str,
    payment_id: str,
    amount_minor: int | None,
    reason: str | None,
    metadata: dict[str, str],
    idempotency_key: str | None,
) -> dict[str, Any]:
    """Refund `amount_minor` (default: all that is left) of a succeeded payment, then send it."""
    if reason is not None and reason not in REASONS:
        raise LedgerlineError(
            "parameter_invalid", param="reason", detail=f"one of {', '.join(REASONS)}"
        )
    now = deps.clock.now()
    with deps.uow() as uow:
        existing = (
            uow.refunds.by_idempotency_key(merchant_id, idempotency_key)
            if idempotency_key
            else None
        )
        if existing is not None:
            return refund_view(existing)
        payment = uow.payments.get(payment_id, merchant_id=merchant_id, for_update=True)
        if payment is None:
            raise LedgerlineError(
                "resource_missing", param="payment", detail=f"no payment {payment_id}"
            )
        if payment.status is not PaymentStatus.SUCCEEDED:
            raise LedgerlineError(
                "payment_state_invalid",
                param="payment",
                detail=f"only a succeeded payment can be refunded; this one is {payment.status.value}",
            )
        charge = next(
            a for a in uow.attempts.for_payment(payment.id) if a.status is AttemptStatus.SUCCEEDED
        )
        taken = sum(
            r.amount.amount_minor
            for r in uow.refunds.for_payment(payment.id)
            if r.status is not RefundStatus.FAILED and not r.is_duplicate_refund
        )
        left = payment.amount.amount_minor - taken
        requested = left if amount_minor is None else amount_minor
        if requested <= 0 or requested > left:
            raise LedgerlineError(
                "refund_exceeds_payment",
                param="amount",
                detail=f"{Money(amount_minor=left, currency=payment.amount.currency)} is left to refund",
            )
        refund = Refund(
            id=deps.ids.new("re", now=now),
            merchant_id=merchant_id,
            payment_id=payment.id,
            amount=Money.of(requested, payment.amount.currency),
            status=RefundStatus.PENDING,
            attempt_status=AttemptStatus.PENDING,
            provider=charge.provider,
            charge_reference=charge.provider_reference or "",
            created_at=now,
            updated_at=now,
            reason=reason,
            metadata=metadata,
        )
        uow.refunds.add(refund, idempotency_key=idempotency_key)
        sending.enqueue_step(
            uow,
            kind=SUBMIT_JOB,
            subject="refund",
            subject_id=refund.id,
            run_at=now + dt.timedelta(seconds=deps.policy.submit_grace_s),
            now=now,
        )
        uow.timeline.add(
            payment_id=payment.id,
            at=now,
            kind="refund_created",
            summary=f"refund {refund.id} of {refund.amount} requested",
            data={"refund_id": refund.id},
        )
        _event(deps, uow, refund, "refund.created", now=now)
        uow.commit()
    submit_refund(deps, refund.id, first_send=True)
    return get_refund(deps, merchant_id=merchant_id, refund_id=refund.id)


def submit_refund(deps: Deps, refund_id: str, *, first_send: bool) -> None:
    """Send a pending refund; a re-send's "not processed" is no proof (see processing.py)."""
    with deps.uow(read_only=True) as uow:
        refund = uow.refunds.get(refund_id)
    if refund is None or refund.attempt_status is not AttemptStatus.PENDING:
        return
    reply = deps.providers.get(refund.provider).refund(
        RefundRequest(
            idempotency_key=refund.id,
            refund_id=refund.id,
            charge_reference=refund.charge_reference,
            amount=refund.amount,
        )
    )
    outcome = sending.as_sent(reply.outcome, first_send=first_send)
    record(deps, refund_id=refund.id, outcome=outcome, evidence="response", reply=reply)


def inquire_refund(deps: Deps, refund_id: str) -> bool:
    with deps.uow(read_only=True) as uow:
        refund = uow.refunds.get(refund_id)
    if refund is None or refund.attempt_status is not AttemptStatus.UNKNOWN:
        return True
    reply = deps.providers.get(refund.provider).inquire(
        operation=OperationKind.REFUND, idempotency_key=refund.id
    )
    record(deps, refund_id=refund.id, outcome=reply.outcome, evidence="inquiry", reply=reply)
    return not isinstance(reply.outcome, Unknown)


def record(
    deps: Deps,
    *,
    refund_id: str,
    outcome: ChargeOutcome | InquiryOutcome,
    evidence: str,
    reply: ProviderReply[ChargeOutcome] | ProviderReply[InquiryOutcome],
) -> None:
    """Apply a provider's reply about a refund in one transaction."""
    now = deps.clock.now()
    with deps.uow() as uow:
        found = uow.refunds.get(refund_id)
        assert found is not None, refund_id
        payment = uow.payments.get(found.payment_id, for_update=True)
        refund = uow.refunds.get(refund_id)
        assert payment is not None and refund is not None
        provider_health.record_call(
            deps,
            uow,
            provider=refund.provider,
            operation=f"refund_{evidence}",
            outcome=reply.outcome,
            latency_ms=reply.latency_ms,
            http_status=reply.http_status,
            now=now,
        )
        uow.timeline.add(
            payment_id=payment.id,
            at=now,
            kind=f"refund_{evidence}",
            summary=reply.summary,
            data={"refund_id": refund.id, "outcome": provider_health.outcome_name(outcome)},
        )
        done = _apply(deps, uow, refund, outcome, evidence=evidence, now=now)
        if done:
            uow.jobs.complete(f"refund-submit:{refund.id}", now=now)
        uow.commit()


def _apply(
    deps: Deps,
    uow: UnitOfWork,
    refund: Refund,
    outcome: ChargeOutcome | InquiryOutcome,
    *,
    evidence: str,
    now: dt.datetime,
) -> bool:
    """Returns False when the submission must be tried again later (the job stays queued)."""
    if refund.attempt_status not in (AttemptStatus.PENDING, AttemptStatus.UNKNOWN):
        if isinstance(outcome, Succeeded) != (
            refund.attempt_status is AttemptStatus.SUCCEEDED
        ) and not isinstance(outcome, Unknown | Retryable):
            payment = uow.payments.get(refund.payment_id)
            assert payment is not None
            exceptions.open_for_payment(
                deps,
                uow,
                payment,
                kind="conflicting_evidence",
                now=now,
                reason=(
                    f"the provider's {evidence} about refund {refund.id} disagrees with its recorded outcome "
                    f"{refund.attempt_status.value}; check the provider"
                ),
            )
        return True
    match outcome:
        case Succeeded(provider_reference=reference):
            done = refund.with_attempt(
                AttemptStatus.SUCCEEDED, now=now, provider_reference=reference, evidence=evidence
            )
            done = done.transition_to(RefundStatus.SUCCEEDED, now=now)
            uow.refunds.save(done)
            if done.is_duplicate_refund:  # the charge never reached the merchant: nothing to move
                _event(deps, uow, done, "refund.succeeded", now=now)
                return True
            entry = refund_succeeded_entry(
                entry_id=deps.ids.new("je", now=now),
                refund_id=refund.id,
                merchant_id=refund.merchant_id,
                provider=refund.provider,
                amount=refund.amount,
            )
            uow.ledger.post(entry, now=now)
            _event(deps, uow, done, "refund.succeeded", now=now)
        case Declined() | NotFound():
            code, provider_code = (
                (outcome.code, outcome.provider_code)
                if isinstance(outcome, Declined)
                else ("provider_unavailable", outcome.reason)
            )
            failed = refund.with_attempt(
                AttemptStatus.FAILED,
                now=now,
                error_code=code,
                provider_code=provider_code,
                evidence=evidence,
            ).transition_to(RefundStatus.FAILED, now=now)
            uow.refunds.save(failed)
            _event(deps, uow, failed, "refund.failed", now=now)
        case Retryable(reason=reason):
            # Certainly not executed: send again later under the same key.
            delay_s = deps.policy.inquiry_delays_s[min(2, len(deps.policy.inquiry_delays_s) - 1)]
            sending.enqueue_step(
                uow,
                kind=SUBMIT_JOB,
                subject="refund",
                subject_id=refund.id,
                run_at=now + dt.timedelta(seconds=delay_s),
                now=now,
                revive=True,
            )
            uow.timeline.add(
                payment_id=refund.payment_id,
                at=now,
                kind="refund_retry",
                summary=f"refund {refund.id} not processed ({reason}); sending again later",
            )
            return False
        case Unknown(reason=reason):
            if refund.attempt_status is AttemptStatus.PENDING:
                uow.refunds.save(
                    refund.with_attempt(
                        AttemptStatus.UNKNOWN, now=now, provider_code=reason, evidence=evidence
                    )
                )
                sending.enqueue_step(
                    uow,
                    kind=INQUIRE_JOB,
                    subject="refund",
                    subject_id=refund.id,
                    now=now,
                    run_at=now + dt.timedelta(seconds=deps.policy.inquiry_delays_s[0]),
                )
        case _:
            assert_never(outcome)
    return True


def _event(deps: Deps, uow: UnitOfWork, refund: Refund, type_: str, *, now: dt.datetime) -> None:
    outbox.emit(
        deps,
        uow,
        merchant_id=refund.merchant_id,
        type=type_,
        object_type="refund",
        object_id=refund.id,
        data=refund_view(refund),
        now=now,
    )


def get_refund(deps: Deps, *, merchant_id: str, refund_id: str) -> dict[str, Any]:
    with deps.uow(read_only=True) as uow:
        refund = uow.refunds.get(refund_id, merchant_id=merchant_id)
    if refund is None:
        raise LedgerlineError("resource_missing", param="id", detail=f"no refund {refund_id}")
    return refund_view(refund)


def list_refunds(
    deps: Deps, *, merchant_id: str, limit: int, starting_after: str | None, payment_id: str | None
) -> dict[str, Any]:
    assert 1 <= limit <= LIST_LIMIT_MAX, limit
    with deps.uow(read_only=True) as uow:
        after = uow.refunds.get(starting_after, merchant_id=merchant_id) if starting_after else None
        if starting_after and after is None:
            raise LedgerlineError(
                "pagination_cursor_invalid", param="starting_after", detail=starting_after
            )
        page = uow.refunds.page(
            merchant_id=merchant_id, limit=limit + 1, after=after, payment_id=payment_id
        )
    return {
        "object": "list",
        "url": "/v1/refunds",
        "has_more": len(page) > limit,
        "data": [refund_view(r) for r in page[:limit]],
    }


def refund_unwanted_charge(
    deps: Deps,
    uow: UnitOfWork,
    *,
    payment: Payment,
    provider: str,
    charge_reference: str,
    amount: Money,
    now: dt.datetime,
) -> Refund:
    """Start the automatic refund of a charge the payer should not have paid (a second success,
    or a success reported after the attempt was settled as failed), in the caller's transaction."""
    refund = Refund(
        id=deps.ids.new("re", now=now),
        merchant_id=payment.merchant_id,
        payment_id=payment.id,
        amount=amount,
        status=RefundStatus.PENDING,
        attempt_status=AttemptStatus.PENDING,
        provider=provider,
        charge_reference=charge_reference,
        created_at=now,
        updated_at=now,
        reason=DUPLICATE_REASON,
    )
    uow.refunds.add(refund, idempotency_key=None)
    sending.enqueue_step(
        uow, kind=SUBMIT_JOB, subject="refund", subject_id=refund.id, run_at=now, now=now
    )
    uow.timeline.add(
        payment_id=payment.id,
        at=now,
        kind="refund_created",
        summary=f"automatic refund {refund.id} of {amount} for unwanted charge {charge_reference} "
        f"at {provider}",
        data={"refund_id": refund.id},
    )
    _event(deps, uow, refund, "refund.created", now=now)
    return refund
