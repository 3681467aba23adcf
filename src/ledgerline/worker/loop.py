"""The worker process: N threads claiming and running due jobs until asked to stop."""

from __future__ import annotations

import logging
import os
import random
import socket
import threading

from ledgerline.services import jobs
from ledgerline.services.deps import Deps

log = logging.getLogger(__name__)

CLAIM_PER_TICK = 10  # small batches keep one thread from hoarding jobs others could run


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_worker(
    deps: Deps,
    *,
    concurrency: int,
    poll_s: float,
    lease_s: float,
    stop: threading.Event,
    seed: int | None = None,
) -> None:
    """Run until `stop` is set; each thread polls when idle and drains when busy."""
    assert 1 <= concurrency <= 64, concurrency
    threads = [
        threading.Thread(
            target=_loop,
            name=f"ledgerline-worker-{i}",
            daemon=True,
            args=(
                deps,
                f"{worker_name()}:{i}",
                poll_s,
                lease_s,
                stop,
                random.Random(None if seed is None else seed + i),
            ),
        )
        for i in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _loop(
    deps: Deps, owner: str, poll_s: float, lease_s: float, stop: threading.Event, rng: random.Random
) -> None:
    while not stop.is_set():
        try:
            claimed = jobs.run_due(
                deps, owner=owner, limit=CLAIM_PER_TICK, lease_s=lease_s, rng=rng
            )
        except Exception:
            log.exception("worker %s: claiming failed; retrying after a pause", owner)
            claimed = 0
        if claimed == 0:
            stop.wait(poll_s)
