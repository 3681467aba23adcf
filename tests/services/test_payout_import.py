"""Mass payouts from CSV: every row validated first, line numbers in errors, idempotent rows."""

from __future__ import annotations

import pytest

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import Money
from ledgerline.services import merchants, payments, settlement
from ledgerline.services.payout_import import import_payouts, parse_rows

HEADER = "row_id,amount,currency,destination_type,account,holder_name,description\n"
GOOD = HEADER + (
    "r1,12.50,EUR,iban,DE89370400440532013000,Acme GmbH,March\n"
    "r2,100,EUR,cn_bank_card,6222020200112233446,张三,\n"
)


def _funded(app, amount_minor: int) -> str:
    merchant = merchants.create_merchant(app.deps, name="m").merchant_id
    paid = payments.create_payment(
        app.deps,
        merchant_id=merchant,
        idempotency_key=None,
        request=payments.NewPayment(
            amount=Money.of(amount_minor, "EUR"), payment_method="pm_card_visa", confirm=True
        ),
    )
    settlement.settle_payment(app.deps, payment_id=paid["id"], evidence="test")
    return merchant


def test_bad_rows_are_all_reported_with_line_numbers_and_nothing_is_created():
    text = HEADER + (
        "r1,12.345,EUR,iban,DE89370400440532013000,Acme,\n"
        "r2,10,EUR,iban,DE89370400440532013001,Acme,\n"
        "r3,10,EUR,iban,DE89370400440532013000,,\n"
        "r3,10,XXX,iban,DE89370400440532013000,Acme,\n"
    )
    with pytest.raises(LedgerlineError) as raised:
        parse_rows(text, source="batch.csv")
    problems = raised.value.detail.split("; ")
    assert [p.split(": ")[0] for p in problems] == [
        "batch.csv:2",
        "batch.csv:3",
        "batch.csv:4",
        "batch.csv:5",
    ]
    assert "amount" in problems[0] and "iban" in problems[1] and "holder_name" in problems[2]


def test_missing_columns_are_named():
    with pytest.raises(LedgerlineError) as raised:
        parse_rows("row_id,amount\nr1,5\n", source="x.csv")
    assert raised.value.param == "x.csv:1" and "currency" in raised.value.detail


def test_a_file_larger_than_the_available_balance_creates_nothing(engine_app):
    merchant = _funded(engine_app, 5000)
    rows = parse_rows(GOOD, source="good.csv")
    with pytest.raises(LedgerlineError) as raised:
        import_payouts(engine_app.deps, merchant_id=merchant, rows=rows, progress=lambda n: None)
    assert raised.value.code == "insufficient_balance"
    with engine_app.deps.uow(read_only=True) as uow:
        assert uow.payouts.page(merchant_id=merchant, limit=10, after=None, status=None) == []


def test_importing_the_same_file_twice_creates_each_payout_once(engine_app):
    merchant = _funded(engine_app, 50_000)
    rows = parse_rows(GOOD, source="good.csv")
    seen: list[int] = []
    first = import_payouts(engine_app.deps, merchant_id=merchant, rows=rows, progress=seen.append)
    again = import_payouts(engine_app.deps, merchant_id=merchant, rows=rows, progress=seen.append)
    assert first == again and len(first) == 2 and sum(seen) == 4
    with engine_app.deps.uow(read_only=True) as uow:
        assert len(uow.payouts.page(merchant_id=merchant, limit=10, after=None, status=None)) == 2
