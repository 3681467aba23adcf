"""Real worker processes on PostgreSQL: several share the queue safely, and one killed with
SIGKILL in the middle of a load loses and duplicates nothing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlalchemy import text

from ledgerline.bootstrap import build
from ledgerline.config import Settings
from ledgerline.domain.money import Money
from ledgerline.providers.registry import StaticRegistry, build_simulator_registry
from ledgerline.services import merchants, payments
from ledgerline.services.deps import ProcessingPolicy
from ledgerline.services.verify import verify
from ledgerline.simulation.faults import FaultPlan, FaultRates, FaultyConnector, SimulatedCrash
from ledgerline.simulator.testing import running_simulator

SECRET = "whsec_proc"
WAIT_S_MAX = 90.0
pytestmark = pytest.mark.slow


@pytest.fixture
def sim():
    with running_simulator(
        webhook_secrets={p: SECRET for p in ("sim_a", "sim_b", "sim_bank")}, hang_s=1.0
    ) as handle:
        yield handle


def _stage_unsent(url: str, sim, methods: list[str]) -> list[str]:
    """Payments whose first attempt is committed with its job but never sent: the API "died"."""
    real = build_simulator_registry(
        sim.base_url, {p: SECRET for p in ("sim_a", "sim_b", "sim_bank")}, 0.5
    )
    dying = FaultPlan(rng=random.Random(1), rates=FaultRates(crash_before_call=1.0))
    registry = StaticRegistry(
        {name: FaultyConnector(real.get(name), dying) for name in real.names()}
    )
    app = build(
        Settings(database_url=url), providers=registry, policy=ProcessingPolicy(submit_grace_s=0)
    )
    merchant = merchants.create_merchant(app.deps, name="load").merchant_id
    keys = []
    for i, method in enumerate(methods):
        request = payments.NewPayment(
            amount=Money.of(1000 + i, "USD"), payment_method=method, confirm=True
        )
        with pytest.raises(SimulatedCrash):
            payments.create_payment(
                app.deps, merchant_id=merchant, request=request, idempotency_key=f"k{i}"
            )
        keys.append(f"k{i}")
    app.close()
    real.close()
    return keys


def _workers(url: str, sim, count: int, *, lease_s: float = 30) -> list[subprocess.Popen[bytes]]:
    env = dict(
        os.environ,
        LEDGERLINE_DATABASE_URL=url,
        LEDGERLINE_SIMULATOR_URL=sim.base_url,
        LEDGERLINE_SIMULATOR_WEBHOOK_SECRET=SECRET,
        LEDGERLINE_PROVIDER_TIMEOUT_S="0.5",
        LEDGERLINE_WORKER_LEASE_S=str(lease_s),
        LEDGERLINE_WORKER_POLL_S="0.05",
    )
    # Output goes to the test's own stderr, which pytest shows when a test fails.
    return [
        subprocess.Popen(
            [sys.executable, "-m", "ledgerline", "worker", "--concurrency", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


def _statuses(url: str) -> Counter[str]:
    app = build(Settings(database_url=url))
    with app.engine.connect() as c:
        found = Counter(r[0] for r in c.execute(text("SELECT status FROM payments")))
    app.close()
    return found


def _wait_until_final(url: str, total: int) -> None:
    deadline = time.monotonic() + WAIT_S_MAX
    while time.monotonic() < deadline:
        found = _statuses(url)
        if found["succeeded"] + found["failed"] == total:
            return
        time.sleep(0.2)
    pytest.fail(f"payments not final after {WAIT_S_MAX} s: {_statuses(url)}")


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for p in processes:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in processes:
        p.wait(timeout=20)


def _calls_per_attempt(url: str) -> Counter[str]:
    app = build(Settings(database_url=url))
    with app.engine.connect() as c:
        rows = c.execute(text("SELECT data FROM timeline WHERE kind = 'provider_response'"))
        calls = Counter(r[0]["attempt_id"] for r in rows)
    results = verify(app.audit)
    app.close()
    assert all(r.passed for r in results), [(r.name, r.findings) for r in results if not r.passed]
    return calls


def test_four_worker_processes_never_run_one_job_twice_at_once(pg_url, sim):
    total = 40
    _stage_unsent(pg_url, sim, ["pm_card_visa"] * total)
    workers = _workers(pg_url, sim, 4)
    try:
        _wait_until_final(pg_url, total)
    finally:
        _stop(workers)
    assert _statuses(pg_url) == Counter({"succeeded": total})
    calls = _calls_per_attempt(pg_url)
    assert len(calls) == total and set(calls.values()) == {1}, (
        "each staged attempt was sent exactly once"
    )
    assert len([r for r in sim.records() if r["kind"] == "charge"]) == total


def test_a_worker_killed_mid_load_loses_and_duplicates_nothing(pg_url, sim):
    methods = [
        "pm_card_visa",
        "pm_card_lost_response",
        "pm_card_provider_down",
        "pm_card_declined",
    ] * 10
    _stage_unsent(pg_url, sim, methods)
    sim.set_faults(
        {
            "sim_a": {"latency_ms": 30, "timeout_after_rate": 0.1, "error_5xx_rate": 0.05},
            "sim_b": {"latency_ms": 30},
        }
    )
    [victim] = _workers(pg_url, sim, 1, lease_s=2)
    deadline = time.monotonic() + WAIT_S_MAX
    while sum(_statuses(pg_url)[s] for s in ("succeeded", "failed")) < len(methods) // 4:
        assert time.monotonic() < deadline, "no progress before the kill"
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    finished_at_kill = _statuses(pg_url)
    assert finished_at_kill["succeeded"] + finished_at_kill["failed"] < len(methods), (
        "killed mid-load, not after"
    )
    restarted = _workers(pg_url, sim, 1, lease_s=2)
    try:
        _wait_until_final(pg_url, len(methods))
    finally:
        _stop(restarted)
    _calls_per_attempt(pg_url)  # runs every ledger invariant
    app = build(Settings(database_url=pg_url))
    with app.engine.connect() as c:
        ours = {
            r[0]: (r[1], r[2])
            for r in c.execute(text("SELECT id, status, provider_reference FROM attempts"))
        }
    app.close()
    truth = [r for r in sim.records() if r["kind"] == "charge"]
    for record in truth:  # every charge the provider really made is known, with its reference
        assert ours[record["idempotency_key"]][0] == (
            "succeeded" if record["status"] == "succeeded" else "failed"
        )
        if record["status"] == "succeeded":
            assert ours[record["idempotency_key"]][1] == record["id"]
    succeeded = {k for k, (status, _) in ours.items() if status == "succeeded"}
    assert succeeded == {r["idempotency_key"] for r in truth if r["status"] == "succeeded"}
    assert _statuses(pg_url)["succeeded"] == 30 and _statuses(pg_url)["failed"] == 10
