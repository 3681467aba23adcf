"""The `ledgerline` command line."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from ledgerline.bootstrap import App, build
from ledgerline.config import Settings
from ledgerline.domain.errors import LedgerlineError
from ledgerline.services import merchants as merchant_service
from ledgerline.services import sweeper
from ledgerline.services.verify import verify as run_verify

app = typer.Typer(
    help="Ledgerline: payments that are never lost, duplicated, or left silently stuck.",
    no_args_is_help=True,
    add_completion=False,
)
merchants_app = typer.Typer(help="Merchants.", no_args_is_help=True)
keys_app = typer.Typer(help="Secret API keys.", no_args_is_help=True)
simulator_app = typer.Typer(help="The provider simulator.", no_args_is_help=True)
app.add_typer(merchants_app, name="merchants")
app.add_typer(keys_app, name="keys")
app.add_typer(simulator_app, name="simulator")
console = Console(stderr=True)
DatabaseUrl = Annotated[
    str | None, typer.Option("--database-url", help="Overrides LEDGERLINE_DATABASE_URL.")
]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


def _settings(database_url: str | None) -> Settings:
    settings = Settings()
    return settings.model_copy(update={"database_url": database_url}) if database_url else settings


@contextmanager
def _built(settings: Settings, *, migrate: bool) -> Iterator[App]:
    app_ = build(settings, migrate=migrate)
    try:
        yield app_
    finally:
        app_.close()


def _fail(exc: LedgerlineError) -> NoReturn:
    where = f" at {exc.param}" if exc.param else ""
    # Escaped: a location like "[file.csv:3]" or a message must never be read as markup.
    console.print(f"[red]error[/red] {escape(exc.code + where)}: {escape(exc.message)}")
    raise typer.Exit(2)


@app.command()
def migrate(database_url: DatabaseUrl = None) -> None:
    """Create or upgrade the database schema."""
    with _built(_settings(database_url), migrate=True) as built:
        console.print(
            f"schema is current on {built.engine.url.render_as_string(hide_password=True)}"
        )


@merchants_app.command("create")
def merchants_create(
    name: str, json_output: Json = False, database_url: DatabaseUrl = None
) -> None:
    """Create a merchant and print its id and a new secret key (shown once)."""
    with _built(_settings(database_url), migrate=True) as built:
        try:
            key = merchant_service.create_merchant(built.deps, name=name)
        except LedgerlineError as exc:
            _fail(exc)
    if json_output:
        print(
            json.dumps(
                {
                    "merchant_id": key.merchant_id,
                    "key_id": key.key_id,
                    "secret_key": key.secret,
                    "scopes": key.scopes.split(","),
                }
            )
        )
    else:
        console.print(
            f"merchant [bold]{key.merchant_id}[/bold]\nsecret key (shown once): [bold]{key.secret}[/bold]"
        )


@keys_app.command("create")
def keys_create(
    merchant_id: str,
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="Repeat for several scopes; default all.")
    ] = None,
    json_output: Json = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Create another secret key for a merchant."""
    with _built(_settings(database_url), migrate=True) as built:
        try:
            key = merchant_service.create_key(built.deps, merchant_id=merchant_id, scopes=scope)
        except LedgerlineError as exc:
            _fail(exc)
    if json_output:
        print(
            json.dumps(
                {
                    "merchant_id": key.merchant_id,
                    "key_id": key.key_id,
                    "secret_key": key.secret,
                    "scopes": key.scopes.split(","),
                }
            )
        )
    else:
        console.print(f"secret key (shown once): [bold]{key.secret}[/bold]  scopes: {key.scopes}")


@app.command()
def verify(json_output: Json = False, database_url: DatabaseUrl = None) -> None:
    """Check every money invariant; exit 1 with a report when any fails."""
    with _built(_settings(database_url), migrate=False) as built:
        results = run_verify(built.audit)
    if json_output:
        print(
            json.dumps(
                {
                    "passed": all(r.passed for r in results),
                    "checks": [
                        {
                            "name": r.name,
                            "description": r.description,
                            "passed": r.passed,
                            "findings": [{"subject": s, "problem": p} for s, p in r.findings],
                        }
                        for r in results
                    ],
                }
            )
        )
    else:
        for r in results:
            mark = "[green]PASS[/green]" if r.passed else "[red]FAIL[/red]"
            console.print(f"{mark} {r.name}: {r.description}")
            for subject, problem in r.findings[:50]:
                console.print(f"     {escape(subject)}: {escape(problem)}")
            if len(r.findings) > 50:
                console.print(f"     … and {len(r.findings) - 50} more")
    if not all(r.passed for r in results):
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default LEDGERLINE_API_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default LEDGERLINE_API_PORT.")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Run the HTTP API."""
    import uvicorn

    from ledgerline.api.app import create_app

    settings = _settings(database_url)
    with _built(settings, migrate=True) as built:
        uvicorn.run(
            create_app(built),
            host=host or settings.api_host,
            port=port or settings.api_port,
            log_level="warning",
        )


