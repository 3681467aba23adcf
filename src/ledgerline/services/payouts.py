"""Payouts: money out to a merchant's bank account, as durable jobs with a balance hold.

Creating one moves the amount available → reserved in the same transaction (or refuses with
`insufficient_balance`, reserving nothing). A job sends it to the rail with the payout id as
idempotency key; every payout ends `paid`, `failed` (hold released), `canceled` (released) or,
after being paid, `returned` (credited back).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, assert_never

from ledgerline.domain.destinations import Destination, parse_destination
from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.ledger import AccountKind, EntryKind, payout_entry
from ledgerline.domain.money import Money
from ledgerline.domain.movements import Payout
from ledgerline.domain.outcomes import (
    ChargeOutcome,
    Declined,
    InquiryOutcome,
    NotFound,
    Retryable,
    Succeeded,
    Unknown,
)
from ledgerline.domain.provider_calls import OperationKind, PayoutRequest, ProviderReply
from ledgerline.domain.states import AttemptStatus, PayoutStatus
from ledgerline.services import outbox, provider_health, sending
from ledgerline.services.deps import Deps
from ledgerline.services.ports import UnitOfWork
from ledgerline.services.views import payout_view

SUBMIT_JOB = "payout.submit"
INQUIRE_JOB = "payout.inquire"
LIST_LIMIT_MAX = 100
DESCRIPTION_LENGTH_MAX = 500


def create_payout(
    deps: Deps,
    *,
    merchant_id: str,
    amount: Money,
    destination: dict[str, str],
    description: str | None,
    idempotency_key: str | None,
) -> dict[str, Any]:
    parsed = parse_destination(destination)
    if description is not None and len(description) > DESCRIPTION_LENGTH_MAX:
        raise LedgerlineError(
            "parameter_invalid",
            param="description",
            detail=f"at most {DESCRIPTION_LENGTH_MAX} characters",
        )
    assert deps.vault is not None, "payouts need a vault for destinations"
    now = deps.clock.now()
    with deps.uow() as uow:
        existing = (
            uow.payouts.by_idempotency_key(merchant_id, idempotency_key)
            if idempotency_key
            else None
        )
        if existing is not None:
            return payout_view(existing)
        available = uow.ledger.balance(
            AccountKind.MERCHANT_AVAILABLE, merchant_id, amount.currency, for_update=True
        )
        if available < amount.amount_minor:
            raise LedgerlineError(
                "insufficient_balance",
                param="amount",
                detail=f"available {Money(amount_minor=max(available, 0), currency=amount.currency)}",
            )
        payout = Payout(
            id=deps.ids.new("po", now=now),
            merchant_id=merchant_id,
            amount=amount,
            status=PayoutStatus.PENDING,
            provider=deps.policy.payout_rail,
            destination_type=parsed.type,
            destination_masked=parsed.masked(),
            destination_sealed=deps.vault.seal(_document(parsed)),
            created_at=now,
            updated_at=now,
            description=description,
        )
        uow.payouts.add(payout, idempotency_key=idempotency_key)
        _post(deps, uow, EntryKind.PAYOUT_HELD, payout, now=now)
        sending.enqueue_step(
            uow, kind=SUBMIT_JOB, subject="payout", subject_id=payout.id, run_at=now, now=now
        )
        _event(deps, uow, payout, "payout.created", now=now)
        uow.commit()
    return payout_view(payout)


def cancel_payout(deps: Deps, *, merchant_id: str, payout_id: str) -> dict[str, Any]:
    now = deps.clock.now()
    with deps.uow() as uow:
        payout = _owned(
            uow.payouts.get(payout_id, merchant_id=merchant_id, for_update=True), payout_id
        )
        if payout.status is not PayoutStatus.PENDING:
            raise LedgerlineError(
                "payout_state_invalid",
                param="id",
                detail=f"only a payout not yet sent can be canceled; this one is {payout.status.value}",
            )
        canceled = payout.transition_to(PayoutStatus.CANCELED, now=now)
        uow.payouts.save(canceled)
        _post(deps, uow, EntryKind.PAYOUT_RELEASED, canceled, now=now)
        uow.jobs.complete(f"payout-submit:{payout.id}", now=now)
        _event(deps, uow, canceled, "payout.canceled", now=now)
        uow.commit()
    return payout_view(canceled)


def submit_payout(deps: Deps, payout_id: str) -> None:
    """Mark the payout sent (one transaction), then send it. A payout found already sent is
    being re-sent after a crash: its "not processed" answer proves nothing (see processing.py)."""
    now = deps.clock.now()
    with deps.uow() as uow:
        payout = uow.payouts.get(payout_id, for_update=True)
        if payout is None or (
            payout.status is not PayoutStatus.PENDING
            and payout.attempt_status is not AttemptStatus.PENDING
        ):
            return
        first_send = payout.status is PayoutStatus.PENDING
        if first_send:
            payout = payout.transition_to(PayoutStatus.PROCESSING, now=now).with_attempt(
                AttemptStatus.PENDING, now=now
            )
            uow.payouts.save(payout)
            _event(deps, uow, payout, "payout.processing", now=now)
            uow.commit()
    assert deps.vault is not None
    destination = deps.vault.open(payout.destination_sealed)
    reply = deps.providers.get(payout.provider).payout(
        PayoutRequest(
            idempotency_key=payout.id,
            payout_id=payout.id,
            amount=payout.amount,
            destination=destination,
        )
    )
    outcome = sending.as_sent(reply.outcome, first_send=first_send)
    record(deps, payout_id=payout.id, outcome=outcome, evidence="response", reply=reply)


def inquire_payout(deps: Deps, payout_id: str) -> bool:
    with deps.uow(read_only=True) as uow:
        payout = uow.payouts.get(payout_id)
    if payout is None or payout.attempt_status is not AttemptStatus.UNKNOWN:
        return True
    reply = deps.providers.get(payout.provider).inquire(
        operation=OperationKind.PAYOUT, idempotency_key=payout.id
    )
    record(deps, payout_id=payout.id, outcome=reply.outcome, evidence="inquiry", reply=reply)
    return not isinstance(reply.outcome, Unknown)


def record(
    deps: Deps,
    *,
    payout_id: str,
    outcome: ChargeOutcome | InquiryOutcome,
    evidence: str,
    reply: ProviderReply[ChargeOutcome] | ProviderReply[InquiryOutcome],
) -> None:
    """Apply a provider's reply about a payout in one transaction."""
    now = deps.clock.now()
    with deps.uow() as uow:
        payout = uow.payouts.get(payout_id, for_update=True)
        assert payout is not None, payout_id
        provider_health.record_call(
            deps,
            uow,
            provider=payout.provider,
            operation=f"payout_{evidence}",
            outcome=reply.outcome,
            latency_ms=reply.latency_ms,
            http_status=reply.http_status,
            now=now,
        )
        if payout.attempt_status in (AttemptStatus.PENDING, AttemptStatus.UNKNOWN) and _apply(
            deps, uow, payout, outcome, evidence=evidence, now=now
        ):
            uow.jobs.complete(f"payout-submit:{payout.id}", now=now)
        uow.commit()


