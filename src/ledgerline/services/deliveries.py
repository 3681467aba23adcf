"""Delivering events to endpoints: at least once, signed, retried on a schedule, every attempt
recorded; an endpoint failing for five days straight is disabled and an event says so."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ledgerline.domain.errors import LedgerlineError
from ledgerline.services import outbox
from ledgerline.services.deps import Deps

DISABLE_AFTER_S = 5 * 24 * 3600
LIST_LIMIT_MAX = 100


def payload(event: dict[str, Any]) -> str:
    """The body: the event in the Standard Webhooks shape (type, timestamp, data)."""
    return json.dumps(
        {
            "type": event["type"],
            "timestamp": event["created_at"].isoformat(),
            "data": event["data"] | {"event_id": event["id"]},
        },
        separators=(",", ":"),
    )


def deliver(deps: Deps, *, endpoint_id: str, event_id: str, attempt: int) -> None:
    """One delivery attempt. On failure the next attempt is scheduled; never raises for the
    receiver's failures, which are outcomes recorded like any other."""
    assert deps.webhook_transport is not None and deps.vault is not None
    now = deps.clock.now()
    with deps.uow(read_only=True) as uow:
        endpoint = uow.outbound.endpoint(endpoint_id)
        event = uow.outbound.event(event_id)
    if endpoint is None or event is None or endpoint["status"] != "enabled":
        return
    secrets = [deps.vault.open(endpoint["secret_sealed"])["secret"]]
    expires = endpoint["previous_secret_expires_at"]
    if endpoint["previous_secret_sealed"] and expires and expires > now:
        secrets.append(deps.vault.open(endpoint["previous_secret_sealed"])["secret"])
    status, latency_ms, excerpt = deps.webhook_transport.send(
        url=endpoint["url"], secrets=secrets, msg_id=event_id, timestamp=now, body=payload(event)
    )
    succeeded = status is not None and 200 <= status < 300
    with deps.uow() as uow:
        uow.outbound.add_delivery(
            {
                "endpoint_id": endpoint_id,
                "event_id": event_id,
                "attempt": attempt,
                "status_code": status,
                "latency_ms": latency_ms,
                "response_excerpt": excerpt[:500],
                "error": None if succeeded else (excerpt[:500] or f"http {status}"),
                "succeeded": int(succeeded),
                "at": now,
            }
        )
        if succeeded:
            uow.outbound.update_endpoint(endpoint_id, failing_since=None)
        else:
            _after_failure(
                deps, uow, endpoint, event_id=event_id, attempt=attempt, status=status, now=now
            )
        uow.commit()


def _after_failure(
    deps: Deps,
    uow: Any,
    endpoint: dict[str, Any],
    *,
    event_id: str,
    attempt: int,
    status: int | None,
    now: dt.datetime,
) -> None:
    failing_since = endpoint["failing_since"] or now
    if endpoint["failing_since"] is None:
        uow.outbound.update_endpoint(endpoint["id"], failing_since=now)
    if status == 410 or (now - failing_since).total_seconds() >= DISABLE_AFTER_S:
        reason = (
            "the receiver answered 410 Gone"
            if status == 410
            else "every delivery failed for five days"
        )
        uow.outbound.update_endpoint(endpoint["id"], status="disabled", disabled_reason=reason)
        outbox.emit(
            deps,
            uow,
            merchant_id=endpoint["merchant_id"],
            type="webhook_endpoint.disabled",
            object_type="webhook_endpoint",
            object_id=endpoint["id"],
            data={"id": endpoint["id"], "url": endpoint["url"], "reason": reason},
            now=now,
        )
        return
    if attempt < len(outbox.RETRY_SCHEDULE_S):
        delay_s = outbox.RETRY_SCHEDULE_S[attempt]
        # Finish the current job first so enqueue revives it for the next attempt.
        uow.jobs.complete(f"deliver:{endpoint['id']}:{event_id}", now=now)
        outbox.schedule_delivery(
            uow,
            endpoint_id=endpoint["id"],
            event_id=event_id,
            attempt=attempt + 1,
            run_at=now + dt.timedelta(seconds=delay_s),
            now=now,
        )


