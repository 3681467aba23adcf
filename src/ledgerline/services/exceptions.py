"""The exception queue: what needs a person, each with a plain-words reason.

Exceptions are raised by the sweeper (SLAs), by conflicting or duplicate evidence, and by jobs
that gave up. Ones caused by an open outcome close themselves when the payment reaches a final
state; the others wait for a person's resolution note.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.movements import Payout
from ledgerline.domain.payments import Payment
from ledgerline.services.deps import Deps
from ledgerline.services.ports import UnitOfWork

# Raised because an outcome was still open; a final state answers them.
SELF_CLOSING = ["unknown_outcome", "stuck_processing", "inquiry_window_passed"]
NOTE_LENGTH_MAX = 2000
LIST_LIMIT_MAX = 100


def open_for_payment(
    deps: Deps, uow: UnitOfWork, payment: Payment, *, kind: str, reason: str, now: dt.datetime
) -> bool:
    opened = uow.exceptions.open(
        exception_id=deps.ids.new("exc", now=now),
        kind=kind,
        merchant_id=payment.merchant_id,
        subject_type="payment",
        subject_id=payment.id,
        reason=reason,
        now=now,
    )
    if opened:
        uow.timeline.add(
            payment_id=payment.id, at=now, kind="exception_opened", summary=f"{kind}: {reason}"
        )
    return opened


def open_for_payout(
    deps: Deps, uow: UnitOfWork, payout: Payout, *, kind: str, reason: str, now: dt.datetime
) -> bool:
    return uow.exceptions.open(
        exception_id=deps.ids.new("exc", now=now),
        kind=kind,
        merchant_id=payout.merchant_id,
        subject_type="payout",
        subject_id=payout.id,
        reason=reason,
        now=now,
    )


def close_resolved(uow: UnitOfWork, payment: Payment, *, now: dt.datetime) -> None:
    closed = uow.exceptions.resolve_for_subject(
        subject_id=payment.id,
        kinds=SELF_CLOSING,
        now=now,
        note=f"resolved automatically: the payment reached {payment.status.value}",
    )
    if closed:
        uow.timeline.add(
            payment_id=payment.id,
            at=now,
            kind="exception_closed",
            summary=f"{closed} open exception(s) closed: payment {payment.status.value}",
        )


def view(row: dict[str, Any], *, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": row["id"],
        "object": "exception",
        "kind": row["kind"],
        "status": row["status"],
        "reason": row["reason"],
        "subject": {
            "type": row["subject_type"],
            "id": row["subject_id"],
            "timeline_url": f"/v1/payments/{row['subject_id']}/timeline"
            if row["subject_type"] == "payment"
            else None,
        },
        "opened": int(row["opened_at"].timestamp()),
        "resolved": int(row["resolved_at"].timestamp()) if row["resolved_at"] else None,
        "resolution_note": row["resolution_note"],
        "resolved_by": row["resolved_by"],
        "age_s": int((now - row["opened_at"]).total_seconds()),
    }


def list_exceptions(
    deps: Deps,
    *,
    merchant_id: str | None,
    status: str | None,
    kind: str | None,
    min_age_s: float | None,
    starting_after: str | None,
    limit: int,
) -> dict[str, Any]:
    assert 1 <= limit <= LIST_LIMIT_MAX, limit
    now = deps.clock.now()
    before = now - dt.timedelta(seconds=min_age_s) if min_age_s is not None else None
    with deps.uow(read_only=True) as uow:
        rows = uow.exceptions.page(
            merchant_id=merchant_id,
            status=status,
            kind=kind,
            opened_before=before,
            after_id=starting_after,
            limit=limit + 1,
        )
    data = [view(row, now=now) for row in rows[:limit]]
    return {"object": "list", "url": "/v1/exceptions", "has_more": len(rows) > limit, "data": data}


def resolve(
    deps: Deps, *, merchant_id: str | None, exception_id: str, note: str, by: str
) -> dict[str, Any]:
    note = note.strip()
    if not note or len(note) > NOTE_LENGTH_MAX:
        raise LedgerlineError(
            "parameter_invalid",
            param="note",
            detail=f"a note of 1 to {NOTE_LENGTH_MAX} characters says why",
        )
    now = deps.clock.now()
    with deps.uow() as uow:
        row = uow.exceptions.get(exception_id)
        if row is None or (merchant_id is not None and row["merchant_id"] != merchant_id):
            raise LedgerlineError(
                "resource_missing", param="id", detail=f"no exception {exception_id}"
            )
        if not uow.exceptions.resolve(exception_id=exception_id, note=note, by=by, now=now):
            raise LedgerlineError("exception_already_resolved", param="id", detail=exception_id)
        if row["subject_type"] == "payment":
            uow.timeline.add(
                payment_id=row["subject_id"],
                at=now,
                kind="exception_resolved",
                summary=f"{row['kind']} resolved by {by}: {note}",
            )
        uow.commit()
        resolved = uow.exceptions.get(exception_id)
    assert resolved is not None
    return view(resolved, now=now)
