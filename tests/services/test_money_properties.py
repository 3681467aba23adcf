"""Property: any sequence of payments, partial refunds, settlements, payouts, failures, returns,
cancellations and crashes keeps every ledger invariant, checked after every step."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import Money
from ledgerline.providers.registry import StaticRegistry
from ledgerline.services import jobs, merchants, payments, payouts, refunds, settlement
from ledgerline.services.verify import verify
from ledgerline.simulation.faults import FaultPlan, FaultRates, FaultyConnector, SimulatedCrash

IBAN = {"type": "iban", "iban": "DE89370400440532013000", "holder_name": "Acme"}
ACTIONS = [
    "pay",
    "pay_declined",
    "refund",
    "settle",
    "payout",
    "cancel",
    "return",
    "work",
    "bank_fails",
]


def _check(app) -> None:
    failed = {
        r.name: r.findings for r in verify(app.audit) if not r.passed and r.name != "no_dead_jobs"
    }
    assert failed == {}


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(ACTIONS), st.integers(1, 20_000), st.booleans()),
        min_size=5,
        max_size=25,
    ),
    seed=st.integers(0, 2**16),
)
def test_random_money_movement_keeps_every_invariant(make_app, simulator, steps, seed):
    app = make_app()
    plan = FaultPlan(
        rng=random.Random(seed),
        rates=FaultRates(
            refused=0,
            timeout_before=0,
            timeout_after=0.1,
            error_5xx_after=0.05,
            inquiry_timeout=0,
            crash_before_call=0.05,
            crash_after_call=0.05,
        ),
    )
    real = app.deps.providers
    object.__setattr__(
        app.deps,
        "providers",
        StaticRegistry({n: FaultyConnector(real.get(n), plan) for n in real.names()}),
    )
    simulator.reset()
    merchant = merchants.create_merchant(app.deps, name="p").merchant_id
    made: dict[str, list[str]] = {"payments": [], "payouts": []}
    rng = random.Random(seed)
    for action, amount, flag in steps:
        try:
            _act(app, merchant, made, action, amount, flag, rng, simulator)
        except SimulatedCrash:
            pass  # the process "died"; leases and staged jobs recover the work
        except LedgerlineError:
            pass  # refused input (too much to refund, insufficient balance, ...) changes nothing
        _check(app)
    plan.enabled = False
    simulator.set_faults({})
    for _ in range(200):
        if not jobs.run_due(app.deps, owner="p", limit=50, lease_s=0.01, rng=rng):
            with app.deps.uow(read_only=True) as uow:
                if not uow.jobs.next_run_at_except("sweep"):
                    break
            _skip_time(app)
    _check(app)
    with app.engine.connect() as c:  # quiesced: every refund and payout reached an end
        from sqlalchemy import text

        open_refunds = c.execute(
            text("SELECT count(*) FROM refunds WHERE status = 'pending'")
        ).scalar_one()
        open_payouts = c.execute(
            text("SELECT count(*) FROM payouts WHERE status IN ('pending', 'processing')")
        ).scalar_one()
    assert (open_refunds, open_payouts) == (0, 0)


def _skip_time(app) -> None:
    """Run everything that is queued now, however far in the future it was scheduled."""
    with app.engine.begin() as c:
        from sqlalchemy import text

        c.execute(
            text(
                "UPDATE jobs SET run_at = CURRENT_TIMESTAMP, lease_expires_at = NULL WHERE status = 'queued' "
                "AND dedupe_key != 'sweep'"
            )
        )


def _act(app, merchant, made, action, amount, flag, rng, simulator) -> None:
    deps = app.deps
    if action in ("pay", "pay_declined"):
        method = "pm_card_visa" if action == "pay" else "pm_card_declined"
        paid = payments.create_payment(
            deps,
            merchant_id=merchant,
            idempotency_key=None,
            request=payments.NewPayment(
                amount=Money.of(amount, "EUR"), payment_method=method, confirm=True
            ),
        )
        made["payments"].append(paid["id"])
    elif action == "refund" and made["payments"]:
        refunds.create_refund(
            deps,
            merchant_id=merchant,
            payment_id=rng.choice(made["payments"]),
            amount_minor=None if flag else max(1, amount // 4),
            reason=None,
            metadata={},
            idempotency_key=None,
        )
    elif action == "settle" and made["payments"]:
        settlement.settle_payment(
            deps, payment_id=rng.choice(made["payments"]), evidence="property test"
        )
    elif action == "payout":
        made["payouts"].append(
            payouts.create_payout(
                deps,
                merchant_id=merchant,
                amount=Money.of(amount, "EUR"),
                destination=IBAN,
                description=None,
                idempotency_key=None,
            )["id"]
        )
    elif action == "cancel" and made["payouts"]:
        payouts.cancel_payout(deps, merchant_id=merchant, payout_id=rng.choice(made["payouts"]))
    elif action == "return" and made["payouts"]:
        payouts.return_payout(deps, payout_id=rng.choice(made["payouts"]), reason="account closed")
    elif action == "bank_fails":
        simulator.set_faults({"sim_bank": {"decline_rate": 1.0 if flag else 0.0}})
    elif action == "work":
        jobs.run_due(deps, owner="w", limit=10, lease_s=0.01, rng=rng)