def redeliver(deps: Deps, *, merchant_id: str, event_id: str) -> dict[str, Any]:
    now = deps.clock.now()
    with deps.uow() as uow:
        event = uow.outbound.event(event_id, merchant_id=merchant_id)
        if event is None:
            raise LedgerlineError("resource_missing", param="id", detail=f"no event {event_id}")
        endpoints = [
            e
            for e in uow.outbound.endpoints(merchant_id, enabled_only=True)
            if "*" in e["enabled_events"] or event["type"] in e["enabled_events"]
        ]
        for endpoint in endpoints:
            uow.jobs.complete(f"deliver:{endpoint['id']}:{event_id}", now=now)
            outbox.schedule_delivery(
                uow, endpoint_id=endpoint["id"], event_id=event_id, attempt=1, run_at=now, now=now
            )
        uow.commit()
    return {"id": event_id, "object": "event", "redelivering_to": [e["id"] for e in endpoints]}


def list_deliveries(
    deps: Deps, *, merchant_id: str, endpoint_id: str, starting_after: int | None, limit: int
) -> dict[str, Any]:
    with deps.uow(read_only=True) as uow:
        endpoint = uow.outbound.endpoint(endpoint_id, merchant_id=merchant_id)
        if endpoint is None:
            raise LedgerlineError(
                "resource_missing", param="id", detail=f"no webhook endpoint {endpoint_id}"
            )
        rows = uow.outbound.deliveries(endpoint_id, after_id=starting_after, limit=limit + 1)
    data = [
        {
            "id": r["id"],
            "object": "webhook_delivery",
            "event": r["event_id"],
            "attempt": r["attempt"],
            "status_code": r["status_code"],
            "latency_ms": r["latency_ms"],
            "succeeded": bool(r["succeeded"]),
            "response_excerpt": r["response_excerpt"],
            "error": r["error"],
            "created": int(r["at"].timestamp()),
        }
        for r in rows[:limit]
    ]
    return {
        "object": "list",
        "url": f"/v1/webhook_endpoints/{endpoint_id}/deliveries",
        "has_more": len(rows) > limit,
        "data": data,
    }


def event_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "object": "event",
        "type": row["type"],
        "created": int(row["created_at"].timestamp()),
        "data": {"object": row["data"]},
    }


def list_events(
    deps: Deps,
    *,
    merchant_id: str,
    type: str | None,
    created_gte: dt.datetime | None,
    created_lt: dt.datetime | None,
    starting_after: str | None,
    limit: int,
) -> dict[str, Any]:
    assert 1 <= limit <= LIST_LIMIT_MAX, limit
    with deps.uow(read_only=True) as uow:
        before = None
        if starting_after is not None:
            cursor = uow.outbound.event(starting_after, merchant_id=merchant_id)
            if cursor is None:
                raise LedgerlineError(
                    "pagination_cursor_invalid", param="starting_after", detail=starting_after
                )
            before = cursor["seq"]
        rows = uow.outbound.events_page(
            merchant_id,
            type=type,
            created_gte=created_gte,
            created_lt=created_lt,
            before_seq=before,
            limit=limit + 1,
        )
    return {
        "object": "list",
        "url": "/v1/events",
        "has_more": len(rows) > limit,
        "data": [event_view(r) for r in rows[:limit]],
    }


def get_event(deps: Deps, *, merchant_id: str, event_id: str) -> dict[str, Any]:
    with deps.uow(read_only=True) as uow:
        row = uow.outbound.event(event_id, merchant_id=merchant_id)
    if row is None:
        raise LedgerlineError("resource_missing", param="id", detail=f"no event {event_id}")
    return event_view(row)
