"""Outbound webhook endpoints (Standard Webhooks): create, list, update, delete, rotate a secret,
and the events API that feeds them."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from typing import Any
from urllib.parse import urlparse

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.events import EventType
from ledgerline.services.deps import Deps

ROTATION_OVERLAP_S = 24 * 3600  # both secrets sign for a day, so receivers can switch calmly
KNOWN_TYPES = {t.value for t in EventType} | {
    "refund.created",
    "refund.succeeded",
    "refund.failed",
    "payout.created",
    "payout.processing",
    "payout.paid",
    "payout.failed",
    "payout.canceled",
    "payout.returned",
    "webhook_endpoint.disabled",
}
ENDPOINTS_MAX = 16
LIST_LIMIT_MAX = 100


def _secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _validate(url: str | None, events: list[str] | None) -> None:
    if url is not None:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or len(url) > 2048:
            raise LedgerlineError(
                "parameter_invalid", param="url", detail="an absolute http(s) URL"
            )
    if events is not None:
        unknown = [e for e in events if e != "*" and e not in KNOWN_TYPES]
        if not events or unknown:
            raise LedgerlineError(
                "parameter_invalid",
                param="enabled_events",
                detail=f"unknown event type {unknown[0]!r}" if unknown else "at least one, or '*'",
            )


def view(row: dict[str, Any], *, secret: str | None = None) -> dict[str, Any]:
    shown = {
        "id": row["id"],
        "object": "webhook_endpoint",
        "url": row["url"],
        "enabled_events": row["enabled_events"],
        "description": row["description"],
        "status": row["status"],
        "disabled_reason": row["disabled_reason"],
        "created": int(row["created_at"].timestamp()),
    }
    return shown | ({"secret": secret} if secret else {})


def create_endpoint(
    deps: Deps, *, merchant_id: str, url: str, enabled_events: list[str], description: str | None
) -> dict[str, Any]:
    """The secret is returned here and on rotation only; it is stored encrypted."""
    _validate(url, enabled_events)
    assert deps.vault is not None
    now, secret = deps.clock.now(), _secret()
    row = {
        "id": deps.ids.new("we", now=now),
        "merchant_id": merchant_id,
        "url": url,
        "enabled_events": enabled_events,
        "description": description,
        "secret_sealed": deps.vault.seal({"secret": secret}),
        "status": "enabled",
        "created_at": now,
    }
    with deps.uow() as uow:
        if len(uow.outbound.endpoints(merchant_id, enabled_only=True)) >= ENDPOINTS_MAX:
            raise LedgerlineError(
                "parameter_invalid", param="url", detail=f"at most {ENDPOINTS_MAX} endpoints"
            )
        uow.outbound.add_endpoint(row)
        uow.commit()
    return view(row | {"disabled_reason": None}, secret=secret)


def _owned(uow: Any, merchant_id: str, endpoint_id: str) -> dict[str, Any]:
    row = uow.outbound.endpoint(endpoint_id, merchant_id=merchant_id)
    if row is None or row["status"] == "deleted":
        raise LedgerlineError(
            "resource_missing", param="id", detail=f"no webhook endpoint {endpoint_id}"
        )
    return dict(row)


def update_endpoint(
    deps: Deps,
    *,
    merchant_id: str,
    endpoint_id: str,
    url: str | None,
    enabled_events: list[str] | None,
    description: str | None,
    enabled: bool | None,
) -> dict[str, Any]:
    _validate(url, enabled_events)
    changes: dict[str, Any] = {
        k: v
        for k, v in (("url", url), ("enabled_events", enabled_events), ("description", description))
        if v is not None
    }
    if enabled is not None:
        changes |= (
            {"status": "enabled", "disabled_reason": None, "failing_since": None}
            if enabled
            else {"status": "disabled", "disabled_reason": "disabled by the merchant"}
        )
    with deps.uow() as uow:
        _owned(uow, merchant_id, endpoint_id)
        if changes:
            uow.outbound.update_endpoint(endpoint_id, **changes)
        uow.commit()
        return view(_owned(uow, merchant_id, endpoint_id))


def rotate_secret(deps: Deps, *, merchant_id: str, endpoint_id: str) -> dict[str, Any]:
    assert deps.vault is not None
    now, secret = deps.clock.now(), _secret()
    with deps.uow() as uow:
        row = _owned(uow, merchant_id, endpoint_id)
        uow.outbound.update_endpoint(
            endpoint_id,
            secret_sealed=deps.vault.seal({"secret": secret}),
            previous_secret_sealed=row["secret_sealed"],
            previous_secret_expires_at=now + dt.timedelta(seconds=ROTATION_OVERLAP_S),
        )
        uow.commit()
    return view(row, secret=secret) | {
        "previous_secret_expires": int(now.timestamp()) + ROTATION_OVERLAP_S
    }


def delete_endpoint(deps: Deps, *, merchant_id: str, endpoint_id: str) -> dict[str, Any]:
    with deps.uow() as uow:
        _owned(uow, merchant_id, endpoint_id)
        uow.outbound.delete_endpoint(endpoint_id)
        uow.commit()
    return {"id": endpoint_id, "object": "webhook_endpoint", "deleted": True}


def list_endpoints(deps: Deps, *, merchant_id: str) -> dict[str, Any]:
    with deps.uow(read_only=True) as uow:
        rows = [r for r in uow.outbound.endpoints(merchant_id) if r["status"] != "deleted"]
    return {
        "object": "list",
        "url": "/v1/webhook_endpoints",
        "has_more": False,
        "data": [view(r) for r in rows],
    }
