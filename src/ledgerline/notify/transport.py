"""Posting signed webhooks to merchants' endpoints, with the official Standard Webhooks library
doing the signing (HMAC-SHA256 over `id.timestamp.body`, base64, `v1,` prefix)."""

from __future__ import annotations

import datetime as dt
import time

import httpx
from standardwebhooks.webhooks import Webhook

TIMEOUT_S = 15.0  # the specification's lower bound for a receiver's answer
EXCERPT_CHARS = 300


class HttpWebhookTransport:
    def __init__(self) -> None:
        # No redirects: a redirect is a failure the merchant should fix, never followed blindly.
        self._client = httpx.Client(timeout=TIMEOUT_S, follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def send(
        self, *, url: str, secrets: list[str], msg_id: str, timestamp: dt.datetime, body: str
    ) -> tuple[int | None, int, str]:
        signatures = " ".join(Webhook(secret).sign(msg_id, timestamp, body) for secret in secrets)
        headers = {
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(timestamp.timestamp())),
            "webhook-signature": signatures,
            "content-type": "application/json",
            "user-agent": "Ledgerline-Webhooks/1",
        }
        started = time.monotonic()
        try:
            response = self._client.post(url, content=body.encode(), headers=headers)
        except httpx.HTTPError as exc:
            return (
                None,
                int((time.monotonic() - started) * 1000),
                f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARS],
            )
        return (
            response.status_code,
            int((time.monotonic() - started) * 1000),
            response.text[:EXCERPT_CHARS],
        )
