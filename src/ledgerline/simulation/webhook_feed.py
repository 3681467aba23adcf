"""Webhooks about what the simulator really did, delivered with drops, duplicates, reordering
and delays drawn from the seed, signed exactly as the simulator signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from collections import Counter
from typing import Any

from ledgerline.services import webhooks
from ledgerline.services.deps import Deps
from ledgerline.simulation.clocks import VirtualClock

DROP_RATE = 0.1
DUPLICATE_RATE = 0.1
DELAY_RATE = 0.2


class WebhookFeed:
    def __init__(self, *, simulator: Any, rng: random.Random, clock: VirtualClock) -> None:
        self.simulator = simulator
        self.rng = rng
        self.clock = clock
        self.seen: set[str] = set()
        self.queue: list[dict[str, Any]] = []

    def _collect(self) -> None:
        for record in self.simulator.records():
            if record["kind"] != "charge" or record["idempotency_key"] in self.seen:
                continue
            self.seen.add(record["idempotency_key"])
            status = "succeeded" if record["status"] == "succeeded" else "declined"
            self.queue.append(
                {
                    "id": f"evt_{record['idempotency_key']}",
                    "type": f"charge.{status}",
                    "data": record,
                }
            )

    def empty(self) -> bool:
        self._collect()
        return not self.queue

    def deliver(self, deps: Deps, *, faults: bool, counts: Counter[str], trace: list[str]) -> None:
        self._collect()
        batch, self.queue = self.queue, []
        if faults:
            self.rng.shuffle(batch)  # reordered
        for event in batch:
            if faults and self.rng.random() < DELAY_RATE:
                self.queue.append(event)
                counts["delayed"] += 1
                continue
            if faults and self.rng.random() < DROP_RATE:
                counts["dropped"] += 1
                trace.append(f"  webhook {event['id']} dropped")
                continue
            copies = 2 if faults and self.rng.random() < DUPLICATE_RATE else 1
            counts["duplicated"] += copies - 1
            for _ in range(copies):
                self._send(deps, event)
                counts["delivered"] += 1
                trace.append(f"  webhook {event['id']} {event['type']} delivered")

    def _send(self, deps: Deps, event: dict[str, Any]) -> None:
        provider = event["data"]["provider"]
        body = json.dumps(event, separators=(",", ":")).encode()
        timestamp = int(self.clock.now().timestamp())
        secret = self.simulator.webhook_secrets[provider].encode()
        signature = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        headers = {
            "sim-signature": f"t={timestamp},v1={signature}",
            "sim-event-id": event["id"],
            "content-type": "application/json",
        }
        webhooks.receive(deps, provider=provider, headers=headers, body=body)
