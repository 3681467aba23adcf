"""Driving a payment through its provider attempts, following DESIGN.md's rules 2 to 5.

Each step is its own transaction: stage the attempt and its job, commit, call the provider with
the attempt id as its idempotency key outside any transaction, then record the reply in a new
transaction. A crash between steps leaves a staged job that repeats the call under the same key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import assert_never

from ledgerline.domain.events import EventType
from ledgerline.domain.fees import fee_for
from ledgerline.domain.ledger import EntryKind, payment_succeeded_entry
from ledgerline.domain.outcomes import (
    ChargeOutcome,
    Declined,
    InquiryOutcome,
    NotFound,
    Retryable,
    Succeeded,
    Unknown,
)
from ledgerline.domain.payments import Attempt, Payment
from ledgerline.domain.provider_calls import ChargeRequest, OperationKind, ProviderReply
from ledgerline.domain.routing import next_provider
from ledgerline.domain.states import PAYMENT_TERMINAL, AttemptStatus, PaymentStatus
from ledgerline.services import exceptions, outbox, provider_health, refunds, sending
from ledgerline.services.deps import Deps
from ledgerline.services.ports import UnitOfWork
from ledgerline.services.views import payment_view

SUBMIT_JOB = "attempt.submit"
INQUIRE_JOB = "attempt.inquire"
SUBMIT_JOB_ATTEMPTS_MAX = 20
INQUIRE_JOB_ATTEMPTS_MAX = 100_000  # inquiries continue until evidence arrives or a person decides


def stage_attempt(
    deps: Deps, uow: UnitOfWork, payment: Payment, *, now: dt.datetime
) -> Attempt | None:
    """Record a pending attempt at the next admitted provider of the payment's route, and the
    job that submits it should nobody do so inline. None when every circuit is open."""
    tried = uow.attempts.for_payment(payment.id)
    provider = next_provider(
        payment.route,
        tried=[a.provider for a in tried],
        admitted=provider_health.admitted(deps, uow, payment.route, now=now),
    )
    if provider is None:
        return None
    seq = len(tried) + 1
    attempt = Attempt(
        id=deps.ids.new("att", now=now),
        payment_id=payment.id,
        merchant_id=payment.merchant_id,
        seq=seq,
        provider=provider,
        status=AttemptStatus.PENDING,
        created_at=now,
        updated_at=now,
    )
    uow.attempts.add(attempt)
    uow.jobs.enqueue(
        kind=SUBMIT_JOB,
        dedupe_key=f"submit:{attempt.id}",
        payload={"attempt_id": attempt.id},
        run_at=now + dt.timedelta(seconds=deps.policy.submit_grace_s),
        now=now,
        attempts_max=SUBMIT_JOB_ATTEMPTS_MAX,
    )
    uow.timeline.add(
        payment_id=payment.id,
        at=now,
        kind="attempt_created",
        summary=f"attempt {seq} at {provider} staged ({attempt.id})",
        data={"attempt_id": attempt.id},
    )
    return attempt


def send_fresh(deps: Deps, attempt_id: str | None) -> None:
    """Send attempts this process has just staged, following failovers they cause."""
    for _ in range(deps.policy.attempts_per_payment_max):
        if attempt_id is None:
            return
        attempt_id = submit_attempt(deps, attempt_id, first_send=True)


def submit_attempt(deps: Deps, attempt_id: str, *, first_send: bool) -> str | None:
    """Send a pending attempt to its provider and record the reply. Safe to repeat.

    Only the first send, made by the flow that just staged the attempt, may take "not
    processed" as proof: a re-send (a recovery job after a crash) cannot know whether an
    earlier send of the same key was executed, so its "not processed" becomes `Unknown` and
    the provider's fencing inquiry decides. Returns the id of an attempt staged as a result.
    """
    with deps.uow(read_only=True) as uow:
        attempt = uow.attempts.get(attempt_id)
        payment = uow.payments.get(attempt.payment_id) if attempt else None
    if attempt is None or payment is None or attempt.status is not AttemptStatus.PENDING:
        return None
    # A first send that comes late may overlap the recovery job's re-send: treat it as one.
    age_s = (deps.clock.now() - attempt.created_at).total_seconds()
    first_send = first_send and age_s < deps.policy.submit_grace_s / 2
    connector = deps.providers.get(attempt.provider)
    reply = connector.charge(
        ChargeRequest(
            idempotency_key=attempt.id,
            payment_id=payment.id,
            amount=payment.amount,
            payment_method=payment.payment_method,
            description=payment.description,
        )
    )
    reply = replace(reply, outcome=sending.as_sent(reply.outcome, first_send=first_send))
    return record_reply(deps, attempt_id=attempt.id, reply=reply, evidence="response")


def inquire_attempt(deps: Deps, attempt_id: str) -> bool:
    """Ask the provider about an unknown attempt. True when the outcome is now known."""
    with deps.uow(read_only=True) as uow:
        attempt = uow.attempts.get(attempt_id)
    if attempt is None or attempt.status is not AttemptStatus.UNKNOWN:
        return True
    connector = deps.providers.get(attempt.provider)
    reply = connector.inquire(operation=OperationKind.CHARGE, idempotency_key=attempt.id)
    send_fresh(deps, record_reply(deps, attempt_id=attempt.id, reply=reply, evidence="inquiry"))
    return not isinstance(reply.outcome, Unknown)


def record_reply(
    deps: Deps,
    *,
    attempt_id: str,
    reply: ProviderReply[ChargeOutcome] | ProviderReply[InquiryOutcome],
    evidence: str,
) -> str | None:
    """Apply a provider's direct reply (to a submission or an inquiry) in one transaction."""
    return record_evidence(
        deps,
        attempt_id=attempt_id,
        outcome=reply.outcome,
        evidence=evidence,
        summary=reply.summary,
        reply=reply,
    )


