"""The connector for the provider simulator (`sim_a`, `sim_b`, `sim_bank`) over HTTP.

The one rule that matters here is httpx's own line: a connect error or connect timeout means the
request was never sent (`Retryable`); a read timeout, a dropped connection or an ambiguous 5xx
means it may have been processed (`Unknown`). Any status this module does not understand is
`Unknown` too, never a failure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

import httpx

from ledgerline.domain.outcomes import (
    ChargeOutcome,
    Declined,
    InquiryOutcome,
    NotFound,
    Retryable,
    Succeeded,
    Unknown,
)
from ledgerline.domain.provider_calls import (
    ChargeRequest,
    OperationKind,
    PayoutRequest,
    ProviderEvent,
    ProviderReply,
    RefundRequest,
)
from ledgerline.services.ports import WebhookRejected

# Provider decline codes we can explain to a payer; anything else is a generic processing error.
DECLINE_CODES = {"card_declined", "insufficient_funds", "expired_card"}
WEBHOOK_TOLERANCE_S = 300  # five minutes either way, as most providers allow
COLLECTIONS = {
    OperationKind.CHARGE: "charges",
    OperationKind.REFUND: "refunds",
    OperationKind.PAYOUT: "payouts",
}
OPERATIONS = {
    "charge": OperationKind.CHARGE,
    "refund": OperationKind.REFUND,
    "payout": OperationKind.PAYOUT,
}


class SimulatorConnector:
    def __init__(
        self,
        name: str,
        base_url: str,
        webhook_secret: str,
        *,
        timeout_s: float = 5.0,
        connect_timeout_s: float = 2.0,
    ) -> None:
        self.name = name
        self.webhook_secret = webhook_secret
        timeout = httpx.Timeout(timeout_s, connect=connect_timeout_s)
        self._client = httpx.Client(base_url=f"{base_url.rstrip('/')}/{name}/v1", timeout=timeout)

    def close(self) -> None:
        self._client.close()

    # -- operations ----------------------------------------------------------------------------

    def charge(self, request: ChargeRequest) -> ProviderReply[ChargeOutcome]:
        body = {
            "amount_minor": request.amount.amount_minor,
            "currency": request.amount.currency,
            "payment_method": request.payment_method,
            "reference": request.payment_id,
        }
        return self._post("/charges", request.idempotency_key, body, f"{request.amount}")

    def refund(self, request: RefundRequest) -> ProviderReply[ChargeOutcome]:
        body = {
            "charge_id": request.charge_reference,
            "amount_minor": request.amount.amount_minor,
            "currency": request.amount.currency,
            "reference": request.refund_id,
        }
        return self._post("/refunds", request.idempotency_key, body, f"{request.amount}")

    def payout(self, request: PayoutRequest) -> ProviderReply[ChargeOutcome]:
        body = {
            "amount_minor": request.amount.amount_minor,
            "currency": request.amount.currency,
            "reference": request.payout_id,
            "destination": request.destination,
        }
        return self._post("/payouts", request.idempotency_key, body, f"{request.amount}")

    def inquire(
        self, *, operation: OperationKind, idempotency_key: str
    ) -> ProviderReply[InquiryOutcome]:
        path = f"/{COLLECTIONS[operation]}/by-key/{idempotency_key}"
        what = f"GET {self.name} {path}"
        started = time.monotonic()
        try:
            response = self._client.get(path)
        except httpx.HTTPError as exc:
            return _reply(
                Unknown(type(exc).__name__), None, started, f"{what} -> {type(exc).__name__}"
            )
        payload = _json(response)
        outcome: InquiryOutcome
        if response.status_code == 404 and payload.get("error", {}).get("certain") is True:
            outcome = NotFound("provider certifies no record; key fenced")
        elif response.status_code == 200:
            outcome = _result(payload)
        else:
            outcome = Unknown(f"http {response.status_code}")
        return _reply(
            outcome,
            response.status_code,
            started,
            f"{what} -> {response.status_code} {_describe(outcome)}",
        )

    def _post(
        self, path: str, key: str, body: dict[str, Any], amount: str
    ) -> ProviderReply[ChargeOutcome]:
        what = f"POST {self.name} {path} key={key} {amount}"
        started = time.monotonic()
        try:
            response = self._client.post(path, json=body, headers={"Idempotency-Key": key})
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # Never reached the provider: safe to retry here or elsewhere.
            return _reply(
                Retryable(type(exc).__name__),
                None,
                started,
                f"{what} -> not sent ({type(exc).__name__})",
            )
        except httpx.HTTPError as exc:
            # Sent, and then the answer was lost: the provider may have acted.
            return _reply(
                Unknown(type(exc).__name__),
                None,
                started,
                f"{what} -> no answer ({type(exc).__name__})",
            )
        outcome = _post_outcome(response.status_code, _json(response))
        return _reply(
            outcome,
            response.status_code,
            started,
            f"{what} -> {response.status_code} {_describe(outcome)}",
        )

    # -- webhooks and settlement ----------------------------------------------------------------

    def parse_webhook(
        self, *, headers: Mapping[str, str], body: bytes, now: dt.datetime
    ) -> ProviderEvent:
        lowered = {k.lower(): v for k, v in headers.items()}
        parts = dict(
            p.split("=", 1) for p in lowered.get("sim-signature", "").split(",") if "=" in p
        )
        if "t" not in parts or "v1" not in parts or not parts["t"].isdigit():
            raise WebhookRejected("signature_missing")
        expected = hmac.new(
            self.webhook_secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, parts["v1"]):
            raise WebhookRejected("signature_invalid")
        if abs(now.timestamp() - int(parts["t"])) > WEBHOOK_TOLERANCE_S:
            raise WebhookRejected("timestamp_stale")
        try:
            event = json.loads(body)
            record = event["data"]
            return ProviderEvent(
                event_id=str(event["id"]),
                operation=OPERATIONS[record["kind"]],
                idempotency_key=str(record["idempotency_key"]),
                status="succeeded" if record["status"] == "succeeded" else "failed",
                provider_reference=record.get("id"),
                decline_code=record.get("decline_code"),
                occurred_at=dt.datetime.fromisoformat(record["created_at"]),
            )
        except (ValueError, KeyError, TypeError):
            raise WebhookRejected("malformed") from None

    def settlement_export(self, *, day: dt.date) -> bytes:
        response = self._client.get("/settlements", params={"date": day.isoformat()})
        response.raise_for_status()
        return response.content


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _result(payload: dict[str, Any]) -> Succeeded | Declined | Unknown:
    status, reference = payload.get("status"), payload.get("id")
    if status == "succeeded" and reference:
        return Succeeded(provider_reference=str(reference))
    if status in ("declined", "failed"):
        provider_code = str(payload.get("decline_code") or status)
        code = provider_code if provider_code in DECLINE_CODES else "processing_error"
        return Declined(code=code, provider_code=provider_code, provider_reference=reference)
    return Unknown(f"unrecognised status {status!r}")


def _post_outcome(status_code: int, payload: dict[str, Any]) -> ChargeOutcome:
    error = payload.get("error", {}) if isinstance(payload.get("error"), dict) else {}
    if status_code == 200:
        return _result(payload)
    if status_code == 429 or (status_code == 503 and error.get("processed") is False):
        return Retryable(str(error.get("code", f"http {status_code}")))
    if status_code == 409 and error.get("code") == "key_fenced":
        # The provider certified this key as never executed and will refuse it forever: for
        # this attempt that is a definite "not processed", and a new attempt gets a new key.
        return Retryable("key_fenced")
    return Unknown(f"http {status_code}")


def _describe(outcome: ChargeOutcome | InquiryOutcome) -> str:
    match outcome:
        case Succeeded(provider_reference=reference):
            return f"succeeded {reference}"
        case Declined(provider_code=code):
            return f"declined {code}"
        case _:
            return f"{type(outcome).__name__.lower()} ({getattr(outcome, 'reason', '')})"


def _reply(
    outcome: Any, http_status: int | None, started: float, summary: str
) -> ProviderReply[Any]:
    return ProviderReply(
        outcome=outcome,
        http_status=http_status,
        latency_ms=int((time.monotonic() - started) * 1000),
        summary=summary,
    )
