"""Provider health: every call is logged, circuits open and close from the recent window.

Runs inside the transaction that records a provider's reply, so health and outcome agree.
"""

from __future__ import annotations

import datetime as dt
from typing import assert_never

from ledgerline.domain.circuit import Circuit, CircuitState, admits, after_call, on_route
from ledgerline.domain.money import Money
from ledgerline.domain.outcomes import (
    ChargeOutcome,
    Declined,
    InquiryOutcome,
    NotFound,
    Retryable,
    Succeeded,
    Unknown,
)
from ledgerline.domain.routing import choose_route
from ledgerline.services.deps import Deps
from ledgerline.services.ports import UnitOfWork


def outcome_name(outcome: ChargeOutcome | InquiryOutcome) -> str:
    match outcome:
        case Succeeded():
            return "succeeded"
        case Declined():
            return "declined"
        case Retryable():
            return "retryable"
        case Unknown():
            return "unknown"
        case NotFound():
            return "not_found"
        case _:
            assert_never(outcome)


def record_call(
    deps: Deps,
    uow: UnitOfWork,
    *,
    provider: str,
    operation: str,
    outcome: ChargeOutcome | InquiryOutcome,
    latency_ms: int,
    http_status: int | None,
    now: dt.datetime,
) -> None:
    name = outcome_name(outcome)
    uow.health.record_call(
        provider=provider,
        operation=operation,
        outcome=name,
        latency_ms=latency_ms,
        http_status=http_status,
        now=now,
    )
    policy = deps.policy.circuit
    circuit = current_circuit(uow, provider, now=now)
    window = uow.health.window(provider, since=now - dt.timedelta(seconds=policy.window_s))
    updated = after_call(
        circuit, healthy=name not in ("retryable", "unknown"), window=window, now=now, policy=policy
    )
    if updated.state is not circuit.state:
        uow.health.save_circuit(provider, updated)


def current_circuit(uow: UnitOfWork, provider: str, *, now: dt.datetime) -> Circuit:
    return uow.health.circuit(provider) or Circuit(CircuitState.CLOSED, now, "no failures seen")


def admitted(
    deps: Deps, uow: UnitOfWork, providers: tuple[str, ...], *, now: dt.datetime
) -> set[str]:
    """Providers whose circuit lets a call through now (moving cooled-down ones to half-open)."""
    allowed = set()
    for provider in providers:
        circuit = current_circuit(uow, provider, now=now)
        probed = on_route(circuit, now=now, policy=deps.policy.circuit)
        if probed.state is not circuit.state:
            uow.health.save_circuit(provider, probed)
        if admits(probed):
            allowed.add(provider)
    return allowed


def route_for(
    deps: Deps, uow: UnitOfWork, *, merchant_id: str, amount: Money, payment_method: str
) -> tuple[str, ...]:
    rules = uow.routing.for_merchant(merchant_id)
    return choose_route(
        rules,
        amount=amount,
        payment_method=payment_method,
        default=deps.policy.route,
        draw=deps.rng.random(),
    )