def _apply(
    deps: Deps,
    uow: UnitOfWork,
    payout: Payout,
    outcome: ChargeOutcome | InquiryOutcome,
    *,
    evidence: str,
    now: dt.datetime,
) -> bool:
    """Returns False when the payout must be sent again later (its submit job stays queued)."""
    match outcome:
        case Succeeded(provider_reference=reference):
            paid = payout.with_attempt(
                AttemptStatus.SUCCEEDED, now=now, provider_reference=reference, evidence=evidence
            )
            paid = paid.transition_to(PayoutStatus.PAID, now=now)
            uow.payouts.save(paid)
            _post(deps, uow, EntryKind.PAYOUT_PAID, paid, now=now)
            _event(deps, uow, paid, "payout.paid", now=now)
        case Declined() | NotFound():
            code, provider_code = (
                (outcome.code, outcome.provider_code)
                if isinstance(outcome, Declined)
                else ("provider_unavailable", outcome.reason)
            )
            failed = payout.with_attempt(
                AttemptStatus.FAILED,
                now=now,
                error_code=code,
                provider_code=provider_code,
                evidence=evidence,
            ).transition_to(PayoutStatus.FAILED, now=now)
            uow.payouts.save(failed)
            _post(deps, uow, EntryKind.PAYOUT_RELEASED, failed, now=now)
            _event(deps, uow, failed, "payout.failed", now=now)
        case Retryable():
            delay_s = deps.policy.inquiry_delays_s[min(2, len(deps.policy.inquiry_delays_s) - 1)]
            sending.enqueue_step(
                uow,
                kind=SUBMIT_JOB,
                subject="payout",
                subject_id=payout.id,
                run_at=now + dt.timedelta(seconds=delay_s),
                now=now,
                revive=True,
            )
            return False
        case Unknown(reason=reason):
            if payout.attempt_status is AttemptStatus.PENDING:
                uow.payouts.save(
                    payout.with_attempt(
                        AttemptStatus.UNKNOWN, now=now, provider_code=reason, evidence=evidence
                    )
                )
                sending.enqueue_step(
                    uow,
                    kind=INQUIRE_JOB,
                    subject="payout",
                    subject_id=payout.id,
                    run_at=now + dt.timedelta(seconds=deps.policy.inquiry_delays_s[0]),
                    now=now,
                )
        case _:
            assert_never(outcome)
    return True


