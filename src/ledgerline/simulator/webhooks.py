"""Signed webhooks to the engine, sent from a background thread with the profile's faults.

Signature: header `Sim-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`,
plus `Sim-Event-Id`. Posted to `<webhook_url>/<provider>/webhooks`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import secrets
import threading
import time
from collections import Counter
from typing import Any

import httpx

from ledgerline.simulator.faults import Dice, Profile

SEND_ATTEMPTS_MAX = 4  # then the event is dropped and counted: the engine must cope via inquiry
SEND_TIMEOUT_S = 5.0


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


class WebhookSender:
    def __init__(
        self,
        *,
        url: str | None,
        secrets_by_provider: dict[str, str],
        profile: Profile,
        dice: Dice,
        stats: Counter[str],
    ) -> None:
        self.url = url.rstrip("/") if url else None
        self.secrets = secrets_by_provider
        self.profile = profile
        self.dice = dice
        self.stats = stats
        self._queue: queue.Queue[tuple[float, dict[str, Any]] | None] = queue.Queue()
        self._held: dict[str, dict[str, Any]] = {}
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.url and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sim-webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def emit(self, record: dict[str, Any]) -> None:
        if not self.url:
            return
        kind, status = record["kind"], record["status"]
        names = {
            "charge": {"succeeded": "charge.succeeded", "declined": "charge.declined"},
            "refund": {"succeeded": "refund.succeeded", "failed": "refund.failed"},
            "payout": {"succeeded": "payout.paid", "failed": "payout.failed"},
        }
        event = {
            "id": f"evt_{secrets.token_hex(10)}",
            "type": names[kind].get(status, f"{kind}.{status}"),
            "data": record,
        }
        faults = self.profile.providers[record["provider"]]
        provider = record["provider"]
        if self.dice.chance(provider, faults.webhook_drop_rate):
            self.stats["webhook_dropped"] += 1
            return
        due = time.monotonic() + faults.webhook_delay_s
        copies = 2 if self.dice.chance(provider, faults.webhook_duplicate_rate) else 1
        self.stats["webhook_duplicated"] += copies - 1
        if self.dice.chance(provider, faults.webhook_reorder_rate) and provider not in self._held:
            self._held[provider] = event  # sent after the next event of this provider
            self.stats["webhook_reordered"] += 1
            return
        for _ in range(copies):
            self._queue.put((due, event))
        held = self._held.pop(provider, None)
        if held is not None:
            self._queue.put((due, held))

    def _run(self) -> None:
        with httpx.Client(timeout=SEND_TIMEOUT_S) as client:
            while True:
                item = self._queue.get()
                if item is None:
                    return
                due, event = item
                time.sleep(max(0.0, due - time.monotonic()))
                self._send(client, event)

    def _send(self, client: httpx.Client, event: dict[str, Any]) -> None:
        provider = event["data"]["provider"]
        body = json.dumps(event, separators=(",", ":")).encode()
        for attempt in range(SEND_ATTEMPTS_MAX):
            timestamp = int(time.time())
            headers = {
                "Sim-Signature": f"t={timestamp},v1={sign(self.secrets.get(provider, ''), timestamp, body)}",
                "Sim-Event-Id": event["id"],
                "Content-Type": "application/json",
            }
            try:
                response = client.post(
                    f"{self.url}/{provider}/webhooks", content=body, headers=headers
                )
                if response.status_code < 300:
                    self.stats["webhook_delivered"] += 1
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2 * 2**attempt)
        self.stats["webhook_failed"] += 1
