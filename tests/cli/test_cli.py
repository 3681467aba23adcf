"""The command line, run in-process against real databases."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import text
from typer.testing import CliRunner

from ledgerline.cli import app
from ledgerline.domain.ledger import payment_succeeded_entry
from ledgerline.domain.money import Money
from ledgerline.store.engine import make_engine
from ledgerline.store.uow import SqlUnitOfWorkFactory

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_merchants_create_json_prints_one_object_with_a_secret_key(database_url):
    result = _run("merchants", "create", "Acme", "--json", "--database-url", database_url)
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert created["merchant_id"].startswith("mer_") and created["secret_key"].startswith(
        "sk_test_"
    )
    key = _run(
        "keys",
        "create",
        created["merchant_id"],
        "--scope",
        "payments:read",
        "--json",
        "--database-url",
        database_url,
    )
    assert json.loads(key.stdout)["scopes"] == ["payments:read"]


def test_keys_for_an_unknown_merchant_is_a_clear_error(database_url):
    result = _run("keys", "create", "mer_nope", "--database-url", database_url)
    assert result.exit_code == 2 and "merchant_not_found" in result.output


def test_verify_passes_on_a_clean_database(database_url):
    result = _run("verify", "--json", "--database-url", database_url)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["passed"] is True


def test_verify_fails_with_a_report_when_the_ledger_is_tampered_with(database_url):
    engine = make_engine(database_url)
    now = dt.datetime.now(dt.UTC)
    uow = SqlUnitOfWorkFactory(engine)
    with uow() as u:
        u.merchants.add(merchant_id="mer_1", name="m", now=now)
        entry = payment_succeeded_entry(
            entry_id="je_1",
            payment_id="pay_ghost",
            merchant_id="mer_1",
            provider="sim_a",
            amount=Money(amount_minor=500, currency="USD"),
        )
        u.ledger.post(entry, now=now)
        u.commit()
    with engine.begin() as c:  # a balance edited behind the ledger's back
        c.execute(
            text(
                "UPDATE accounts SET credits_minor = credits_minor + 1 WHERE kind = 'merchant_pending'"
            )
        )
    engine.dispose()
    result = _run("verify", "--json", "--database-url", database_url)
    assert result.exit_code == 1
    failed = {
        c["name"]: c["findings"] for c in json.loads(result.stdout)["checks"] if not c["passed"]
    }
    # The edited balance and the ghost entry each break the merchant equation too.
    assert set(failed) == {
        "balances_match_postings",
        "payments_posted_exactly",
        "merchant_equation",
    }
    assert failed["payments_posted_exactly"][0]["subject"] == "pay_ghost"
    assert "merchant_pending:mer_1:USD" in failed["balances_match_postings"][0]["subject"]


def test_recon_import_prints_a_summary_and_writes_a_report(database_url, tmp_path):
    statement = tmp_path / "sim_a.csv"
    statement.write_text(
        "line_id,type,provider_reference,our_reference,idempotency_key,gross_minor,fee_minor,net_minor,currency,"
        "value_date,status\nl1,payment,ch_nobody,,k1,1000,59,941,USD,2026-11-01,settled\n"
    )
    report = tmp_path / "report.csv"
    result = _run(
        "recon",
        "import",
        str(statement),
        "--format",
        "simulator",
        "--provider",
        "sim_a",
        "--report",
        str(report),
        "--json",
        "--database-url",
        database_url,
    )
    assert result.exit_code == 0, result.output
    run = json.loads(result.stdout.strip().splitlines()[-1])
    assert run["summary"]["counts"] == {"missing_in_ledger": 1}
    assert (
        "missing_in_ledger" in report.read_text()
        and "ch_nobody" not in report.read_text().split("\n")[0]
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("nonsense\n")
    failed = _run(
        "recon",
        "import",
        str(bad),
        "--format",
        "simulator",
        "--provider",
        "sim_a",
        "--database-url",
        database_url,
    )
    assert (
        failed.exit_code == 2
        and "statement_malformed" in failed.output
        and "bad.csv:1" in failed.output
    )
