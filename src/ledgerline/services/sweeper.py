"""Stuck detection: a periodic job that turns overdue open items into exceptions.

Nothing here changes a payment's state: a stuck item keeps its jobs (inquiries continue); the
exception makes sure a person knows, with the reason in plain words.
"""

from __future__ import annotations

import datetime as dt

from ledgerline.domain.states import AttemptStatus, PaymentStatus, PayoutStatus
from ledgerline.services import exceptions
from ledgerline.services.deps import Deps

SWEEP_JOB = "sla.sweep"
CALL_LOG_KEEP_S = 24 * 3600
SWEEP_BATCH_MAX = 500  # one sweep transaction stays short; the next sweep takes the rest


def ensure_scheduled(deps: Deps) -> None:
    """Make sure the sweep job exists (idempotent; called when a worker starts)."""
    now = deps.clock.now()
    with deps.uow() as uow:
        uow.jobs.enqueue(
            kind=SWEEP_JOB,
            dedupe_key="sweep",
            payload={},
            run_at=now,
            now=now,
            attempts_max=1_000_000,
        )
        uow.commit()


def sweep(deps: Deps) -> float:
    """Raise exceptions for overdue items; returns the delay until the next sweep."""
    policy = deps.policy
    now = deps.clock.now()
    with deps.uow() as uow:
        for attempt in uow.attempts.stale(
            AttemptStatus.UNKNOWN, before=now - _s(policy.unknown_sla_s), limit=SWEEP_BATCH_MAX
        ):
            payment = uow.payments.get(attempt.payment_id)
            assert payment is not None
            age = _age(now, attempt.updated_at)
            kind, reason = (
                "unknown_outcome",
                (
                    f"attempt {attempt.id} at {attempt.provider} has had no known outcome for {age}; the provider is still "
                    "being asked. No other attempt will start until it is known."
                ),
            )
            if (now - attempt.updated_at).total_seconds() > policy.inquiry_window_s:
                kind, reason = (
                    "inquiry_window_passed",
                    (
                        f"attempt {attempt.id} at {attempt.provider} is still unknown after {age}, past the inquiry window. "
                        "Check the provider's settlement report or dashboard and record the outcome."
                    ),
                )
            exceptions.open_for_payment(deps, uow, payment, kind=kind, reason=reason, now=now)
        for payment in uow.payments.stale(
            PaymentStatus.PROCESSING,
            before=now - _s(policy.processing_sla_s),
            limit=SWEEP_BATCH_MAX,
        ):
            reason = f"the payment has been processing for {_age(now, payment.updated_at)}, longer than its SLA"
            exceptions.open_for_payment(
                deps, uow, payment, kind="stuck_processing", reason=reason, now=now
            )
        for payout in uow.payouts.stale(
            PayoutStatus.PROCESSING, before=now - _s(policy.payout_sla_s), limit=SWEEP_BATCH_MAX
        ):
            reason = (
                f"payout of {payout.amount} was sent {_age(now, payout.updated_at)} ago and is not yet paid; "
                "the rail is still being asked. The hold stays until it is paid or proven failed."
            )
            exceptions.open_for_payout(
                deps, uow, payout, kind="payout_stuck", reason=reason, now=now
            )
        # The circuit and status windows look back minutes; a day of calls is plenty to keep.
        uow.health.prune_calls(before=now - _s(CALL_LOG_KEEP_S))
        uow.commit()
    return policy.sweep_interval_s


def _s(seconds: float) -> dt.timedelta:
    return dt.timedelta(seconds=seconds)


def _age(now: dt.datetime, since: dt.datetime) -> str:
    seconds = int((now - since).total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"
