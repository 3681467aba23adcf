"""Inbound provider webhooks: store raw first, verify, answer fast, process through a job.

A webhook is evidence about one of our attempts (it names the idempotency key we sent). It is
applied with the same rules as a direct reply: states only move forward, so duplicated,
reordered or late deliveries are harmless.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ledgerline.domain.errors import CATALOG, LedgerlineError
from ledgerline.domain.outcomes import Declined, Succeeded
from ledgerline.domain.provider_calls import OperationKind, ProviderEvent
from ledgerline.services import processing
from ledgerline.services.deps import Deps
from ledgerline.services.ports import WebhookRejected

PROCESS_JOB = "webhook.process"
PROCESS_JOB_ATTEMPTS_MAX = 20
BODY_LENGTH_MAX = 256 * 1024  # provider events are a few kB; anything larger is not one


def receive(deps: Deps, *, provider: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """Store the request, then verify it. Raises `webhook_rejected` (401) for a bad one, which
    stays stored with its reason and changes nothing else."""
    try:
        connector = deps.providers.get(provider)
    except KeyError:
        raise LedgerlineError(
            "resource_missing", param="provider", detail=f"no provider {provider}"
        ) from None
    now = deps.clock.now()
    text = body[:BODY_LENGTH_MAX].decode("utf-8", errors="replace")
    with deps.uow() as uow:
        webhook_id = uow.webhooks.store_raw(provider=provider, headers=headers, body=text, now=now)
        uow.commit()
    try:
        event = connector.parse_webhook(headers=headers, body=body, now=now)
    except WebhookRejected as rejected:
        with deps.uow() as uow:
            uow.webhooks.mark(webhook_id, status="rejected", reason=rejected.reason, now=now)
            uow.commit()
        raise LedgerlineError("webhook_rejected", detail=rejected.reason) from None
    with deps.uow() as uow:
        earlier = uow.webhooks.accept(webhook_id, event_id=event.event_id, event=_event_data(event))
        if earlier is None:
            uow.jobs.enqueue(
                kind=PROCESS_JOB,
                dedupe_key=f"webhook:{webhook_id}",
                payload={"webhook_id": webhook_id},
                run_at=now,
                now=now,
                attempts_max=PROCESS_JOB_ATTEMPTS_MAX,
            )
        uow.commit()
    return {"received": True, "duplicate": earlier is not None}


def process(deps: Deps, *, webhook_id: int) -> None:
    """Apply a stored, verified event to the attempt it names. Safe to run twice."""
    with deps.uow(read_only=True) as uow:
        stored = uow.webhooks.get(webhook_id)
    if stored is None or stored["status"] != "queued":
        return
    event = stored["event"]
    outcome = _outcome(event)
    with deps.uow(read_only=True) as uow:
        attempt = uow.attempts.get(event["idempotency_key"])
    now = deps.clock.now()
    if event["operation"] != OperationKind.CHARGE.value or attempt is None or outcome is None:
        with deps.uow() as uow:
            uow.webhooks.mark(
                webhook_id, status="unmatched", reason="names no attempt of ours", now=now
            )
            uow.commit()
        return
    staged = processing.record_evidence(
        deps,
        attempt_id=attempt.id,
        outcome=outcome,
        evidence="webhook",
        summary=f"webhook {event['event_id']}: {event['status']}",
    )
    with deps.uow() as uow:
        uow.webhooks.mark(webhook_id, status="processed", now=deps.clock.now())
        uow.commit()
    processing.send_fresh(deps, staged)


def _outcome(event: dict[str, Any]) -> Succeeded | Declined | None:
    if event["status"] == "succeeded" and event["provider_reference"]:
        return Succeeded(provider_reference=event["provider_reference"])
    if event["status"] == "failed":
        provider_code = event["decline_code"] or "failed"
        code = provider_code if provider_code in CATALOG else "processing_error"
        return Declined(
            code=code, provider_code=provider_code, provider_reference=event["provider_reference"]
        )
    return None


def _event_data(event: ProviderEvent) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "operation": event.operation.value,
        "idempotency_key": event.idempotency_key,
        "status": event.status,
        "provider_reference": event.provider_reference,
        "decline_code": event.decline_code,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(),
    }
