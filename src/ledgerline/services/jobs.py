"""The job loop's core: claim due jobs, run their handler, record the result.

Handlers are safe to run twice (a lease can expire mid-run). A handler returns None when its
job is done, or a delay in seconds to be called again. This is the one place that catches any
exception: it records the failure on the job and reschedules it with backoff, never drops it.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable

from ledgerline.domain.retry import backoff_delay_s
from ledgerline.services import (
    deliveries,
    exceptions,
    outbox,
    payouts,
    processing,
    refunds,
    sweeper,
    webhooks,
)
from ledgerline.services.deps import Deps
from ledgerline.services.ports import Job, UnitOfWork

log = logging.getLogger(__name__)

Handler = Callable[[Deps, Job], float | None]
RETRY_BASE_S = 1.0
RETRY_CAP_S = 3600.0  # a failing handler is retried at least hourly until someone fixes it


def _submit(deps: Deps, job: Job) -> float | None:
    # The recovery path: whoever staged this attempt did not finish, so this is a re-send.
    staged = processing.submit_attempt(deps, job.payload["attempt_id"], first_send=False)
    processing.send_fresh(deps, staged)
    return None


def _inquire(deps: Deps, job: Job) -> float | None:
    if processing.inquire_attempt(deps, job.payload["attempt_id"]):
        return None
    delays = deps.policy.inquiry_delays_s
    return delays[min(job.attempts, len(delays) - 1)]


def _webhook(deps: Deps, job: Job) -> float | None:
    webhooks.process(deps, webhook_id=int(job.payload["webhook_id"]))
    return None


def _sweep(deps: Deps, _job: Job) -> float | None:
    return sweeper.sweep(deps)  # a periodic job: always comes back


def _delay_after(deps: Deps, job: Job) -> float:
    delays = deps.policy.inquiry_delays_s
    return delays[min(job.attempts, len(delays) - 1)]


def _refund_submit(deps: Deps, job: Job) -> float | None:
    refunds.submit_refund(deps, job.payload["refund_id"], first_send=False)
    return None


def _refund_inquire(deps: Deps, job: Job) -> float | None:
    return (
        None if refunds.inquire_refund(deps, job.payload["refund_id"]) else _delay_after(deps, job)
    )


def _payout_submit(deps: Deps, job: Job) -> float | None:
    payouts.submit_payout(deps, job.payload["payout_id"])
    return None


def _payout_inquire(deps: Deps, job: Job) -> float | None:
    return (
        None if payouts.inquire_payout(deps, job.payload["payout_id"]) else _delay_after(deps, job)
    )


def _deliver(deps: Deps, job: Job) -> float | None:
    payload = job.payload
    deliveries.deliver(
        deps,
        endpoint_id=payload["endpoint_id"],
        event_id=payload["event_id"],
        attempt=int(payload["attempt"]),
    )
    return None


HANDLERS: dict[str, Handler] = {
    outbox.DELIVER_JOB: _deliver,
    refunds.SUBMIT_JOB: _refund_submit,
    refunds.INQUIRE_JOB: _refund_inquire,
    payouts.SUBMIT_JOB: _payout_submit,
    payouts.INQUIRE_JOB: _payout_inquire,
    processing.SUBMIT_JOB: _submit,
    processing.INQUIRE_JOB: _inquire,
    webhooks.PROCESS_JOB: _webhook,
    sweeper.SWEEP_JOB: _sweep,
}


def run_due(deps: Deps, *, owner: str, limit: int, lease_s: float, rng: random.Random) -> int:
    """Claim and run up to `limit` due jobs; returns how many were claimed."""
    with deps.uow() as uow:
        claimed = uow.jobs.claim(owner=owner, now=deps.clock.now(), lease_s=lease_s, limit=limit)
        uow.commit()
    for job in claimed:
        run_one(deps, job, owner=owner, rng=rng)
    return len(claimed)


def run_one(deps: Deps, job: Job, *, owner: str, rng: random.Random) -> None:
    handler = HANDLERS.get(job.kind)
    assert handler is not None, f"no handler for job kind {job.kind!r}"
    try:
        delay_s = handler(deps, job)
    except Exception as exc:
        log.exception("job %s (%s) failed on attempt %d", job.id, job.kind, job.attempts)
        _reschedule(
            deps,
            job,
            owner=owner,
            error=f"{type(exc).__name__}: {exc}",
            delay_s=backoff_delay_s(
                job.attempts, base_s=RETRY_BASE_S, cap_s=RETRY_CAP_S, jitter=rng.random()
            ),
        )
        return
    now = deps.clock.now()
    with deps.uow() as uow:
        if delay_s is None:
            uow.jobs.finish(job, owner=owner, now=now)
        else:
            uow.jobs.retry_later(
                job,
                owner=owner,
                run_at=now + dt.timedelta(seconds=delay_s),
                error="",
                now=now,
                dead=False,
            )
        uow.commit()


def _reschedule(deps: Deps, job: Job, *, owner: str, error: str, delay_s: float) -> None:
    now = deps.clock.now()
    # A dead job is parked, not deleted: `verify` reports it and a person can revive it.
    dead = job.attempts >= job.attempts_max
    with deps.uow() as uow:
        uow.jobs.retry_later(
            job,
            owner=owner,
            run_at=now + dt.timedelta(seconds=delay_s),
            error=error,
            now=now,
            dead=dead,
        )
        payment_id = _payment_of(uow, job) if dead else None
        payment = uow.payments.get(payment_id) if payment_id else None
        if payment is not None:
            reason = (
                f"job {job.kind} ({job.dedupe_key}) gave up after {job.attempts} tries: {error}"
            )
            exceptions.open_for_payment(deps, uow, payment, kind="job_dead", reason=reason, now=now)
        uow.commit()


def _payment_of(uow: UnitOfWork, job: Job) -> str | None:
    """The payment a job is about, for the exception a dead job raises."""
    if "attempt_id" in job.payload:
        attempt = uow.attempts.get(job.payload["attempt_id"])
        return attempt.payment_id if attempt else None
    if "refund_id" in job.payload:
        refund = uow.refunds.get(job.payload["refund_id"])
        return refund.payment_id if refund else None
    return None
