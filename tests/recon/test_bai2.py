"""BAI2 against real files: details, directions, continuations, and control totals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.settlement import Direction
from ledgerline.recon.parsers import parse

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "bai2"
pytestmark = pytest.mark.skipif(not SAMPLES.exists(), reason=f"samples not found at {SAMPLES}")
NAMES = (
    sorted(k for k in json.loads((SAMPLES / "expected.json").read_text()) if not k.startswith("_"))
    if SAMPLES.exists()
    else []
)
INCONSISTENT = "gs_ach_returns_wires_newline_continuations.bai2"


@pytest.mark.parametrize("name", NAMES)
def test_every_detail_is_read_with_its_direction_and_text(name):
    expected = json.loads((SAMPLES / "expected.json").read_text())[name]
    details = [t for g in expected["groups"] for a in g["accounts"] for t in a["transactions"]]
    parsed = parse("bai2", (SAMPLES / name).read_bytes(), provider="bank", source_name=name)
    assert len(parsed.lines) == len(details)
    for line, detail in zip(parsed.lines, details, strict=True):
        assert line.gross.amount_minor == abs(int(detail["amount_minor"]))
        assert line.direction is (
            Direction.CREDIT if int(detail["type_code"]) < 400 else Direction.DEBIT
        )
        assert line.description.startswith((detail["text"] or "").strip()[:20])
    # Control totals agree in the consistent files; the assembled one is reported, not trusted.
    assert bool(parsed.warnings) == (name == INCONSISTENT)


def test_a_continuation_with_nothing_before_it_is_rejected_with_its_line():
    with pytest.raises(LedgerlineError) as raised:
        parse("bai2", b"88,100,5/\n", provider="bank", source_name="b.bai2")
    assert raised.value.param == "b.bai2:1"


def test_an_out_of_range_type_code_is_rejected():
    data = (
        (SAMPLES / "cad_two_accounts_returned_cheques.bai2")
        .read_bytes()
        .replace(b"16,409,", b"16,909,", 1)
    )
    with pytest.raises(LedgerlineError) as raised:
        parse("bai2", data, provider="bank", source_name="c.bai2")
    assert raised.value.code == "statement_malformed" and "909" in raised.value.message
