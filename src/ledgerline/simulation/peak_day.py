"""`ledgerline simulate`: the whole product on a bad day, end to end, as real processes.

Starts the simulator (with a named fault profile), the API and a worker; drives payments (and
refunds) over HTTP at a chosen concurrency; waits until nothing is open; reconciles each
acquirer's settlement export; pays out part of what became available; then reports what
happened and checks every invariant, including that the simulator's truth equals the ledger's.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

METHODS = [
    ("pm_card_visa", 80),
    ("pm_card_declined", 5),
    ("pm_card_insufficient_funds", 3),
    ("pm_card_lost_response", 6),
    ("pm_card_provider_down", 6),
]
SETTLE_TIMEOUT_S = 120.0  # lost responses need an inquiry or a webhook; provider-down a failover
PAYOUTS = 5  # several, so payouts run beside each other as on a real day
IBAN = {"type": "iban", "iban": "DE89370400440532013000", "holder_name": "Simulated Merchant"}


@dataclass
class Report:
    payments: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    finished: list[tuple[float, str]] = field(
        default_factory=list
    )  # (seconds since start, status answered)
    final: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    evidence: Counter[str] = field(default_factory=Counter)
    faults: dict[str, Any] = field(default_factory=dict)
    exceptions: Counter[str] = field(default_factory=Counter)
    refunds: Counter[str] = field(default_factory=Counter)
    payouts: Counter[str] = field(default_factory=Counter)
    reconciliation: dict[str, dict[str, int]] = field(default_factory=dict)
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(ok for _, ok, _ in self.checks)

    def lines(self) -> list[str]:
        cuts = (
            statistics.quantiles(self.latencies_ms, n=100)
            if len(self.latencies_ms) > 1
            else [0.0] * 99
        )
        out = [
            f"payments: {self.payments} in {self.seconds:.1f} s ({self.payments / max(self.seconds, 1e-9):.1f}/s); "
            f"latency p50 {cuts[49]:.0f} ms, p95 {cuts[94]:.0f} ms, p99 {cuts[98]:.0f} ms",
            f"final states: {dict(self.final)}",
            f"error codes: {dict(self.errors)}",
            f"outcomes settled by evidence: {dict(self.evidence)}",
            f"faults injected by the simulator: {self.faults}",
            f"refunds: {dict(self.refunds)}; payouts: {dict(self.payouts)}",
            f"reconciliation: {self.reconciliation}",
            f"exceptions raised: {dict(self.exceptions)}",
        ]
        out += [
            f"{'PASS' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}"
            for name, ok, detail in self.checks
        ]
        return out


def drive(
    api: str,
    secret: str,
    *,
    payments: int,
    concurrency: int,
    seed: int,
    report: Report,
    progress: Callable[[], None] = lambda: None,
) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    plan = [
        (
            rng.choices([m for m, _ in METHODS], [w for _, w in METHODS])[0],
            rng.randint(100, 200_000),
        )
        for _ in range(payments)
    ]
    run = uuid.uuid4().hex[:8]

    def one(index: int) -> dict[str, Any]:
        method, amount = plan[index]
        with httpx.Client(
            base_url=api, headers={"Authorization": f"Bearer {secret}"}, timeout=60
        ) as client:
            started = time.perf_counter()
            response = client.post(
                "/v1/payments",
                headers={"Idempotency-Key": f"sim-{run}-{index}"},
                json={
                    "amount": amount,
                    "currency": "usd",
                    "payment_method": method,
                    "confirm": True,
                },
            )
            report.latencies_ms.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            answered = dict(response.json())
            report.finished.append((time.perf_counter() - run_started, answered["status"]))
            progress()
            return answered

    run_started = started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        created = list(pool.map(one, range(payments)))
    report.seconds = time.perf_counter() - started
    report.payments = payments
    return created


def wait_until_settled(client: httpx.Client, *, deadline_s: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + deadline_s
    while True:
        everything = _all(client, "/v1/payments")
        if (
            not [p for p in everything if p["status"] == "processing"]
            or time.monotonic() > deadline
        ):
            return everything
        time.sleep(0.5)


def _all(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    after = None
    while True:
        page = client.get(
            path, params={"limit": 100, **params, **({"starting_after": after} if after else {})}
        ).json()
        items += page["data"]
        if not page["has_more"]:
            return items
        after = page["data"][-1]["id"]


def refund_some(client: httpx.Client, payments: list[dict[str, Any]], report: Report) -> None:
    for payment in [p for p in payments if p["status"] == "succeeded"][::10]:
        response = client.post(
            "/v1/refunds", json={"payment": payment["id"], "amount": max(1, payment["amount"] // 3)}
        )
        report.refunds[response.json().get("status", f"http {response.status_code}")] += 1


def pay_out(
    client: httpx.Client, report: Report, *, deadline_s: float, count: int = PAYOUTS
) -> None:
    """Pay out half of what became available, in `count` payouts, and wait for each to end."""
    available = {b["currency"]: b["amount"] for b in client.get("/v1/balance").json()["available"]}
    each = available.get("usd", 0) // 2 // count
    if each <= 0:
        return
    created = [
        client.post(
            "/v1/payouts", json={"amount": each, "currency": "usd", "destination": IBAN}
        ).json()
        for _ in range(count)
    ]
    pending = {p["id"] for p in created if "id" in p}
    report.payouts["refused"] += count - len(pending)
    deadline = time.monotonic() + deadline_s
    while pending and time.monotonic() < deadline:
        for payout_id in list(pending):
            status = client.get(f"/v1/payouts/{payout_id}").json()["status"]
            if status in ("paid", "failed"):
                report.payouts[status] += 1
                pending.discard(payout_id)
        time.sleep(0.3)
    report.payouts["still open"] += len(pending)


def summarize(payments: list[dict[str, Any]], report: Report) -> None:
    for payment in payments:
        report.final[payment["status"]] += 1
        if payment["last_error"]:
            report.errors[payment["last_error"]["code"]] += 1
        for attempt in payment["attempts"]:
            if attempt["evidence"] in ("inquiry", "webhook", "settlement"):
                report.evidence[f"{attempt['status']} by {attempt['evidence']}"] += 1


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