@app.command()
def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="Job threads; default LEDGERLINE_WORKER_CONCURRENCY.")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Run the job worker until interrupted (Ctrl-C or SIGTERM finishes running jobs, then exits)."""
    from ledgerline.worker.loop import run_worker

    settings = _settings(database_url)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    threads = concurrency or settings.worker_concurrency
    with _built(settings, migrate=True) as built:
        sweeper.ensure_scheduled(built.deps)
        console.print(f"worker running with {threads} threads")
        run_worker(
            built.deps,
            concurrency=threads,
            poll_s=settings.worker_poll_s,
            lease_s=settings.worker_lease_s,
            stop=stop,
        )


@simulator_app.command("serve")
def simulator_serve(
    host: str = "127.0.0.1",
    port: int = 8700,
    profile: Annotated[str, typer.Option(help="calm | peak | outage | chaos")] = "calm",
    seed: int = 1,
    db: Annotated[
        str | None, typer.Option(help="SQLite file for the simulator's own records.")
    ] = None,
    webhook_url: Annotated[
        str | None, typer.Option(help="Where the simulator posts signed webhooks.")
    ] = None,
) -> None:
    """Run the fault-injecting provider simulator (sim_a, sim_b, sim_bank)."""
    from ledgerline.simulator.server import serve as serve_simulator

    secret = Settings().simulator_webhook_secret
    serve_simulator(
        host,
        port,
        profile,
        seed,
        db,
        webhook_url,
        {n: secret for n in ("sim_a", "sim_b", "sim_bank")},
    )


payouts_app = typer.Typer(help="Payouts.", no_args_is_help=True)
pricing_app = typer.Typer(help="Merchant pricing (fees).", no_args_is_help=True)
app.add_typer(payouts_app, name="payouts")
app.add_typer(pricing_app, name="pricing")


@payouts_app.command("import")
def payouts_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV file of payouts")],
    merchant: Annotated[str, typer.Option("--merchant", help="Merchant id")],
    json_output: Json = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Validate every row (errors name the line), then create the payouts idempotently."""
    from rich.progress import Progress

    from ledgerline.services import payout_import

    with _built(_settings(database_url), migrate=True) as built:
        try:
            rows = payout_import.parse_rows(file.read_text(encoding="utf-8-sig"), source=file.name)
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("creating payouts", total=len(rows))
                ids = payout_import.import_payouts(
                    built.deps,
                    merchant_id=merchant,
                    rows=rows,
                    progress=lambda n: progress.advance(task, n),
                )
        except LedgerlineError as exc:
            if exc.code == "csv_invalid" and exc.detail:
                for problem in exc.detail.split("; "):
                    console.print(f"[red]invalid[/red] {escape(problem)}")
                console.print("nothing was created")
                raise typer.Exit(2) from None
            _fail(exc)
    if json_output:
        print(json.dumps({"created": len(ids), "payouts": ids}))
    else:
        console.print(f"{len(ids)} payouts created or already present")


@payouts_app.command("return")
def payouts_return(
    payout_id: str,
    reason: Annotated[str, typer.Option(help="What the bank said")],
    database_url: DatabaseUrl = None,
) -> None:
    """Record that the receiving bank sent a paid payout back (credits the merchant)."""
    from ledgerline.services import payouts

    with _built(_settings(database_url), migrate=False) as built:
        try:
            returned = payouts.return_payout(built.deps, payout_id=payout_id, reason=reason)
        except LedgerlineError as exc:
            _fail(exc)
    console.print(f"payout {returned['id']} is {returned['status']}")