def record_evidence(
    deps: Deps,
    *,
    attempt_id: str,
    outcome: ChargeOutcome | InquiryOutcome,
    evidence: str,
    summary: str,
    reply: ProviderReply[ChargeOutcome] | ProviderReply[InquiryOutcome] | None = None,
) -> str | None:
    """Apply evidence about one attempt (reply, inquiry, webhook, settlement) in one transaction.

    Evidence about an attempt that is already settled can only agree or conflict; a conflict is
    never applied (states do not move back) but opens an exception for a person. Returns the id
    of the next attempt when this evidence staged one (the caller sends it: `send_fresh`).
    """
    now = deps.clock.now()
    with deps.uow() as uow:
        found = uow.attempts.get(attempt_id)
        assert found is not None, attempt_id
        payment = uow.payments.get(found.payment_id, for_update=True)
        assert payment is not None, found.payment_id
        attempt = uow.attempts.get(attempt_id)  # re-read under the payment's lock
        assert attempt is not None
        data: dict[str, object] = {
            "attempt_id": attempt.id,
            "outcome": provider_health.outcome_name(outcome),
        }
        if reply is not None:
            provider_health.record_call(
                deps,
                uow,
                provider=attempt.provider,
                operation=evidence,
                outcome=outcome,
                latency_ms=reply.latency_ms,
                http_status=reply.http_status,
                now=now,
            )
            data |= {"http_status": reply.http_status, "latency_ms": reply.latency_ms}
        uow.timeline.add(
            payment_id=payment.id, at=now, kind=f"provider_{evidence}", summary=summary, data=data
        )
        staged = None
        if attempt.status in (AttemptStatus.PENDING, AttemptStatus.UNKNOWN):
            staged = apply_outcome(deps, uow, payment, attempt, outcome, evidence=evidence, now=now)
        else:
            _check_agrees(deps, uow, payment, attempt, outcome, evidence=evidence, now=now)
        uow.jobs.complete(f"submit:{attempt.id}", now=now)  # an unknown one is the inquiry's now
        uow.commit()
    return staged.id if staged else None


def _check_agrees(
    deps: Deps,
    uow: UnitOfWork,
    payment: Payment,
    attempt: Attempt,
    outcome: ChargeOutcome | InquiryOutcome,
    *,
    evidence: str,
    now: dt.datetime,
) -> None:
    recorded_success = attempt.status is AttemptStatus.SUCCEEDED
    if isinstance(outcome, Succeeded) and not recorded_success:
        # Money was taken on an attempt we had settled as failed: refund that charge at once
        # (states never move back), and tell a person the provider broke its word.
        refund = refunds.refund_unwanted_charge(
            deps,
            uow,
            payment=payment,
            provider=attempt.provider,
            charge_reference=outcome.provider_reference,
            amount=payment.amount,
            now=now,
        )
        reason = (
            f"the provider's {evidence} says attempt {attempt.id} at {attempt.provider} succeeded "
            f"({outcome.provider_reference}), but it was recorded failed (evidence: {attempt.evidence}). "
            f"Refund {refund.id} of that charge was started automatically."
        )
        exceptions.open_for_payment(
            deps, uow, payment, kind="conflicting_evidence", reason=reason, now=now
        )
    elif isinstance(outcome, Declined | NotFound) and recorded_success:
        reason = (
            f"the provider's {evidence} says attempt {attempt.id} at {attempt.provider} failed, but it was "
            f"recorded succeeded (evidence: {attempt.evidence}). Check the provider before settling."
        )
        exceptions.open_for_payment(
            deps, uow, payment, kind="conflicting_evidence", reason=reason, now=now
        )


