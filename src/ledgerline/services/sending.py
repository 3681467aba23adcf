"""What every provider operation shares: the re-send rule and its follow-up jobs.

The re-send rule (found by simulation seed 21): only the first send of a freshly staged
operation may take "not processed" as proof that nothing happened. A re-send cannot know
whether an earlier send of the same key was executed, so its "not processed" becomes
`Unknown`, and the provider's fencing inquiry decides.
"""

from __future__ import annotations

import datetime as dt

from ledgerline.domain.outcomes import ChargeOutcome, Retryable, Unknown
from ledgerline.services.ports import UnitOfWork

STEP_ATTEMPTS_MAX = 100_000  # refunds and payouts keep trying until evidence settles them


def as_sent(outcome: ChargeOutcome, *, first_send: bool) -> ChargeOutcome:
    if isinstance(outcome, Retryable) and not first_send:
        return Unknown(f"{outcome.reason} on a re-send; an earlier send may have been executed")
    return outcome


def enqueue_step(
    uow: UnitOfWork,
    *,
    kind: str,
    subject: str,
    subject_id: str,
    run_at: dt.datetime,
    now: dt.datetime,
    revive: bool = False,
) -> None:
    """Queue the job `kind` ("refund.submit", "payout.inquire", …) for one refund or payout.
    `revive` first finishes a queued one, so it comes back at the new time."""
    dedupe_key = f"{kind.replace('.', '-')}:{subject_id}"
    if revive:
        uow.jobs.complete(dedupe_key, now=now)
    uow.jobs.enqueue(
        kind=kind,
        dedupe_key=dedupe_key,
        payload={f"{subject}_id": subject_id},
        run_at=run_at,
        now=now,
        attempts_max=STEP_ATTEMPTS_MAX,
    )
