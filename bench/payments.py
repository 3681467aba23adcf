"""End-to-end payments per second over HTTP, against the raw database ceiling.

    python -m bench.payments [--payments 400] [--concurrency 8] [--backends sqlite,postgresql]

For each backend: a fresh database, the simulator (zero latency) and the API each in their own
process on loopback; this process drives create + confirm (two POSTs per payment) from N
threads. In the same run it measures the database's own ceiling: single-row INSERT + COMMIT in
a loop (bench/ceiling.py). Prints payments/s, latency percentiles and the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from bench.ceiling import insert_commit_per_s
from ledgerline.bootstrap import build
from ledgerline.config import Settings
from ledgerline.services import merchants
from ledgerline.simulator.testing import free_port
from ledgerline.store.engine import make_engine
from ledgerline.store.migrate import upgrade

PG_ADMIN = os.environ.get(
    "LEDGERLINE_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _wait(url: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def _database(backend: str, workdir: Path) -> tuple[str, object]:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}", None
    name = f"ledgerline_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", (admin, name)


def _drop(handle: object) -> None:
    if handle is None:
        return
    admin, name = handle  # type: ignore[misc]
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _one_payment(client: httpx.Client, key: str) -> float:
    started = time.perf_counter()
    created = client.post(
        "/v1/payments",
        json={"amount": 1999, "currency": "usd", "payment_method": "pm_card_visa"},
        headers={"Idempotency-Key": f"{key}-c"},
    )
    created.raise_for_status()
    confirmed = client.post(
        f"/v1/payments/{created.json()['id']}/confirm", headers={"Idempotency-Key": f"{key}-p"}
    )
    confirmed.raise_for_status()
    assert confirmed.json()["status"] == "succeeded", confirmed.text
    return time.perf_counter() - started


def _drive(api: str, secret: str, payments: int, concurrency: int) -> tuple[float, list[float]]:
    local = threading.local()

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = httpx.Client(
                base_url=api, headers={"Authorization": f"Bearer {secret}"}, timeout=30
            )
        return local.client

    run = uuid.uuid4().hex[:6]
    with ThreadPoolExecutor(concurrency) as pool:
        list(
            pool.map(lambda i: _one_payment(client(), f"warm-{run}-{i}"), range(min(50, payments)))
        )
        started = time.perf_counter()
        latencies = list(pool.map(lambda i: _one_payment(client(), f"{run}-{i}"), range(payments)))
        elapsed_s = time.perf_counter() - started
    return payments / elapsed_s, latencies


def run_backend(backend: str, payments: int, concurrency: int) -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix="ledgerline-bench-"))
    url, handle = _database(backend, workdir)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        engine = make_engine(url)
        upgrade(engine)
        ceiling = insert_commit_per_s(engine)
        engine.dispose()
        sim_port, api_port = free_port(), free_port()
        sim, api = f"http://127.0.0.1:{sim_port}", f"http://127.0.0.1:{api_port}"
        env = dict(os.environ, LEDGERLINE_DATABASE_URL=url, LEDGERLINE_SIMULATOR_URL=sim)
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "ledgerline.simulator", "--port", str(sim_port)], env=env
            )
        )
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "ledgerline", "serve", "--port", str(api_port)], env=env
            )
        )
        _wait(f"{sim}/_admin/stats")
        _wait(f"{api}/health")
        app = build(Settings(database_url=url))
        secret = merchants.create_merchant(app.deps, name="bench").secret
        app.close()
        rate, latencies = _drive(api, secret, payments, concurrency)
        cuts = statistics.quantiles(latencies, n=100)
        return {
            "payments_per_s": rate,
            "ceiling_inserts_per_s": ceiling,
            "p50_ms": cuts[49] * 1000,
            "p99_ms": cuts[98] * 1000,
        }
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        _drop(handle)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print(
        f"{'backend':<11} {'payments/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'insert+commit/s':>16} {'ratio':>7}"
    )
    for backend in args.backends.split(","):
        r = run_backend(backend, args.payments, args.concurrency)
        ratio = r["payments_per_s"] / r["ceiling_inserts_per_s"]
        print(
            f"{backend:<11} {r['payments_per_s']:>11.1f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} "
            f"{r['ceiling_inserts_per_s']:>16.1f} {ratio:>7.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
