"""Circuit breakers: stop sending to a provider that is failing, probe it again later.

State lives in the database so every worker and API process sees the same circuit. Only
failures that say something about the provider's health count: `Retryable` (refused, rate
limited, not processed) and `Unknown` (timeouts, resets, ambiguous 5xx). Declines are healthy
answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class CircuitPolicy:
    window_s: float = 60.0
    # Too few calls say nothing about health; ten keeps one unlucky timeout from opening it.
    calls_min: int = 10
    failure_ratio_open: float = 0.5
    cooldown_s: float = 30.0


@dataclass(frozen=True, slots=True)
class Window:
    calls: int
    failures: int

    @property
    def failure_ratio(self) -> float:
        return self.failures / self.calls if self.calls else 0.0


@dataclass(frozen=True, slots=True)
class Circuit:
    state: CircuitState
    changed_at: dt.datetime
    reason: str


def after_call(
    circuit: Circuit, *, healthy: bool, window: Window, now: dt.datetime, policy: CircuitPolicy
) -> Circuit:
    """The circuit after one more call whose health is `healthy`, given the recent window."""
    if circuit.state is CircuitState.HALF_OPEN:
        if healthy:
            return Circuit(CircuitState.CLOSED, now, "probe call succeeded")
        return Circuit(CircuitState.OPEN, now, "probe call failed")
    failing = window.calls >= policy.calls_min and window.failure_ratio >= policy.failure_ratio_open
    if circuit.state is CircuitState.CLOSED and failing:
        reason = (
            f"{window.failures} of {window.calls} calls failed in the last {policy.window_s:.0f} s"
        )
        return Circuit(CircuitState.OPEN, now, reason)
    return circuit


def on_route(circuit: Circuit, *, now: dt.datetime, policy: CircuitPolicy) -> Circuit:
    """An open circuit lets a probe through once its cooldown has passed."""
    if (
        circuit.state is CircuitState.OPEN
        and (now - circuit.changed_at).total_seconds() >= policy.cooldown_s
    ):
        return Circuit(
            CircuitState.HALF_OPEN, now, f"cooldown of {policy.cooldown_s:.0f} s passed; probing"
        )
    return circuit


def admits(circuit: Circuit) -> bool:
    return circuit.state is not CircuitState.OPEN
