"""`python -m ledgerline.simulator --port 8700 --profile calm --seed 1`"""

from __future__ import annotations

import argparse

from ledgerline.simulator.server import serve


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Fault-injecting provider simulator (sim_a, sim_b, sim_bank)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--profile", default="calm", choices=["calm", "peak", "outage", "chaos"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--db", default=None, help="SQLite file for the simulator's records (default: memory)"
    )
    parser.add_argument("--webhook-url", default=None, help="posts to <url>/<provider>/webhooks")
    parser.add_argument("--webhook-secret", default="whsec_simulator_dev_only")
    parser.add_argument("--hang-s", type=float, default=30.0, help="how long 'no answer' lasts")
    args = parser.parse_args()
    secrets = {p: args.webhook_secret for p in ("sim_a", "sim_b", "sim_bank")}
    serve(
        args.host,
        args.port,
        args.profile,
        args.seed,
        args.db,
        args.webhook_url,
        secrets,
        args.hang_s,
    )


if __name__ == "__main__":
    main()
