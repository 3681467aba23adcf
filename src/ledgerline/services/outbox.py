"""The outbox: an event and its webhook deliveries are written in the transaction of the change
they describe, so a delivered event always happened and a change always gets its event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ledgerline.services.deps import Deps
from ledgerline.services.ports import UnitOfWork

DELIVER_JOB = "webhook.deliver"
# Standard Webhooks' example schedule: now, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
RETRY_SCHEDULE_S = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)


def emit(
    deps: Deps,
    uow: UnitOfWork,
    *,
    merchant_id: str,
    type: str,
    object_type: str,
    object_id: str,
    data: dict[str, Any],
    now: dt.datetime,
) -> str:
    event_id = deps.ids.new("evt", now=now)
    uow.events.add(
        event_id=event_id,
        merchant_id=merchant_id,
        type=type,
        object_type=object_type,
        object_id=object_id,
        data=data,
        now=now,
    )
    for endpoint in uow.outbound.endpoints(merchant_id, enabled_only=True):
        if "*" in endpoint["enabled_events"] or type in endpoint["enabled_events"]:
            schedule_delivery(
                uow, endpoint_id=endpoint["id"], event_id=event_id, attempt=1, run_at=now, now=now
            )
    return event_id


def schedule_delivery(
    uow: UnitOfWork,
    *,
    endpoint_id: str,
    event_id: str,
    attempt: int,
    run_at: dt.datetime,
    now: dt.datetime,
) -> None:
    uow.jobs.enqueue(
        kind=DELIVER_JOB,
        dedupe_key=f"deliver:{endpoint_id}:{event_id}",
        payload={"endpoint_id": endpoint_id, "event_id": event_id, "attempt": attempt},
        run_at=run_at,
        now=now,
        attempts_max=len(RETRY_SCHEDULE_S) * 3,
    )
