"""MT940 against real statements: counts, and sums by SWIFT direction (RC/RD included)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.settlement import Direction
from ledgerline.recon.parsers import parse

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "mt940"
pytestmark = pytest.mark.skipif(not SAMPLES.exists(), reason=f"samples not found at {SAMPLES}")
NAMES = (
    sorted(k for k in json.loads((SAMPLES / "expected.json").read_text()) if not k.startswith("_"))
    if SAMPLES.exists()
    else []
)


@pytest.mark.parametrize("name", NAMES)
def test_every_sample_matches_its_expected_entries_and_sums(name):
    expected = json.loads((SAMPLES / "expected.json").read_text())[name]
    entries = [e for s in expected["statements"] for e in s["entries"]]
    parsed = parse("mt940", (SAMPLES / name).read_bytes(), provider="bank", source_name=name)
    assert len(parsed.lines) == expected["entry_count"] == len(entries)
    for direction, marks in ((Direction.CREDIT, ("C", "RD")), (Direction.DEBIT, ("D", "RC"))):
        got = sum(
            (line.gross.to_decimal() for line in parsed.lines if line.direction is direction),
            Decimal(0),
        )
        assert got == sum((Decimal(e["amount"]) for e in entries if e["mark"] in marks), Decimal(0))
    assert len({line.line_identity for line in parsed.lines}) == len(parsed.lines)


def test_a_reversal_of_credit_is_money_out_although_the_library_signs_it_positive():
    parsed = parse(
        "mt940", (SAMPLES / "de_sepa_mt9401.sta").read_bytes(), provider="bank", source_name="x"
    )
    reversals = [line for line in parsed.lines if line.status == "reversal"]
    assert reversals and all(line.direction is Direction.DEBIT for line in reversals)


def test_an_unknown_currency_is_rejected_with_the_entry():
    data = (SAMPLES / "mbank_pln.sta").read_bytes().replace(b"PLN", b"XQQ")
    with pytest.raises(LedgerlineError) as raised:
        parse("mt940", data, provider="bank", source_name="m.sta")
    assert raised.value.code == "statement_malformed" and raised.value.param.startswith("m.sta")