def apply_outcome(
    deps: Deps,
    uow: UnitOfWork,
    payment: Payment,
    attempt: Attempt,
    outcome: ChargeOutcome | InquiryOutcome,
    *,
    evidence: str,
    now: dt.datetime,
) -> Attempt | None:
    """Move the attempt (and maybe the payment) as `outcome` says; returns a newly staged attempt."""
    match outcome:
        case Succeeded(provider_reference=reference):
            _succeed(
                deps,
                uow,
                payment,
                attempt.transition_to(
                    AttemptStatus.SUCCEEDED,
                    now=now,
                    provider_reference=reference,
                    evidence=evidence,
                ),
                now=now,
            )
        case Declined(code=code, provider_code=provider_code, provider_reference=reference):
            failed = attempt.transition_to(
                AttemptStatus.FAILED,
                now=now,
                error_code=code,
                provider_code=provider_code,
                provider_reference=reference,
                evidence=evidence,
            )
            uow.attempts.save(failed)
            # Declines are final: the payer's bank said no, another provider would say no too.
            _fail_payment(deps, uow, payment, code=code, now=now)
        case Retryable(reason=reason) | NotFound(reason=reason):
            # Proven not executed: the only case in which another attempt may start.
            uow.attempts.save(
                attempt.transition_to(
                    AttemptStatus.FAILED,
                    now=now,
                    error_code="provider_unavailable",
                    provider_code=reason,
                    evidence=evidence,
                )
            )
            return start_next_attempt(deps, uow, payment, now=now)
        case Unknown(reason=reason):
            if attempt.status is AttemptStatus.UNKNOWN:
                return None
            uow.attempts.save(
                attempt.transition_to(
                    AttemptStatus.UNKNOWN, now=now, provider_code=reason, evidence=evidence
                )
            )
            schedule_inquiry(deps, uow, attempt, delay_s=deps.policy.inquiry_delays_s[0], now=now)
            record_event(deps, uow, payment, EventType.ATTEMPT_UNKNOWN, now=now)
            uow.timeline.add(
                payment_id=payment.id,
                at=now,
                kind="attempt_unknown",
                summary=f"outcome at {attempt.provider} unknown ({reason}); asking the provider",
                data={"attempt_id": attempt.id},
            )
        case _:
            assert_never(outcome)
    return None


def schedule_inquiry(
    deps: Deps, uow: UnitOfWork, attempt: Attempt, *, delay_s: float, now: dt.datetime
) -> None:
    uow.jobs.enqueue(
        kind=INQUIRE_JOB,
        dedupe_key=f"inquire:{attempt.id}",
        payload={"attempt_id": attempt.id},
        run_at=now + dt.timedelta(seconds=delay_s),
        now=now,
        attempts_max=INQUIRE_JOB_ATTEMPTS_MAX,
    )


