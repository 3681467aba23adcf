"""End to end: payments through the simulator, its real settlement export with injected
discrepancies, reconciled — every discrepancy is found with the right class, nothing else is."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import Money
from ledgerline.services import merchants, payments, reconciliation
from ledgerline.services.verify import verify


def _pay(app, merchant: str, method: str, amount: int) -> dict:
    return payments.create_payment(
        app.deps,
        merchant_id=merchant,
        idempotency_key=None,
        request=payments.NewPayment(
            amount=Money.of(amount, "USD"), payment_method=method, confirm=True
        ),
    )


def _export(app) -> list[dict[str, str]]:
    day = app.deps.clock.now().date()
    text = app.deps.providers.get("sim_a").settlement_export(day=day).decode()
    return list(csv.DictReader(io.StringIO(text)))


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
def recon_app(make_app):
    from tests.fixtures_app import FAST_POLICY

    app = make_app(replace(FAST_POLICY, settlement_window_days=0, inquiry_delays_s=(3600,)))
    return app


def test_every_injected_discrepancy_is_found_with_its_class_and_nothing_else(recon_app, simulator):
    app = recon_app
    merchant = merchants.create_merchant(app.deps, name="m").merchant_id
    ok = [_pay(app, merchant, "pm_card_visa", 1000 + i) for i in range(5)]
    lost = _pay(app, merchant, "pm_card_lost_response", 777)
    _pay(app, merchant, "pm_card_declined", 555)
    assert lost["status"] == "processing"
    rows = _export(app)
    by_key = {r["idempotency_key"]: r for r in rows}
    key = {p["id"]: p["attempts"][0]["id"] for p in ok}
    by_key[key[ok[1]["id"]]]["gross_minor"] = "9999"  # amount_mismatch
    by_key[key[ok[1]["id"]]]["net_minor"] = str(9999 - int(by_key[key[ok[1]["id"]]]["fee_minor"]))
    rows.remove(by_key[key[ok[2]["id"]]])  # missing_in_statement
    rows.append(dict(by_key[key[ok[3]["id"]]]))  # duplicate_in_statement
    fee_row = by_key[key[ok[4]["id"]]]  # fee_mismatch: one unit above the provider's price list
    fee_row["fee_minor"] = str(int(fee_row["fee_minor"]) + 1)
    fee_row["net_minor"] = str(int(fee_row["gross_minor"]) - int(fee_row["fee_minor"]))
    rows.append(
        {
            **rows[0],
            "line_id": "sim_a-orphan",
            "provider_reference": "ch_nobody",
            "idempotency_key": "x",
            "our_reference": "",
        }
    )  # missing_in_ledger: an orphan charge

    run = reconciliation.run_file(
        app.deps, provider="sim_a", format_name="simulator", name="sim_a.csv", data=_csv(rows)
    )

    assert run["summary"]["counts"] == {
        "matched": 2,
        "fee_mismatch": 1,
        "amount_mismatch": 1,
        "missing_in_statement": 1,
        "duplicate_in_statement": 1,
        "missing_in_ledger": 2,
    }
    items = reconciliation.list_items(
        app.deps, run_id=run["id"], klass=None, starting_after=None, limit=100
    )["data"]
    found = {(i["class"], i["subject"]["id"]) for i in items}
    assert ("amount_mismatch", ok[1]["id"]) in found and (
        "missing_in_statement",
        ok[2]["id"],
    ) in found
    assert ("missing_in_ledger", lost["id"]) in found, (
        "the lost response was resolved by the statement"
    )
    resolved = payments.get_payment(app.deps, merchant_id=merchant, payment_id=lost["id"])
    assert resolved["status"] == "succeeded" and resolved["attempts"][0]["evidence"] == "settlement"
    balance = payments.balance(app.deps, merchant_id=merchant)
    assert balance["available"] == [{"amount": 1000 + 1003 + 1004, "currency": "usd"}]
    kinds = {e["kind"] for e in _exceptions(app, merchant)}
    assert {"amount_mismatch", "not_received", "fee_mismatch"} <= kinds
    missing = [i for i in items if i["class"] == "missing_in_statement"]
    assert "status inquiry at sim_a: succeeded" in missing[0]["action"]
    assert not [r for r in verify(app.audit) if not r.passed and r.name != "no_dead_jobs"]

    again = reconciliation.run_file(
        app.deps, provider="sim_a", format_name="simulator", name="sim_a.csv", data=_csv(rows)
    )
    assert again["replayed"] is True and again["id"] == run["id"]
    renamed = reconciliation.run_file(
        app.deps,
        provider="sim_a",
        format_name="simulator",
        name="copy.csv",
        data=_csv(rows) + b"\n",
    )
    assert set(renamed["summary"]["counts"]) <= {
        "duplicate_in_statement",
        "missing_in_statement",
        "matched",
    }
    assert renamed["summary"]["counts"]["duplicate_in_statement"] == len(rows)
    assert payments.balance(app.deps, merchant_id=merchant)["available"] == balance["available"], (
        "never settled twice"
    )


def _exceptions(app, merchant):
    from ledgerline.services import exceptions

    return exceptions.list_exceptions(
        app.deps,
        merchant_id=merchant,
        status="open",
        kind=None,
        min_age_s=None,
        starting_after=None,
        limit=100,
    )["data"]


def test_a_malformed_file_is_kept_rejected_and_applies_nothing(recon_app):
    app = recon_app
    bad = (
        b"line_id,type,provider_reference,our_reference,idempotency_key,gross_minor,fee_minor,net_minor,currency,value_date,status\n"
        b"l1,payment,ch_1,,k,100,3,97,USD,2026-01-01,settled\nl2,payment,ch_2,,k2,1x0,3,97,USD,2026-01-01,settled\n"
    )
    with pytest.raises(LedgerlineError) as raised:
        reconciliation.run_file(
            app.deps, provider="sim_a", format_name="simulator", name="bad.csv", data=bad
        )
    assert raised.value.code == "statement_malformed" and raised.value.param == "bad.csv:3"
    with app.engine.connect() as c:
        from sqlalchemy import text

        assert c.execute(text("SELECT status FROM recon_files")).scalar_one() == "rejected"
        assert c.execute(text("SELECT count(*) FROM settlement_lines")).scalar_one() == 0


CAMT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>S1</Id>
<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>USD</Ccy></Acct>
<Ntry><NtryRef>BANK-1</NtryRef><Amt Ccy="USD">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<ValDt><Dt>{day}</Dt></ValDt></Ntry></Stmt></BkToCstmrStmt></Document>"""


def test_one_bank_credit_is_matched_to_the_provider_batch_it_pays(recon_app):
    app = recon_app
    merchant = merchants.create_merchant(app.deps, name="m").merchant_id
    for amount in (1000, 2500, 4000):
        _pay(app, merchant, "pm_card_visa", amount)
    rows = _export(app)
    reconciliation.run_file(
        app.deps, provider="sim_a", format_name="simulator", name="sim.csv", data=_csv(rows)
    )
    net = sum(int(r["net_minor"]) for r in rows)
    day = rows[0]["value_date"]
    statement = CAMT.format(amount=f"{net / 100:.2f}", day=day).encode()
    run = reconciliation.run_file(
        app.deps, provider="our_bank", format_name="camt053", name="bank.xml", data=statement
    )
    assert run["summary"]["counts"] == {"matched": 1}
    [item] = reconciliation.list_items(
        app.deps, run_id=run["id"], klass="matched", starting_after=None, limit=10
    )["data"]
    assert (
        item["subject"]["type"] == "settlement_batch"
        and "received settlement batch" in item["action"]
    )
