"""`GET /v1/providers`: how each provider is doing right now."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ledgerline.domain.states import AttemptStatus
from ledgerline.services import provider_health
from ledgerline.services.deps import Deps

STATS_WINDOW_S = 300.0  # five minutes: recent enough to act on, long enough to be stable


def _percentile(sorted_ms: list[int], fraction: float) -> int | None:
    if not sorted_ms:
        return None
    index = min(len(sorted_ms) - 1, max(0, round(fraction * len(sorted_ms)) - 1))
    return sorted_ms[index]


def provider_status(deps: Deps) -> dict[str, Any]:
    now = deps.clock.now()
    since = now - dt.timedelta(seconds=STATS_WINDOW_S)
    data = []
    with deps.uow(read_only=True) as uow:
        open_counts = uow.attempts.open_counts()
        for name in deps.providers.names():
            circuit = provider_health.current_circuit(uow, name, now=now)
            outcomes = uow.health.outcome_counts(name, since=since)
            latencies = uow.health.latencies_ms(name, since=since)
            calls = sum(outcomes.values())
            answered = (
                outcomes.get("succeeded", 0)
                + outcomes.get("declined", 0)
                + outcomes.get("not_found", 0)
            )
            data.append(
                {
                    "object": "provider",
                    "name": name,
                    "circuit": {
                        "state": circuit.state.value,
                        "since": int(circuit.changed_at.timestamp()),
                        "reason": circuit.reason,
                    },
                    "window_s": int(STATS_WINDOW_S),
                    "calls": calls,
                    "outcomes": outcomes,
                    "success_rate": round(answered / calls, 4) if calls else None,
                    "latency_ms": {
                        "p50": _percentile(latencies, 0.5),
                        "p95": _percentile(latencies, 0.95),
                        "p99": _percentile(latencies, 0.99),
                    },
                    "in_flight": open_counts.get((name, AttemptStatus.PENDING.value), 0),
                    "unknown": open_counts.get((name, AttemptStatus.UNKNOWN.value), 0),
                }
            )
    return {"object": "list", "url": "/v1/providers", "has_more": False, "data": data}
