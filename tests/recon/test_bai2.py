"""BAI2: every sample against expected.json — continuations, funds types, control totals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import Money
from ledgerline.domain.settlement import Direction
from ledgerline.recon.parsers import parse

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "bai2"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"no samples at {SAMPLES}")
EXPECTED = json.loads((SAMPLES / "expected.json").read_text()) if SAMPLES.is_dir() else {}
NAMES = sorted(name for name in EXPECTED if name != "_meta")
INCONSISTENT = "gs_ach_returns_wires_newline_continuations.bai2"


def _read(name: str):
    return parse("bai2", (SAMPLES / name).read_bytes(), provider="bank", source_name=name)


def _details(name: str) -> list[tuple[dict, dict]]:
    return [
        (account, detail)
        for group in EXPECTED[name]["groups"]
        for account in group["accounts"]
        for detail in account["transactions"]
    ]


@pytest.mark.parametrize("name", NAMES)
def test_every_detail_is_read_with_its_amount_direction_references_and_text(name):
    parsed = _read(name)
    expected = _details(name)
    assert len(parsed.lines) == len(expected)
    for line, (account, detail) in zip(parsed.lines, expected, strict=True):
        currency = account["currency"] or "USD"  # the specification's default
        assert line.gross == Money(int(detail["amount_minor"]), currency)
        credit = int(detail["type_code"]) < 400
        assert line.direction is (Direction.CREDIT if credit else Direction.DEBIT)
        assert line.status.startswith(f"bai2:{detail['type_code']}")
        assert line.provider_reference == detail["bank_ref"]
        assert line.our_reference == detail["customer_ref"]
        text = " ".join([detail["text"] or "", *detail.get("continuation_text", [])]).rstrip("/")
        assert line.description == " ".join(text.split())[:200]


@pytest.mark.parametrize("name", NAMES)
def test_control_totals_and_counts_are_checked_and_only_mismatches_reported(name):
    parsed = _read(name)
    accounts = [a for g in EXPECTED[name]["groups"] for a in g["accounts"]]
    assert [s.account for s in parsed.sections] == [a["account"] for a in accounts]
    for section, account in zip(parsed.sections, accounts, strict=True):
        assert section.declared_totals["control_total"].amount_minor == int(
            account["trailer_total"]
        )
        assert section.declared_count == int(account["trailer_nrec"])
        reported = [w for w in parsed.warnings if f": account {section.account}:" in w]
        assert bool(reported) == (not (account["total_ok"] and account["nrec_ok"]))
    assert bool(parsed.warnings) == (name == INCONSISTENT)


def test_the_mismatched_trailer_is_reported_with_both_numbers():
    warnings = _read(INCONSISTENT).warnings
    assert (
        f"{INCONSISTENT}:22: account 107049932: control total declared -1260161341762, "
        "the lines add up to 7999960"
    ) in warnings
    assert (
        f"{INCONSISTENT}:22: account 107049932: record count declared 26, the lines add up to 18"
        in warnings
    )


def test_a_summary_split_between_a_record_and_its_continuation_is_not_glued():
    # "…,190/" then "88,500000,…": type code 190 with amount 500000, not 190500000.
    parsed = _read("bai2_spec_example_multi_group.bai2")
    assert parsed.warnings == []
    assert parsed.declared_count == 31


def test_continuation_text_joins_the_detail_and_value_dates_come_from_funds_type_v():
    parsed = _read("bai2_spec_example_multi_group.bai2")
    letter = next(line for line in parsed.lines if line.provider_reference == "SP4738")
    assert letter.description == "PROCEEDS OF LETTER OF CREDIT FROM THE ARAMCO OIL CO"
    assert str(letter.value_date) == "2004-06-22"
    assert letter.line_identity == "4589761203/SP4738"


def test_the_same_account_in_two_blocks_of_one_day_counts_positions_through_the_file():
    identities = [
        line.line_identity for line in _read("cad_two_accounts_returned_cheques.bai2").lines
    ]
    assert identities[10:12] == ["10200123456/2006-03-17/11", "10200123456/2006-03-17/12"]
    assert len(set(identities)) == len(identities)


GOOD = b"""01,0004,12345,060321,0829,001,80,1,2/
02,12345,0004,1,060317,,CAD,/
03,10200123456,CAD,040,+000000000000,,/
16,409,000000000002500,V,060316,,,,RETURNED CHEQUE/
49,+2500,3/
98,+2500,1,5/
99,+2500,1,7/
"""


def _malformed(data: bytes) -> LedgerlineError:
    with pytest.raises(LedgerlineError) as caught:
        parse("bai2", data, provider="bank", source_name="s.bai2")
    assert caught.value.code == "statement_malformed"
    return caught.value


def test_the_minimal_file_reads_and_checks_out():
    parsed = parse("bai2", GOOD, provider="bank", source_name="s.bai2")
    assert [line.gross for line in parsed.lines] == [Money(2500, "CAD")]
    assert parsed.warnings == []


def test_a_file_cut_before_its_trailer_is_rejected():
    assert _malformed(GOOD.rsplit(b"99,", 1)[0]).param == "s.bai2:6"


def test_a_bad_amount_is_rejected_with_its_line():
    error = _malformed(GOOD.replace(b"000000000002500", b"00000000000X500"))
    assert (error.param, error.reason) == ("s.bai2:4", "amount_invalid")


def test_an_unknown_currency_is_rejected_with_its_line():
    error = _malformed(GOOD.replace(b"CAD,040", b"XYZ,040"))
    assert (error.param, error.reason) == ("s.bai2:3", "currency_unsupported")


def test_a_detail_without_an_amount_is_rejected():
    assert _malformed(GOOD.replace(b"409,000000000002500,V", b"409,,V")).param == "s.bai2:4"


def test_a_continuation_with_nothing_before_it_is_rejected():
    assert _malformed(b"88,TEXT/\n" + GOOD).param == "s.bai2:1"


def test_an_out_of_range_type_code_is_rejected():
    assert _malformed(GOOD.replace(b"16,409", b"16,709")).param == "s.bai2:4"


def test_a_wrong_total_is_reported_not_rejected():
    parsed = parse(
        "bai2", GOOD.replace(b"49,+2500", b"49,+2600"), provider="bank", source_name="s.bai2"
    )
    assert parsed.warnings[0] == (
        "s.bai2:5: account 10200123456: control total declared 2600, the lines add up to 2500"
    )