def return_payout(deps: Deps, *, payout_id: str, reason: str) -> dict[str, Any]:
    """The receiving bank sent a paid payout back: credit the merchant again."""
    now = deps.clock.now()
    with deps.uow() as uow:
        payout = _owned(uow.payouts.get(payout_id, for_update=True), payout_id)
        if payout.status is not PayoutStatus.PAID:
            raise LedgerlineError(
                "payout_state_invalid",
                param="id",
                detail=f"only a paid payout can be returned; this one is {payout.status.value}",
            )
        returned = payout.transition_to(
            PayoutStatus.RETURNED, now=now, error_code=None, provider_code=reason[:64]
        )
        uow.payouts.save(returned)
        _post(deps, uow, EntryKind.PAYOUT_RETURNED, returned, now=now)
        _event(deps, uow, returned, "payout.returned", now=now)
        uow.commit()
    return payout_view(returned)


def get_payout(deps: Deps, *, merchant_id: str, payout_id: str) -> dict[str, Any]:
    with deps.uow(read_only=True) as uow:
        return payout_view(_owned(uow.payouts.get(payout_id, merchant_id=merchant_id), payout_id))


def list_payouts(
    deps: Deps,
    *,
    merchant_id: str,
    limit: int,
    starting_after: str | None,
    status: PayoutStatus | None,
) -> dict[str, Any]:
    assert 1 <= limit <= LIST_LIMIT_MAX, limit
    with deps.uow(read_only=True) as uow:
        after = uow.payouts.get(starting_after, merchant_id=merchant_id) if starting_after else None
        if starting_after and after is None:
            raise LedgerlineError(
                "pagination_cursor_invalid", param="starting_after", detail=starting_after
            )
        page = uow.payouts.page(
            merchant_id=merchant_id, limit=limit + 1, after=after, status=status
        )
    return {
        "object": "list",
        "url": "/v1/payouts",
        "has_more": len(page) > limit,
        "data": [payout_view(p) for p in page[:limit]],
    }


def _document(destination: Destination) -> dict[str, str]:
    return {
        "type": destination.type,
        "account": destination.account,
        "holder_name": destination.holder_name,
    }


def _post(
    deps: Deps, uow: UnitOfWork, kind: EntryKind, payout: Payout, *, now: dt.datetime
) -> None:
    uow.ledger.post(
        payout_entry(
            kind,
            entry_id=deps.ids.new("je", now=now),
            payout_id=payout.id,
            merchant_id=payout.merchant_id,
            amount=payout.amount,
        ),
        now=now,
    )


def _event(deps: Deps, uow: UnitOfWork, payout: Payout, type_: str, *, now: dt.datetime) -> None:
    outbox.emit(
        deps,
        uow,
        merchant_id=payout.merchant_id,
        type=type_,
        object_type="payout",
        object_id=payout.id,
        data=payout_view(payout),
        now=now,
    )


def _owned(payout: Payout | None, payout_id: str) -> Payout:
    if payout is None:
        raise LedgerlineError("resource_missing", param="id", detail=f"no payout {payout_id}")
    return payout
