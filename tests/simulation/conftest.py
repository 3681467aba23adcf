from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledgerline.simulator.testing import running_simulator

SECRETS = {p: "whsec_sim" for p in ("sim_a", "sim_b", "sim_bank")}


@pytest.fixture(scope="session")
def sim_simulator() -> Iterator[object]:
    # A short "no answer": the engine's read timeout in these runs is shorter still.
    with running_simulator(profile="calm", seed=1, webhook_secrets=SECRETS, hang_s=1.0) as sim:
        yield sim
