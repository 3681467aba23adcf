"""Run the simulator as a standalone HTTP server."""

from __future__ import annotations

import uvicorn

from ledgerline.simulator.app import SimConfig, create_app
from ledgerline.simulator.faults import named_profile


def serve(
    host: str,
    port: int,
    profile_name: str,
    seed: int,
    db_path: str | None,
    webhook_url: str | None,
    webhook_secrets: dict[str, str],
    hang_s: float = 30.0,
) -> None:
    config = SimConfig(
        profile=named_profile(profile_name),
        seed=seed,
        db_path=db_path or ":memory:",
        webhook_url=webhook_url,
        webhook_secrets=webhook_secrets,
        hang_s=hang_s,
    )
    uvicorn.run(
        create_app(config), host=host, port=port, log_level="warning", timeout_graceful_shutdown=2
    )
