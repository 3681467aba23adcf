"""The acceptance of the resilience work: seeded runs with provider faults, lost and duplicated
webhooks and crashes at every step boundary, checked after every step and at quiescence.

`pytest tests/simulation --seeds 200` runs more; `--seed S` replays one failing seed.
"""

from __future__ import annotations

import shutil

import pytest

from ledgerline.providers.registry import build_simulator_registry
from ledgerline.simulation.harness import run_seed

from .conftest import SECRETS

PAYMENTS_PER_SEED = 25


def _registry(base_url: str):
    return build_simulator_registry(base_url, SECRETS, timeout_s=0.3, connect_timeout_s=0.3)


def test_no_money_is_lost_duplicated_or_stuck_under_faults_and_crashes(
    sim_seed, sim_simulator, tmp_path, sqlite_template
):
    database = tmp_path / "sim.db"
    shutil.copy(sqlite_template, database)
    sim_simulator.reset()
    result = run_seed(
        sim_seed,
        database_url=f"sqlite:///{database}",
        simulator=sim_simulator,
        payments_count=PAYMENTS_PER_SEED,
        registry_factory=_registry,
    )
    print(result.report().splitlines()[0])
    assert not result.violations, result.report()
    assert sum(result.final_states.values()) == PAYMENTS_PER_SEED


@pytest.mark.parametrize("pg_seed", [101])
def test_the_same_holds_on_postgresql(pg_seed, sim_simulator, pg_url):
    sim_simulator.reset()
    result = run_seed(
        pg_seed,
        database_url=pg_url,
        simulator=sim_simulator,
        payments_count=PAYMENTS_PER_SEED,
        registry_factory=_registry,
    )
    assert not result.violations, result.report()
