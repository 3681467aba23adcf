"""camt.053: every public sample against its hand-checked expected.json, and malformed input."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import Money
from ledgerline.domain.settlement import Direction, LineType
from ledgerline.recon.parsers import parse

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "camt053"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"no samples at {SAMPLES}")
EXPECTED = json.loads((SAMPLES / "expected.json").read_text()) if SAMPLES.is_dir() else {}
NAMES = sorted(name for name in EXPECTED if name != "_meta")
NTRY1 = "/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]"


def _read(name: str):
    return parse("camt053", (SAMPLES / name).read_bytes(), provider="bank", source_name=name)


def _sums(lines) -> dict[tuple[Direction, str], Decimal]:
    sums: dict[tuple[Direction, str], Decimal] = defaultdict(Decimal)
    for line in lines:
        sums[(line.direction, line.gross.currency)] += line.gross.to_decimal()
    return sums


def _entry_sum(entries: list[dict], indicator: str, currency: str) -> Decimal:
    return sum(
        (Decimal(e["amount"]) for e in entries if e["cdi"] == indicator and e["ccy"] == currency),
        Decimal(0),
    )


def _signed_balance(balance: dict) -> Money:
    sign = "-" if balance["cdi"] == "DBIT" else ""
    return Money.from_decimal(sign + balance["amount"], balance["ccy"])


@pytest.mark.parametrize("name", NAMES)
def test_every_sample_reads_to_its_expected_entries_balances_and_sums(name):
    parsed = _read(name)
    (statement,) = EXPECTED[name]["statements"]
    entries = statement["entries"]
    # A batch whose transactions add up to the entry is split into one line per transaction.
    split = sum(len(e["tx_details"]) for e in entries if len(e.get("tx_details", [])) > 1)
    whole = sum(1 for e in entries if len(e.get("tx_details", [])) <= 1)
    assert len(parsed.lines) == whole + split
    assert parsed.account == statement["account"]
    balances = {b["type"]: b for b in statement["balances"]}
    assert parsed.opening == _signed_balance(balances.get("OPBD") or balances["PRCD"])
    assert parsed.closing == _signed_balance(balances["CLBD"])
    sums = _sums(parsed.lines)
    for currency in statement["currencies_in_entries"]:
        assert sums[(Direction.CREDIT, currency)] == _entry_sum(entries, "CRDT", currency)
        assert sums[(Direction.DEBIT, currency)] == _entry_sum(entries, "DBIT", currency)
    if len(statement["currencies_in_entries"]) == 1:
        assert sums[(Direction.CREDIT, parsed.currency)] == Decimal(statement["sum_credit_entries"])
        assert sums[(Direction.DEBIT, parsed.currency)] == Decimal(statement["sum_debit_entries"])
    reported = [w for w in parsed.warnings if "closing balance differs" in w]
    assert bool(reported) == (not statement["opening_plus_booked_net_equals_closing"])


def test_a_statement_that_does_not_reconcile_is_reported_with_the_difference():
    parsed = _read("camt053.001.02_nl_abnamro_reversal_batch.xml")
    assert parsed.warnings == [
        "/Document/BkToCstmrStmt/Stmt[1]: closing balance differs from opening + entries by "
        "-434.16 EUR"
    ]


def test_the_fx_entry_uses_the_booked_account_currency_amount_not_the_instructed_one():
    parsed = _read("camt053.001.04_ch_credit_suisse_fx.xml")
    fx = parsed.lines[0]
    assert (fx.gross, fx.direction) == (Money(57921, "CHF"), Direction.DEBIT)  # not 522.39 EUR
    assert (fx.our_reference, fx.provider_reference) == ("SP-98803960-0", "DNXK210913CS36481/1001")
    assert parsed.warnings == []  # TxsSummry counts and sums agree with the entries
    assert parsed.declared_count == 2
    assert parsed.declared_totals == {
        "TtlCdtNtries": Money(13400, "CHF"),
        "TtlDbtNtries": Money(57921, "CHF"),
    }


def test_an_entry_booked_in_another_currency_is_kept_as_booked_and_reported():
    parsed = _read("camt053.001.08_ch_fx_excerpt.xml")
    assert parsed.lines[2].gross == Money(2097, "EUR")
    assert parsed.warnings[0].startswith(
        "/Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt: booked in EUR on a CHF account"
    )
    # The excerpt does not reconcile; the CHF check leaves the EUR entry out.
    assert parsed.warnings[1].endswith("by 1230.05 CHF")


def test_reversals_keep_the_direction_their_indicator_gives_and_are_adjustments():
    parsed = _read("camt053.001.04_ch_postfinance_batch_reversal.xml")
    reversals = [line for line in parsed.lines if line.status == "reversal"]
    assert [(r.direction, r.gross) for r in reversals] == [
        (Direction.DEBIT, Money(600, "CHF")),
        (Direction.DEBIT, Money(1553, "CHF")),
    ]
    assert {r.line_type for r in reversals} == {LineType.ADJUSTMENT}
    assert parsed.warnings == []  # with RvslInd not flipping the sign, the statement balances


def test_a_batch_becomes_one_line_per_transaction_with_its_own_end_to_end_id():
    parsed = _read("camt053.001.02_nl_abnamro_reversal_batch.xml")
    batch = [line for line in parsed.lines if "/Ntry[2]/" in line.location]
    assert [(b.gross, b.our_reference) for b in batch] == [
        (Money(56405, "EUR"), "TESTBANK/NL/20141229/01206408"),
        (Money(10000, "EUR"), "TESTBANK/NL/20141229/01206407"),
    ]
    assert batch[0].location == "/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/NtryDtls[1]/TxDtls[1]"
    # No bank reference on the entry: the statement id and the entry's position identify it.
    assert batch[0].line_identity == "NL77ABNA0574908765/1234Test/1/2/1"
    assert {b.batch_reference for b in batch} == {"NL77ABNA0574908765/1234Test/1/2"}


def test_version_02_batch_amounts_come_from_amount_details():
    parsed = _read("camt053.001.02_de_vrbank_batch.xml")
    batch = [line for line in parsed.lines if line.batch_reference == "2013122711513230000"]
    assert [b.gross for b in batch] == [Money(350, "EUR"), Money(250, "EUR")]
    assert parsed.lines[1].our_reference is None  # EndToEndId NOTPROVIDED is no reference


def test_dates_with_a_zone_and_amounts_without_two_decimals_are_read():
    parsed = _read("camt053.001.04_ch_raiffeisen_cardpayments.xml")
    assert parsed.lines[0].gross == Money(90530, "CHF")  # written "905.3"
    assert all(line.value_date is not None for line in parsed.lines)


@pytest.mark.parametrize("name", NAMES)
def test_identities_are_unique_within_each_file(name):
    identities = [line.line_identity for line in _read(name).lines]
    assert len(set(identities)) == len(identities)


GOOD = (
    (SAMPLES / "camt053.001.04_ch_credit_suisse_fx.xml").read_bytes() if SAMPLES.is_dir() else b""
)
FIRST_AMOUNT = b'<Amt Ccy="CHF">579.21</Amt>'


def _malformed(data: bytes) -> LedgerlineError:
    assert data != GOOD
    with pytest.raises(LedgerlineError) as caught:
        parse("camt053", data, provider="bank", source_name="s.xml")
    assert caught.value.code == "statement_malformed"
    return caught.value


def test_truncated_xml_is_rejected_with_its_line():
    assert _malformed(GOOD[: len(GOOD) // 2]).param.startswith("s.xml:")


def test_a_bad_amount_is_rejected_at_its_xml_path():
    error = _malformed(GOOD.replace(FIRST_AMOUNT, b'<Amt Ccy="CHF">5x9.21</Amt>', 1))
    assert (error.param, error.reason) == (f"{NTRY1}/Amt", "amount_invalid")


def test_an_unknown_currency_is_rejected_at_its_xml_path():
    error = _malformed(GOOD.replace(FIRST_AMOUNT, b'<Amt Ccy="XYZ">579.21</Amt>', 1))
    assert (error.param, error.reason) == (f"{NTRY1}/Amt", "currency_unsupported")


def test_a_too_precise_amount_is_rejected_never_rounded():
    error = _malformed(GOOD.replace(FIRST_AMOUNT, b'<Amt Ccy="CHF">579.215</Amt>', 1))
    assert (error.param, error.reason) == (f"{NTRY1}/Amt", "amount_too_precise")


def test_a_missing_credit_debit_indicator_is_rejected():
    data = GOOD.replace(b"<CdtDbtInd>DBIT</CdtDbtInd>\n\t\t\t<RvslInd>", b"<RvslInd>", 1)
    assert _malformed(data).param == f"{NTRY1}/CdtDbtInd"


def test_a_document_that_is_not_a_statement_is_rejected():
    assert _malformed(b"<Document><Other/></Document>").param == "/Document/BkToCstmrStmt"