@pricing_app.command("set")
def pricing_set(
    merchant_id: str,
    bps: Annotated[int, typer.Option(help="Percentage in basis points (290 = 2.9%)")],
    fixed: Annotated[
        int | None, typer.Option(help="Fixed part in minor units; needs --currency")
    ] = None,
    currency: Annotated[str | None, typer.Option(help="Currency of the fixed part")] = None,
    provider: Annotated[str | None, typer.Option(help="Only for this provider")] = None,
    method: Annotated[
        str | None, typer.Option(help="Only for payment methods starting with this")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Add a pricing rule; the most specific matching rule prices a payment."""
    from ledgerline.services import pricing

    with _built(_settings(database_url), migrate=True) as built:
        try:
            rule = pricing.set_pricing(
                built.deps,
                merchant_id=merchant_id,
                bps=bps,
                fixed_minor=fixed,
                currency=currency,
                provider=provider,
                method_prefix=method,
            )
        except LedgerlineError as exc:
            _fail(exc)
    print(json.dumps(rule))


recon_app = typer.Typer(
    help="Reconciliation against provider and bank statements.", no_args_is_help=True
)
app.add_typer(recon_app, name="recon")


@recon_app.command("import")
def recon_import(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="Statement or settlement file")
    ],
    format_name: Annotated[str, typer.Option("--format", help="simulator | camt053 | csv")],
    provider: Annotated[str, typer.Option(help="Whose statement this is (sim_a, my_bank, …)")],
    profile: Annotated[
        Path | None, typer.Option(help="Column mapping (TOML) for --format csv")
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Write every item to .csv or .html")] = None,
    json_output: Json = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Store the file, parse it whole, match every line, act on each class, print a summary."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from ledgerline.services import reconciliation

    with _built(_settings(database_url), migrate=True) as built:
        try:
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
            with Progress(*columns, console=console, transient=True) as bar:
                task = bar.add_task(
                    f"reading {file.name} ({file.stat().st_size:,} bytes)", total=None
                )

                def show(phase: str, done: int, total: int) -> None:
                    bar.update(task, description=phase, completed=done, total=total or None)

                run = reconciliation.run_file(
                    built.deps,
                    provider=provider,
                    format_name=format_name,
                    name=file.name,
                    data=file.read_bytes(),
                    profile=str(profile) if profile else None,
                    progress=show,
                )
        except LedgerlineError as exc:
            _fail(exc)
        if report is not None:
            _write_report(built, run, report)
    if json_output:
        print(json.dumps(run))
        return
    _print_summary(run)


def _print_summary(run: dict[str, object]) -> None:
    from rich.table import Table

    summary = run["summary"]
    assert isinstance(summary, dict)
    table = Table(title=f"reconciliation {run['id']} ({summary['lines']} lines)")
    table.add_column("class")
    table.add_column("count", justify="right")
    table.add_column("amount (minor units)", justify="right")
    for klass, count in sorted(summary["counts"].items()):
        amounts = summary["amounts_minor"].get(klass, {})
        table.add_row(klass, str(count), ", ".join(f"{v} {c}" for c, v in sorted(amounts.items())))
    Console().print(table)
    for warning in run.get("warnings") or []:  # type: ignore[union-attr]
        console.print(f"[yellow]warning[/yellow] {escape(warning)}")


def _write_report(built: App, run: dict[str, object], path: Path) -> None:
    import csv
    import html

    from ledgerline.services import reconciliation

    items, after = [], None
    while True:
        page = reconciliation.list_items(
            built.deps, run_id=str(run["id"]), klass=None, starting_after=after, limit=100
        )
        items.extend(page["data"])
        if not page["has_more"]:
            break
        after = page["data"][-1]["id"]
    columns = ["class", "line", "location", "expected", "actual", "action"]
    if path.suffix == ".html":
        rows = "".join(
            "<tr>"
            + "".join(f"<td>{html.escape(str(i.get(c) or ''))}</td>" for c in columns)
            + "</tr>"
            for i in items
        )
        head = "".join(f"<th>{c}</th>" for c in columns)
        path.write_text(
            f"<!doctype html><meta charset=utf-8><title>Reconciliation {run['id']}</title>"
            f"<h1>Reconciliation {run['id']}</h1><table border=1><tr>{head}</tr>{rows}</table>",
            encoding="utf-8",
        )
    else:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(items)
    console.print(f"report written to {path}")


@app.command()
def settle(
    payment_id: str,
    evidence: Annotated[str, typer.Option(help="Where the settlement was seen")],
    database_url: DatabaseUrl = None,
) -> None:
    """Record that the provider settled a payment (pending → available). Reconciliation does
    this automatically; this is for a person holding the evidence."""
    from ledgerline.services import settlement

    with _built(_settings(database_url), migrate=False) as built:
        try:
            posted = settlement.settle_payment(built.deps, payment_id=payment_id, evidence=evidence)
        except LedgerlineError as exc:
            _fail(exc)
    console.print("settled" if posted else "already settled")


@app.command()
def simulate(
    payments: Annotated[int, typer.Option(help="How many payments to drive")] = 200,
    concurrency: Annotated[int, typer.Option(help="Payments in flight at once")] = 8,
    profile: Annotated[
        str, typer.Option(help="Simulator fault profile: calm | peak | outage | chaos")
    ] = "peak",
    seed: Annotated[int, typer.Option(help="Seeds the payment mix and the simulator's faults")] = 1,
    report_path: Annotated[
        Path | None, typer.Option("--report", help="Also write an HTML report with charts")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """A bad day end to end: real processes, faults, reconciliation, payouts; then every invariant.
    Exits 1 when any invariant fails."""
    import datetime as dt

    import httpx

    from ledgerline.ops.devstack import Service, Stack, child_env
    from ledgerline.services import reconciliation
    from ledgerline.simulation import peak_day
    from ledgerline.simulator.testing import free_port

    assert 1 <= payments <= 100_000 and 1 <= concurrency <= 64, (payments, concurrency)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    settings = _settings(database_url or f"sqlite:///var/simulate-{stamp}.db")
    api, sim = f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"
    settings = settings.model_copy(update={"simulator_url": sim, "provider_timeout_s": 2.0})
    env = child_env(
        {
            "LEDGERLINE_DATABASE_URL": settings.database_url,
            "LEDGERLINE_SIMULATOR_URL": sim,
            "LEDGERLINE_PROVIDER_TIMEOUT_S": "2.0",
            "LEDGERLINE_WORKER_POLL_S": "0.1",
        }
    )
    stack = Stack(
        [
            Service(
                "simulator",
                [
                    "ledgerline.simulator",
                    "--port",
                    sim.rsplit(":", 1)[1],
                    "--profile",
                    profile,
                    "--seed",
                    str(seed),
                    "--hang-s",
                    "5",
                    "--webhook-url",
                    f"{api}/v1/providers",
                ],
                f"{sim}/_admin/stats",
            ),
            Service(
                "api", ["ledgerline", "serve", "--port", api.rsplit(":", 1)[1]], f"{api}/health"
            ),
            Service("worker", ["ledgerline", "worker"], ""),
        ],
        env=env,
    )
    report = peak_day.Report()
    with _built(settings, migrate=True) as built:
        secret = merchant_service.create_merchant(built.deps, name="Peak-day merchant").secret
        try:
            stack.start()
            console.print(
                f"driving {payments} payments ({profile} profile, concurrency {concurrency}) on {settings.database_url}"
            )
            from rich.progress import Progress

            with Progress(console=console, transient=True) as bar:
                task = bar.add_task("payments", total=payments)
                peak_day.drive(
                    api,
                    secret,
                    payments=payments,
                    concurrency=concurrency,
                    seed=seed,
                    report=report,
                    progress=lambda: bar.advance(task),
                )
            with httpx.Client(
                base_url=api, headers={"Authorization": f"Bearer {secret}"}, timeout=60
            ) as client:
                everything = peak_day.wait_until_settled(
                    client, deadline_s=peak_day.SETTLE_TIMEOUT_S
                )
                peak_day.refund_some(client, everything, report)
                for provider in ("sim_a", "sim_b"):
                    export = built.deps.providers.get(provider).settlement_export(
                        day=peak_day.today()
                    )
                    run = reconciliation.run_file(
                        built.deps,
                        provider=provider,
                        format_name="simulator",
                        name=f"{provider}-{peak_day.today()}.csv",
                        data=export,
                    )
                    report.reconciliation[provider] = run["summary"]["counts"]
                peak_day.pay_out(client, report, deadline_s=30)
                everything = peak_day.wait_until_settled(client, deadline_s=10)
                peak_day.summarize(everything, report)
                report.faults = httpx.get(f"{sim}/_admin/stats").json()["counts"]
                open_exceptions = peak_day._all(client, "/v1/exceptions", status="open")
                report.exceptions.update(e["kind"] for e in open_exceptions)
                records = httpx.get(f"{sim}/_admin/records").json()
            _check(built, report, everything, records)
        finally:
            stack.stop()
    out = Console()
    for line in report.lines():
        out.print(escape(line), highlight=False)
    if report_path is not None:
        from ledgerline.simulation.charts import write_html

        write_html(report, report_path)
        console.print(f"report written to {escape(str(report_path))}")
    if not report.passed:
        raise typer.Exit(1)


def _check(
    built: App, report: object, payments: list[dict[str, object]], records: list[dict[str, object]]
) -> None:
    """Every ledger invariant, and the simulator's truth against ours, charge by charge."""
    checks = report.checks
    for result in run_verify(built.audit):
        checks.append(
            (result.name, result.passed, "; ".join(f"{s}: {p}" for s, p in result.findings[:3]))
        )
    open_ = [p["id"] for p in payments if p["status"] == "processing"]
    checks.append(("every payment final", not open_, ", ".join(map(str, open_[:5]))))
    ours = {a["id"]: a for p in payments for a in p["attempts"]}  # type: ignore[attr-defined]
    charged = [r for r in records if r["kind"] == "charge" and r["status"] == "succeeded"]
    unknown = [
        r["idempotency_key"]
        for r in charged
        if ours.get(r["idempotency_key"], {}).get("provider_reference") != r["id"]
    ]
    checks.append(
        (
            "every charge the provider made is ours and posted",
            not unknown,
            ", ".join(map(str, unknown[:5])),
        )
    )
    truth = {r["idempotency_key"] for r in charged}
    phantom = [a_id for a_id, a in ours.items() if a["status"] == "succeeded" and a_id not in truth]
    checks.append(("no success the provider does not have", not phantom, ", ".join(phantom[:5])))


@app.command()
def demo(
    api_port: Annotated[int, typer.Option(help="Port of the API.")] = 8000,
    simulator_port: Annotated[int, typer.Option(help="Port of the provider simulator.")] = 8700,
    profile: Annotated[
        str, typer.Option(help="Simulator fault profile: calm | peak | outage | chaos.")
    ] = "calm",
    database_url: DatabaseUrl = None,
) -> None:
    """Run everything locally: simulator, API and worker on the embedded database."""
    from ledgerline.ops.devstack import Service, Stack, child_env

    settings = _settings(database_url)
    with _built(settings, migrate=True) as built:
        key = _demo_key(built, settings)
    api = f"http://127.0.0.1:{api_port}"
    sim = f"http://127.0.0.1:{simulator_port}"
    env = child_env(
        {"LEDGERLINE_DATABASE_URL": settings.database_url, "LEDGERLINE_SIMULATOR_URL": sim}
    )
    stack = Stack(
        [
            Service(
                "simulator",
                [
                    "ledgerline",
                    "simulator",
                    "serve",
                    "--port",
                    str(simulator_port),
                    "--profile",
                    profile,
                    "--webhook-url",
                    f"{api}/v1/providers",
                ],
                f"{sim}/_admin/stats",
            ),
            Service("api", ["ledgerline", "serve", "--port", str(api_port)], f"{api}/health"),
            Service("worker", ["ledgerline", "worker"], ""),
        ],
        env=env,
    )
    try:
        stack.start()
        _print_welcome(api=api, sim=sim, key=key, database_url=settings.database_url)
        code = stack.wait()
    except KeyboardInterrupt:
        code = 0
    except RuntimeError as exc:
        console.print(f"[red]could not start:[/red] {escape(str(exc))}")
        code = 1
    finally:
        console.print("stopping…")
        stack.stop()
    raise typer.Exit(code)


def _demo_key(built: App, settings: Settings) -> merchant_service.NewKey:
    """A fresh secret key for the demo merchant, created on first use (keys are stored hashed,
    so an old one cannot be shown again)."""
    marker = (
        Path(settings.database_url.removeprefix("sqlite:///") + ".demo-merchant")
        if settings.database_url.startswith("sqlite:///")
        else Path("var/demo-merchant")
    )
    if marker.exists():
        return merchant_service.create_key(built.deps, merchant_id=marker.read_text().strip())
    key = merchant_service.create_merchant(built.deps, name="Demo merchant")
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(key.merchant_id)
    return key


def _print_welcome(*, api: str, sim: str, key: merchant_service.NewKey, database_url: str) -> None:
    out = Console()
    out.print(
        f"""
[bold green]Ledgerline is running[/bold green] on {database_url}
  API docs     {api}/docs
  OpenAPI      {api}/openapi.json
  health       {api}/health
  simulator    {sim}  (providers sim_a, sim_b, sim_bank)
  merchant     {key.merchant_id}
  secret key   {key.secret}   [dim](shown once)[/dim]

Make a payment:

  curl -s {api}/v1/payments -H "Authorization: Bearer {key.secret}" \\
    -H "Idempotency-Key: $(date +%s%N)" -H "Content-Type: application/json" \\
    -d '{{"amount": 1999, "currency": "usd", "payment_method": "pm_card_visa", "confirm": true}}'

Then its timeline: curl -s {api}/v1/payments/<id>/timeline -H "Authorization: Bearer {key.secret}"
Press Ctrl-C to stop everything.
""",
        highlight=False,
        soft_wrap=True,
    )


def main() -> None:
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
