"""Embed the simulator in tests: a real server on a free loopback port, in a thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from ledgerline.simulator.app import SimConfig, create_app
from ledgerline.simulator.faults import named_profile

START_TIMEOUT_S = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SimulatorHandle:
    def __init__(self, base_url: str, webhook_secrets: dict[str, str]) -> None:
        self.base_url = base_url
        self.webhook_secrets = webhook_secrets
        self._client = httpx.Client(base_url=base_url, timeout=10.0)

    def records(self) -> list[dict[str, Any]]:
        return list(self._client.get("/_admin/records").raise_for_status().json())

    def stats(self) -> dict[str, Any]:
        return dict(self._client.get("/_admin/stats").raise_for_status().json())

    def set_faults(self, faults: dict[str, dict[str, Any]]) -> None:
        self._client.put("/_admin/faults", json=faults).raise_for_status()

    def reset(self) -> None:
        self._client.post("/_admin/reset").raise_for_status()

    def close(self) -> None:
        self._client.close()


@contextmanager
def running_simulator(
    *,
    profile: str = "calm",
    seed: int = 1,
    webhook_url: str | None = None,
    webhook_secrets: dict[str, str] | None = None,
    hang_s: float = 3.0,
) -> Iterator[SimulatorHandle]:
    secrets = webhook_secrets or {p: "whsec_test" for p in ("sim_a", "sim_b", "sim_bank")}
    config = SimConfig(
        profile=named_profile(profile),
        seed=seed,
        webhook_url=webhook_url,
        webhook_secrets=secrets,
        hang_s=hang_s,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            timeout_graceful_shutdown=1,
        )
    )
    thread = threading.Thread(target=server.run, name="simulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the simulator did not start")
        time.sleep(0.02)
    handle = SimulatorHandle(f"http://127.0.0.1:{port}", secrets)
    try:
        yield handle
    finally:
        handle.close()
        server.should_exit = True
        thread.join(timeout=10)
