"""camt.053 parsing against real bank statements and their independently computed totals."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.settlement import Direction
from ledgerline.recon.parsers import parse

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "camt053"
pytestmark = pytest.mark.skipif(not SAMPLES.exists(), reason=f"samples not found at {SAMPLES}")


def _expected() -> dict:
    return json.loads((SAMPLES / "expected.json").read_text())


@pytest.mark.parametrize(
    "name", sorted(p.name for p in SAMPLES.glob("*.xml")) if SAMPLES.exists() else []
)
def test_every_sample_parses_to_its_expected_entries_and_totals(name):
    parsed = parse("camt053", (SAMPLES / name).read_bytes(), provider="bank", source_name=name)
    [statement] = _expected()[name]["statements"]
    assert len(parsed.lines) == statement["entry_count"]
    credits = sum(
        (line.gross.to_decimal() for line in parsed.lines if line.direction is Direction.CREDIT),
        Decimal(0),
    )
    debits = sum(
        (line.gross.to_decimal() for line in parsed.lines if line.direction is Direction.DEBIT),
        Decimal(0),
    )
    assert (credits, debits) == (
        Decimal(statement["sum_credit_entries"]),
        Decimal(statement["sum_debit_entries"]),
    )
    assert parsed.account == statement["account"]
    # The two files documented as not internally consistent are reported, never silently accepted.
    assert bool(parsed.warnings) == (not statement["opening_plus_booked_net_equals_closing"])
    assert len({line.line_identity for line in parsed.lines}) == len(parsed.lines)


def test_the_fx_entry_uses_the_account_currency_amount_not_the_instructed_one():
    parsed = parse(
        "camt053",
        (SAMPLES / "camt053.001.04_ch_credit_suisse_fx.xml").read_bytes(),
        provider="bank",
        source_name="fx.xml",
    )
    assert str(parsed.lines[0].gross) == "579.21 CHF"


def test_reversals_keep_their_own_direction():
    name = "camt053.001.04_ch_postfinance_batch_reversal.xml"
    parsed = parse("camt053", (SAMPLES / name).read_bytes(), provider="bank", source_name=name)
    reversals = [line for line in parsed.lines if line.status == "reversal"]
    expected = [
        e for e in _expected()[name]["statements"][0]["entries"] if e["reversal"] in ("true", True)
    ]
    assert len(reversals) == len(expected) == 2
    assert [line.direction.value for line in reversals] == [
        ("credit" if e["cdi"] == "CRDT" else "debit") for e in expected
    ]


@pytest.mark.parametrize(
    ("mutate", "where", "what"),
    [
        (lambda x: x[: len(x) // 2], ":", "not well-formed"),
        (lambda x: x.replace(b">2.00<", b">2.0x<", 1), "/Ntry[1]/Amt", "amount"),
        (lambda x: x.replace(b'Ccy="EUR">2.00', b'Ccy="EUX">2.00', 1), "/Ntry[1]/Amt", "ISO 4217"),
        (lambda x: x.replace(b">2.00<", b">2.001<", 1), "/Ntry[1]/Amt", "decimal places"),
        (
            lambda x: x.replace(
                b"<CdtDbtInd>DBIT</CdtDbtInd>\n      <Sts>",
                b"<CdtDbtInd>XXXX</CdtDbtInd>\n      <Sts>",
                1,
            ),
            "/Ntry[1]/CdtDbtInd",
            "CRDT or DBIT",
        ),
    ],
)
def test_a_malformed_statement_is_rejected_with_its_location(mutate, where, what):
    data = mutate((SAMPLES / "camt053.001.02_de_vrbank_batch.xml").read_bytes())
    with pytest.raises(LedgerlineError) as raised:
        parse("camt053", data, provider="bank", source_name="bad.xml")
    assert raised.value.code == "statement_malformed"
    assert where in raised.value.param or where in (raised.value.param or "") + (
        raised.value.detail or ""
    )
    assert what.lower() in raised.value.message.lower()
