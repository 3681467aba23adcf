"""What every use case needs, handed in by the composition root (bootstrap.py)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ledgerline.domain.circuit import CircuitPolicy
from ledgerline.services.ports import (
    Clock,
    ConnectorRegistry,
    Ids,
    Matcher,
    StatementParser,
    UnitOfWorkFactory,
    Vault,
    WebhookTransport,
)


@dataclass(frozen=True, slots=True)
class ProcessingPolicy:
    """Bounds on how hard we try, each with its reason."""

    route: tuple[str, ...] = ("sim_a", "sim_b")  # acquirers in order of preference
    # Three tries covers one failover and one retry; more would hide a real outage from people.
    attempts_per_payment_max: int = 3
    # The inline call normally finishes first; the staged job only runs if this process died.
    submit_grace_s: float = 30.0
    # Status inquiries: quick first, then spread out (seconds), repeating the last.
    inquiry_delays_s: tuple[float, ...] = (0.5, 1, 2, 5, 15, 60, 300, 900, 3600)
    inquiry_window_s: float = 72 * 3600  # after this the outcome needs a person
    retry_delay_s: float = 0.5  # before re-submitting to the next provider
    circuit: CircuitPolicy = field(default_factory=CircuitPolicy)
    # Stuck detection: past these ages an open item becomes an exception a person sees.
    processing_sla_s: float = 120.0
    unknown_sla_s: float = 15 * 60.0
    sweep_interval_s: float = 30.0
    payout_rail: str = "sim_bank"
    payout_sla_s: float = 24 * 3600.0  # a payout not paid within a day needs a person
    # A record absent from its provider's statement is "not received" only after this.
    settlement_window_days: int = 2
    # What each provider charges us (basis points, fixed minor units), to check statement fees.
    provider_fees: dict[str, tuple[int, int]] = field(
        default_factory=lambda: {"sim_a": (290, 30), "sim_b": (250, 25)}
    )


@dataclass(frozen=True, slots=True)
class Deps:
    uow: UnitOfWorkFactory
    providers: ConnectorRegistry
    clock: Clock
    ids: Ids
    policy: ProcessingPolicy = field(default_factory=ProcessingPolicy)
    rng: random.Random = field(default_factory=random.Random)  # seeded in simulations
    vault: Vault | None = None  # needed by payouts only
    matcher: Matcher | None = None  # needed by reconciliation only
    parse_statement: StatementParser | None = None
    webhook_transport: WebhookTransport | None = None