def _succeed(
    deps: Deps, uow: UnitOfWork, payment: Payment, attempt: Attempt, *, now: dt.datetime
) -> None:
    uow.attempts.save(attempt)
    if payment.status is not PaymentStatus.PROCESSING:
        # Money taken although the payment already ended (a second success, or a success after
        # it failed): recorded loudly. The automatic refund belongs to the refunds flow.
        uow.timeline.add(
            payment_id=payment.id,
            at=now,
            kind="duplicate_success",
            summary=f"success at {attempt.provider} ({attempt.provider_reference}) "
            f"after the payment was already {payment.status.value}",
            data={"attempt_id": attempt.id},
        )
        record_event(deps, uow, payment, EventType.DUPLICATE_SUCCESS_DETECTED, now=now)
        reason = (
            f"attempt {attempt.id} at {attempt.provider} succeeded ({attempt.provider_reference}) after the "
            f"payment was already {payment.status.value}: the payer was charged twice. Refund the duplicate."
        )
        refund = refunds.refund_unwanted_charge(
            deps,
            uow,
            payment=payment,
            provider=attempt.provider,
            charge_reference=attempt.provider_reference or "",
            amount=payment.amount,
            now=now,
        )
        reason = f"{reason} Refund {refund.id} was started automatically."
        exceptions.open_for_payment(
            deps, uow, payment, kind="duplicate_success", reason=reason, now=now
        )
        return
    fee = fee_for(
        uow.pricing.for_merchant(payment.merchant_id),
        amount=payment.amount,
        provider=attempt.provider,
        payment_method=payment.payment_method,
    )
    succeeded = replace(payment.transition_to(PaymentStatus.SUCCEEDED, now=now), fee=fee)
    uow.payments.save(succeeded)
    assert not uow.ledger.has_entry(kind=EntryKind.PAYMENT_SUCCEEDED.value, source_id=payment.id), (
        payment.id
    )
    entry = payment_succeeded_entry(
        entry_id=deps.ids.new("je", now=now),
        payment_id=payment.id,
        merchant_id=payment.merchant_id,
        provider=attempt.provider,
        amount=payment.amount,
        fee=fee,
    )
    uow.ledger.post(entry, now=now)
    uow.timeline.add(
        payment_id=payment.id,
        at=now,
        kind="ledger_entry",
        summary=(
            f"{payment.amount} provider_clearing:{attempt.provider} -> merchant_pending "
            f"{payment.amount - fee} + fees {fee} ({entry.id})"
        ),
        data={"entry_id": entry.id},
    )
    record_change(deps, uow, succeeded, EventType.PAYMENT_SUCCEEDED, now=now)


def _fail_payment(
    deps: Deps, uow: UnitOfWork, payment: Payment, *, code: str, now: dt.datetime
) -> None:
    if payment.status is not PaymentStatus.PROCESSING:
        return
    failed = payment.transition_to(PaymentStatus.FAILED, now=now, error_code=code)
    uow.payments.save(failed)
    record_change(deps, uow, failed, EventType.PAYMENT_FAILED, now=now)


def start_next_attempt(
    deps: Deps, uow: UnitOfWork, payment: Payment, *, now: dt.datetime
) -> Attempt | None:
    """Stage the payment's next attempt when that is safe; fail the payment when its tries are
    used up or no provider will take it. Called at confirmation and after proven non-execution."""
    if payment.status is not PaymentStatus.PROCESSING:
        return None
    attempts = uow.attempts.for_payment(payment.id)
    if any(a.status in (AttemptStatus.UNKNOWN, AttemptStatus.PENDING) for a in attempts):
        return None  # never start another while any outcome is open (the double-spend fence)
    if len(attempts) >= deps.policy.attempts_per_payment_max:
        _fail_payment(deps, uow, payment, code="provider_unavailable", now=now)
        return None
    staged = stage_attempt(deps, uow, payment, now=now)
    if staged is None:
        # Every provider's circuit is open: fail fast and say nothing was charged, rather than
        # keep a payer waiting on providers known to be down.
        uow.timeline.add(
            payment_id=payment.id,
            at=now,
            kind="no_provider",
            summary="every provider on the route has an open circuit",
        )
        _fail_payment(deps, uow, payment, code="provider_unavailable", now=now)
    return staged


def record_change(
    deps: Deps, uow: UnitOfWork, payment: Payment, event: EventType, *, now: dt.datetime
) -> None:
    if payment.status in PAYMENT_TERMINAL:
        exceptions.close_resolved(uow, payment, now=now)
    uow.timeline.add(
        payment_id=payment.id,
        at=now,
        kind="state_change",
        summary=f"payment {payment.status.value}",
        data={"status": payment.status.value, "error_code": payment.last_error_code},
    )
    record_event(deps, uow, payment, event, now=now)


def record_event(
    deps: Deps, uow: UnitOfWork, payment: Payment, event: EventType, *, now: dt.datetime
) -> None:
    data = payment_view(payment, uow.attempts.for_payment(payment.id))
    outbox.emit(
        deps,
        uow,
        merchant_id=payment.merchant_id,
        type=event.value,
        object_type="payment",
        object_id=payment.id,
        data=data,
        now=now,
    )
