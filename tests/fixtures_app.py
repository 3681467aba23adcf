"""An engine wired to a real database and a real simulator over HTTP."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from ledgerline.api.app import create_app
from ledgerline.bootstrap import App, build
from ledgerline.config import Settings
from ledgerline.services import jobs, merchants
from ledgerline.services.deps import ProcessingPolicy
from ledgerline.simulator.testing import running_simulator

WEBHOOK_SECRET = "whsec_test"
FAST_POLICY = ProcessingPolicy(
    route=("sim_a", "sim_b"), inquiry_delays_s=(0.05, 0.1, 0.2), retry_delay_s=0.01
)


@pytest.fixture(scope="session")
def simulator() -> Iterator[object]:
    secrets = {n: WEBHOOK_SECRET for n in ("sim_a", "sim_b", "sim_bank")}
    with running_simulator(profile="calm", seed=1, webhook_secrets=secrets, hang_s=2.0) as sim:
        yield sim


@pytest.fixture
def make_app(database_url: str, simulator) -> Iterator[Callable[..., App]]:
    """Build engines on this test's database; each is closed at the end of the test."""
    simulator.reset()
    built: list[App] = []

    def make(policy: ProcessingPolicy = FAST_POLICY) -> App:
        settings = Settings(
            database_url=database_url,
            simulator_url=simulator.base_url,
            simulator_webhook_secret=WEBHOOK_SECRET,
            provider_timeout_s=0.5,
        )
        built.append(build(settings, policy=policy))
        return built[-1]

    yield make
    for app in built:
        app.close()


@pytest.fixture
def engine_app(make_app: Callable[..., App]) -> App:
    return make_app()


@pytest.fixture
def client(engine_app: App) -> Iterator[TestClient]:
    with TestClient(create_app(engine_app), raise_server_exceptions=False) as test_client:
        yield test_client


def _auth(engine_app: App, name: str) -> dict[str, str]:
    key = merchants.create_merchant(engine_app.deps, name=name)
    return {"Authorization": f"Bearer {key.secret}"}


@pytest.fixture
def auth(engine_app: App) -> dict[str, str]:
    return _auth(engine_app, "Acme")


@pytest.fixture
def other_auth(engine_app: App) -> dict[str, str]:
    return _auth(engine_app, "Globex")


WAIT_S_MAX = 10.0  # "within seconds with default settings": generous for a loaded CI machine


@pytest.fixture
def run_worker_until() -> Callable[..., None]:
    """Run the real job loop (one thread, real clock) until `done()` or fail after a bound."""

    def run(app: App, done: Callable[[], bool]) -> float:
        started = time.monotonic()
        rng = random.Random(1)
        while not done():
            if time.monotonic() - started > WAIT_S_MAX:
                pytest.fail(f"not done within {WAIT_S_MAX} s")
            if not jobs.run_due(app.deps, owner="test-worker", limit=10, lease_s=30, rng=rng):
                time.sleep(0.02)
        return time.monotonic() - started

    return run
