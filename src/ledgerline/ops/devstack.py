"""Runs the local stack as child processes (simulator, API, worker) and stops them together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

READY_TIMEOUT_S = 30.0  # first start migrates the database and imports everything
STOP_GRACE_S = 10.0  # a worker finishes its running jobs within a provider timeout or two


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    argv: Sequence[str]
    ready_url: str


class Stack:
    """Start services in order, each only after the previous one answers; stop in reverse."""

    def __init__(self, services: Sequence[Service], *, env: dict[str, str]) -> None:
        self.services = services
        self.env = env
        self.running: list[tuple[Service, subprocess.Popen[bytes]]] = []

    def start(self) -> None:
        for service in self.services:
            process = subprocess.Popen([sys.executable, "-m", *service.argv], env=self.env)
            self.running.append((service, process))
            self._wait_ready(service, process)

    def _wait_ready(self, service: Service, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{service.name} exited with status {process.returncode} while starting"
                )
            if not service.ready_url:
                return
            try:
                if httpx.get(service.ready_url, timeout=1.0).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"{service.name} did not answer at {service.ready_url} within {READY_TIMEOUT_S:.0f} s"
        )

    def wait(self) -> int:
        """Block until a child dies (returning its status) or we are interrupted."""
        while True:
            for service, process in self.running:
                if process.poll() is not None:
                    print(
                        f"{service.name} stopped with status {process.returncode}", file=sys.stderr
                    )
                    return process.returncode or 1
            time.sleep(0.5)

    def stop(self) -> None:
        for _service, process in reversed(self.running):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for _service, process in reversed(self.running):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def child_env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env
