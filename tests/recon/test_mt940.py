"""MT940 through the mt-940 package: every sample against expected.json, and the package's
habits that are worked around (reversal signs, one statement per :20:, customer references)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import Money
from ledgerline.domain.settlement import Direction, LineType
from ledgerline.recon.parsers import parse

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "mt940"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"no samples at {SAMPLES}")
EXPECTED = json.loads((SAMPLES / "expected.json").read_text()) if SAMPLES.is_dir() else {}
NAMES = sorted(name for name in EXPECTED if name != "_meta")
CREDIT_MARKS = {"C", "RD"}  # SWIFT field 61: C and RD credit, D and RC debit


def _read(name: str):
    return parse("mt940", (SAMPLES / name).read_bytes(), provider="bank", source_name=name)


def _balance(balance: dict) -> Money:
    sign = "-" if balance["mark"] == "D" else ""
    return Money.from_decimal(sign + balance["amount"], balance["currency"], withdrawn=True)


def _total(lines, direction: Direction) -> Decimal:
    return sum((x.gross.to_decimal() for x in lines if x.direction is direction), Decimal(0))


@pytest.mark.parametrize("name", NAMES)
def test_every_statement_reads_to_its_expected_entries_balances_and_sums(name):
    parsed = _read(name)
    expected = EXPECTED[name]
    assert len(parsed.lines) == expected["entry_count"]
    assert len(parsed.sections) == expected["statement_count"]
    position = 0
    for section, statement in zip(parsed.sections, expected["statements"], strict=True):
        assert section.account == statement["account"]
        assert section.opening == _balance(statement["opening_balance"])
        assert section.closing == _balance(statement["closing_balance"])
        lines = parsed.lines[position : position + section.line_count]
        position += section.line_count
        assert [
            (
                x.direction is Direction.CREDIT,
                x.gross.to_decimal(),
                x.provider_reference,
                str(x.value_date),
            )
            for x in lines
        ] == [
            (e["mark"] in CREDIT_MARKS, Decimal(e["amount"]), e["bank_reference"], e["value_date"])
            for e in statement["entries"]
        ]
        assert _total(lines, Direction.CREDIT) == Decimal(statement["sum_credit_effect"])
        assert _total(lines, Direction.DEBIT) == Decimal(statement["sum_debit_effect"])
        reported = any(w.startswith(f"{section.location}: closing") for w in parsed.warnings)
        assert reported == (not statement["opening_plus_net_equals_closing"])


def test_a_file_that_does_not_reconcile_reports_each_statement_and_the_gap_between_them():
    assert _read("abnamro.sta").warnings == [
        "abnamro.sta:4: closing balance differs from opening + entries by -2038.00 EUR",
        "abnamro.sta:32: closing balance differs from opening + entries by -1002.60 EUR",
        "abnamro.sta:32: opens at 2876.84 EUR, but the previous statement of 517852257 "
        "(abnamro.sta:4) closed at 876.84 EUR",
    ]


def test_a_reversal_of_credit_is_money_out_although_the_package_signs_it_positive():
    parsed = _read("de_sepa_mt9401.sta")
    reversal = next(line for line in parsed.lines if line.status == "reversal")
    assert (reversal.direction, reversal.gross) == (Direction.DEBIT, Money(20488, "EUR"))
    assert reversal.line_type is LineType.ADJUSTMENT
    assert parsed.warnings == []  # every one of the 26 statements balances with RC as a debit


def test_customer_references_survive_the_german_details_and_an_eref_is_ours():
    assert _read("de_sepa_mt9401.sta").lines[0].our_reference == "TFNr 40005 MSGID"
    rabobank = _read("rabobank_iban.sta")
    assert rabobank.lines[0].our_reference == "01-01-2013 12:00 0030000987654321"  # /EREF/ in :86:
    assert rabobank.lines[1].our_reference is None  # NONREF


def test_several_currencies_in_one_file_keep_their_own():
    parsed = _read("cmxl_multi_currency.sta")
    assert [s.currency for s in parsed.sections] == ["DEM", "EUR", "PLN"]
    assert parsed.currency is None  # no single currency for the whole file


def test_control_characters_blank_entry_dates_and_zero_amounts_are_read():
    assert [line.gross for line in _read("mbank_pln.sta").lines] == [Money(1, "PLN")] * 3
    citi = _read("citi_usd.txt")
    assert [line.gross.amount_minor for line in citi.lines] == [21239, 36928, 0, 0, 56108]


def test_identities_use_the_bank_reference_else_the_statement_position():
    rabobank = _read("rabobank_iban.sta")
    # Two statements share :20: and :28C:; their opening dates keep the identities apart.
    assert [line.line_identity for line in rabobank.lines] == [
        "NL71RABO0123456789/0/2013-01-01/1",
        "NL71RABO0123456789/0/2013-01-01/2",
        "NL71RABO0123456789/0/2013-01-08/1",
        "NL71RABO0123456789/0/2013-01-08/2",
    ]
    first = _read("mbank_pln.sta").lines[0]
    assert (first.line_identity, first.location) == (
        "PL29114010810000267002001002/MB170119012058",
        "mbank_pln.sta:6",
    )


def test_a_bank_reference_repeated_in_one_file_is_told_apart_and_reported():
    parsed = _read("cmxl_multi_currency.sta")
    identities = [line.line_identity for line in parsed.lines]
    assert len(set(identities)) == len(identities)
    assert "10020030/1234567/55555#2" in identities
    assert parsed.warnings == ["1 line identities repeat in this file: 10020030/1234567/55555"]


STATEMENT = b""":20:REF1
:25:NL71RABO0123456789
:28C:1
:60F:C130101EUR1000,00
:61:1301010101D25,00N102NONREF
:86:first
:62F:C130101EUR975,00
-
"""


def _malformed(data: bytes) -> LedgerlineError:
    with pytest.raises(LedgerlineError) as caught:
        parse("mt940", data, provider="bank", source_name="s.sta")
    assert caught.value.code == "statement_malformed"
    return caught.value


def test_the_minimal_statement_reads():
    parsed = parse("mt940", STATEMENT, provider="bank", source_name="s.sta")
    assert [line.gross for line in parsed.lines] == [Money(2500, "EUR")]
    assert parsed.warnings == []


def test_an_unknown_currency_is_rejected_with_the_statement_line():
    error = _malformed(STATEMENT.replace(b"EUR", b"XYZ"))
    assert (error.param, error.reason) == ("s.sta:1", "currency_unsupported")


def test_a_too_precise_amount_is_rejected_at_its_entry():
    error = _malformed(STATEMENT.replace(b"EUR", b"JPY").replace(b"D25,00", b"D25,50"))
    assert (error.param, error.reason) == ("s.sta:5", "amount_too_precise")


def test_a_missing_account_is_rejected():
    assert _malformed(STATEMENT.replace(b":25:NL71RABO0123456789\n", b"")).param == "s.sta:1"


def test_a_file_without_statements_is_rejected():
    assert _malformed(b"hello\n").param == "s.sta:1"


def test_an_unreadable_entry_is_rejected_with_its_statement():
    assert _malformed(STATEMENT.replace(b"D25,00", b"X25,00")).param == "s.sta:1"
