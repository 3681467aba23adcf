"""One seed → a fault plan → steps of API calls, worker ticks (virtual clock), webhook deliveries
and crashes → every invariant checked after every step → quiesce → the provider's truth must
equal the ledger's truth.

The provider is the real simulator over HTTP with its own faults off; faults and crashes are
injected around it by `FaultyConnector`, all drawn from the seed, so a failing seed replays.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ledgerline.domain.money import Money
from ledgerline.domain.states import PAYMENT_TERMINAL, PAYMENT_TRANSITIONS, PaymentStatus, rank
from ledgerline.services import jobs, merchants, payments, sweeper
from ledgerline.services.deps import Deps, ProcessingPolicy
from ledgerline.services.verify import verify
from ledgerline.simulation.clocks import SeededIds, VirtualClock
from ledgerline.simulation.faults import FaultPlan, FaultRates, FaultyConnector, SimulatedCrash
from ledgerline.simulation.webhook_feed import WebhookFeed
from ledgerline.store.audit_queries import SqlLedgerAudit
from ledgerline.store.engine import make_engine
from ledgerline.store.uow import SqlUnitOfWorkFactory

METHODS = [
    ("pm_card_visa", 55),
    ("pm_card_declined", 10),
    ("pm_card_insufficient_funds", 5),
    ("pm_card_lost_response", 15),
    ("pm_card_provider_down", 15),
]
CURRENCIES = ["USD", "EUR", "JPY", "CNY"]
LEASE_S = 60.0
QUIESCE_ROUNDS_MAX = 2000  # each round advances virtual time to the next due job


@dataclass
class SimResult:
    seed: int
    payments: int = 0
    steps: int = 0
    crashes: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    webhooks: Counter[str] = field(default_factory=Counter)
    final_states: Counter[str] = field(default_factory=Counter)
    resolved_by: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)

    def report(self) -> str:
        head = (
            f"seed {self.seed}: {self.payments} payments, {self.steps} steps, {self.crashes} crashes, "
            f"faults {dict(self.faults)}, webhooks {dict(self.webhooks)}, final {dict(self.final_states)}"
        )
        if not self.violations:
            return head
        return "\n".join(
            [
                head,
                "VIOLATIONS:",
                *self.violations,
                "TRACE (replay with this seed):",
                *self.trace[-400:],
            ]
        )


class Simulation:
    def __init__(
        self,
        seed: int,
        *,
        database_url: str,
        simulator: Any,
        payments_count: int,
        registry_factory: Any,
        rates: FaultRates | None = None,
    ) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.clock = VirtualClock()
        self.plan = FaultPlan(rng=random.Random(seed * 7919 + 1), rates=rates or FaultRates())
        self.result = SimResult(seed=seed, trace=self.plan.trace)
        self.simulator = simulator
        self.engine = make_engine(database_url)
        real = registry_factory(simulator.base_url)
        self.real_registry = real
        connectors = {name: FaultyConnector(real.get(name), self.plan) for name in real.names()}
        self.deps = Deps(
            uow=SqlUnitOfWorkFactory(self.engine),
            providers=_Registry(connectors),
            clock=self.clock,
            ids=SeededIds(random.Random(seed)),
            policy=ProcessingPolicy(),
            rng=random.Random(seed + 1),
        )
        self.audit = SqlLedgerAudit(self.engine)
        self.feed = WebhookFeed(
            simulator=simulator, rng=random.Random(seed * 31 + 7), clock=self.clock
        )
        self.payments_count = payments_count
        self.seen_status: dict[str, PaymentStatus] = {}
        self.merchant_id = ""

    # -- the run -------------------------------------------------------------------------------

    def run(self) -> SimResult:
        try:
            self.merchant_id = merchants.create_merchant(self.deps, name="sim").merchant_id
            sweeper.ensure_scheduled(self.deps)
            while self.result.payments < self.payments_count:
                self._step()
                self._check_step_invariants()
                if self.result.violations:
                    return self.result
            self._quiesce()
            self._check_final_invariants()
        finally:
            self.engine.dispose()
            self.real_registry.close()
        self.result.faults.update(self.plan.injected)
        return self.result

    def _step(self) -> None:
        self.result.steps += 1
        action = self.rng.choices(["pay", "work", "webhooks", "wait"], weights=[4, 4, 2, 1])[0]
        self.plan.trace.append(f"step {self.result.steps} t={self.clock.now():%H:%M:%S} {action}")
        try:
            match action:
                case "pay":
                    self._pay()
                case "work":
                    self.clock.advance(self.rng.uniform(0.1, 5))
                    jobs.run_due(
                        self.deps,
                        owner=f"w{self.rng.randint(1, 3)}",
                        limit=5,
                        lease_s=LEASE_S,
                        rng=self.rng,
                    )
                case "webhooks":
                    self.feed.deliver(
                        self.deps, faults=True, counts=self.result.webhooks, trace=self.plan.trace
                    )
                case "wait":
                    self.clock.advance(self.rng.choice([LEASE_S + 1, 120.0, 900.0]))
        except SimulatedCrash as crash:
            self.result.crashes += 1
            self.plan.trace.append(
                f"  CRASH ({crash}); restarting: leases expire, staged jobs remain"
            )

    def _pay(self) -> None:
        method = self.rng.choices([m for m, _ in METHODS], weights=[w for _, w in METHODS])[0]
        currency = self.rng.choice(CURRENCIES)
        amount = Money.of(self.rng.randint(100, 500_000), currency)
        self.result.payments += 1
        key = f"sim-{self.seed}-{self.result.payments}"
        self.plan.trace.append(f"  pay {amount} with {method} key={key}")
        request = payments.NewPayment(amount=amount, payment_method=method, confirm=True)
        payments.create_payment(
            self.deps, merchant_id=self.merchant_id, request=request, idempotency_key=key
        )

    def _quiesce(self) -> None:
        self.plan.enabled = False
        self.plan.trace.append("quiesce: faults off")
        for _ in range(QUIESCE_ROUNDS_MAX):
            self.feed.deliver(
                self.deps, faults=False, counts=self.result.webhooks, trace=self.plan.trace
            )
            self.clock.advance(LEASE_S + 1)
            while jobs.run_due(self.deps, owner="quiesce", limit=50, lease_s=LEASE_S, rng=self.rng):
                pass
            if self._settled():
                return
            self._skip_to_next_job()
        self.result.violations.append("did not quiesce: open work remains after every retry window")

    def _settled(self) -> bool:
        with self.deps.uow() as uow:
            open_ = uow.payments.ids_in_status([PaymentStatus.PROCESSING])
        return not open_ and self.feed.empty()

    def _skip_to_next_job(self) -> None:
        with self.deps.uow() as uow:
            due = uow.jobs.next_run_at_except("sweep")
        if due is not None and due > self.clock.now():
            self.clock.advance((due - self.clock.now()).total_seconds())

    # -- invariants ----------------------------------------------------------------------------

    def _check_step_invariants(self) -> None:
        for check in verify(self.audit):
            if check.name != "no_dead_jobs" and not check.passed:
                self.result.violations.extend(f"{check.name}: {s}: {p}" for s, p in check.findings)
        with self.deps.uow() as uow:
            current = uow.payments.statuses(self.merchant_id)
        for payment_id, status in current.items():
            before = self.seen_status.get(payment_id)
            if before is not None and rank(status, PAYMENT_TRANSITIONS) < rank(
                before, PAYMENT_TRANSITIONS
            ):
                self.result.violations.append(
                    f"monotonic: {payment_id} moved back from {before} to {status}"
                )
            self.seen_status[payment_id] = status

    def _check_final_invariants(self) -> None:
        self._check_step_invariants()
        with self.deps.uow() as uow:
            statuses = uow.payments.statuses(self.merchant_id)
            attempts = uow.attempts.for_payments(list(statuses))
            balances = uow.ledger.balances_all()
        self.result.final_states.update(s.value for s in statuses.values())
        for payment_id, status in statuses.items():
            if status not in PAYMENT_TERMINAL:
                self.result.violations.append(f"terminal: {payment_id} still {status}")
            for a in attempts[payment_id]:
                self.result.resolved_by[f"{a.status.value}:{a.evidence}"] += 1
        self._check_truth(attempts, balances)

    def _check_truth(
        self, attempts: dict[str, list[Any]], balances: dict[tuple[str, str, str], int]
    ) -> None:
        """What the provider really did equals what the ledger says, charge by charge."""
        by_key = {a.id: a for group in attempts.values() for a in group}
        truth = [r for r in self.simulator.records() if r["kind"] == "charge"]
        charged: Counter[tuple[str, str]] = Counter()
        for record in truth:
            attempt = by_key.get(record["idempotency_key"])
            if record["status"] == "succeeded":
                charged[(record["provider"], record["currency"])] += record["amount_minor"]
                if (
                    attempt is None
                    or attempt.status.value != "succeeded"
                    or attempt.provider_reference != record["id"]
                ):
                    self.result.violations.append(
                        f"truth: provider charged {record['id']} ({record['idempotency_key']}) "
                        f"but the engine has {attempt.status.value if attempt else 'no attempt'}"
                    )
        real = {(r["provider"], r["idempotency_key"]) for r in truth if r["status"] == "succeeded"}
        for attempt in by_key.values():
            if attempt.status.value == "succeeded" and (attempt.provider, attempt.id) not in real:
                self.result.violations.append(
                    f"truth: engine says {attempt.id} succeeded; the provider has no such charge"
                )
        for group in attempts.values():
            if sum(a.status.value == "succeeded" for a in group) > 1:
                self.result.violations.append(
                    f"single success: {group[0].payment_id} has several successful attempts"
                )
        for (provider, currency), amount in charged.items():
            posted = balances.get(("provider_clearing", provider, currency), 0)
            if posted != amount:
                self.result.violations.append(
                    f"truth: {provider} {currency} charged {amount} but clearing holds {posted}"
                )


class _Registry:
    def __init__(self, connectors: dict[str, FaultyConnector]) -> None:
        self._connectors = connectors

    def get(self, name: str) -> FaultyConnector:
        return self._connectors[name]

    def names(self) -> list[str]:
        return list(self._connectors)


def run_seed(seed: int, **kwargs: Any) -> SimResult:
    return Simulation(seed, **kwargs).run()
