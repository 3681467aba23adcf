"""An API wired to a real database and a real simulator over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ledgerline.api.app import create_app
from ledgerline.bootstrap import App, build
from ledgerline.config import Settings
from ledgerline.services import merchants
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
def engine_app(database_url: str, simulator) -> Iterator[App]:
    simulator.reset()
    settings = Settings(
        database_url=database_url,
        simulator_url=simulator.base_url,
        simulator_webhook_secret=WEBHOOK_SECRET,
        provider_timeout_s=2.0,
    )
    built = build(settings, policy=FAST_POLICY)
    yield built
    built.close()


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
