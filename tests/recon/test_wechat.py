"""WeChat Pay bills: trade bills (ALL / SUCCESS / REFUND / 2014 layout) and the fund-flow bill,
against expected.json; summaries checked into warnings; malformed rows rejected by line."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import Money
from ledgerline.domain.settlement import Direction, LineType
from ledgerline.recon.parsers import parse

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "cn_bills"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"no samples at {SAMPLES}")
EXPECTED = json.loads((SAMPLES / "expected.json").read_text()) if SAMPLES.is_dir() else {}
TRADE_BILLS = sorted(n for n in EXPECTED if n.startswith("wechat") and "fundflow" not in n)
FUND_FLOW = "wechat_v3_fundflowbill_BASIC_gunsluo.txt"


def _read(name: str):
    return parse("wechat", (SAMPLES / name).read_bytes(), provider="wechat", source_name=name)


def _total(lines, line_type: LineType) -> Decimal:
    return sum((x.gross.to_decimal() for x in lines if x.line_type is line_type), Decimal(0))


@pytest.mark.parametrize("name", TRADE_BILLS)
def test_every_trade_bill_row_is_read_and_its_summary_checked(name):
    parsed = _read(name)
    expected = EXPECTED[name]
    assert len(parsed.lines) == expected["detail_rows"]
    by_status = {"SUCCESS": LineType.PAYMENT, "REFUND": LineType.REFUND}
    for status, count in expected["rows_by_交易状态"].items():
        assert sum(1 for x in parsed.lines if x.line_type is by_status[status]) == count
    gross_column = "sum_应结订单金额" if "sum_应结订单金额" in expected else "sum_总金额"
    if gross_column in expected:
        assert _total(parsed.lines, LineType.PAYMENT) == Decimal(expected[gross_column])
    if "sum_退款金额" in expected:
        assert _total(parsed.lines, LineType.REFUND) == Decimal(expected["sum_退款金额"])
    assert sum((x.fee.to_decimal() for x in parsed.lines), Decimal(0)) == Decimal(
        expected["sum_手续费"]
    )
    assert parsed.declared_count == int(expected["summary"]["总交易单数"])
    # Excerpts whose summary describes the full bill are reported, never silently accepted.
    assert bool(parsed.warnings) == (not expected["consistent"])


def test_a_payment_is_a_credit_whose_fee_is_netted():
    (line,) = _read("wechat_v2_ALL_wxjava_excerpt.txt").lines
    assert (line.line_type, line.direction) == (LineType.PAYMENT, Direction.CREDIT)
    assert (line.gross, line.fee, line.net) == (
        Money(600, "CNY"),
        Money(4, "CNY"),
        Money(596, "CNY"),
    )


def test_a_refund_is_a_debit_with_its_own_ids_linked_to_the_original_order():
    (line,) = _read("wechat_v2_REFUND_wxjava_excerpt.txt").lines
    assert (line.line_type, line.direction, line.gross) == (
        LineType.REFUND,
        Direction.DEBIT,
        Money(1, "CNY"),
    )
    assert (line.provider_reference, line.our_reference, line.batch_reference) == (
        "xxxx",
        "xxx",
        "xxx",
    )
    assert line.line_identity == "xxx/refund/xxxx"


def test_backticks_are_removed_once_and_ids_become_identities():
    parsed = _read("wechat_v3_tradebill_ALL_gunsluo.txt")
    assert parsed.warnings == []
    assert parsed.account == "1601959334"
    first = parsed.lines[0]
    assert first.line_identity == "1601959334/payment/4200000925202101284997714292"
    assert (first.provider_reference, first.our_reference) == (
        "4200000925202101284997714292",
        "S20210128170702357723",
    )
    assert first.location == "wechat_v3_tradebill_ALL_gunsluo.txt:2"


def test_the_2014_layout_reads_its_own_column_names_and_full_width_colons():
    parsed = _read("wechat_v2_ALL_legacy2014_format_wxjava.txt")
    assert [str(x.value_date) for x in parsed.lines] == ["2014-11-10", "2014-11-10"]
    assert parsed.declared_totals["总交易额"] == Money(2, "CNY")
    assert parsed.warnings == []


def test_the_summary_mismatch_names_what_differs():
    warnings = _read("wechat_v2_SUCCESS_wxjava_excerpt.txt").warnings
    assert (
        "wechat_v2_SUCCESS_wxjava_excerpt.txt:3: 总交易单数 declared 31, the lines add up to 1"
        in warnings
    )


def test_the_fund_flow_bill_follows_its_balances_and_checks_its_summary():
    parsed = _read(FUND_FLOW)
    expected = EXPECTED[FUND_FLOW]
    assert len(parsed.lines) == expected["detail_rows"]
    assert all(
        x.direction is Direction.DEBIT and x.line_type is LineType.REFUND for x in parsed.lines
    )
    assert sum((x.gross.to_decimal() for x in parsed.lines), Decimal(0)) == Decimal(
        expected["sum_收支金额(元)"]
    )
    assert (parsed.opening, parsed.closing) == (Money(23, "CNY"), Money(21, "CNY"))
    # The excerpt's summary counts an income row that is not in it.
    assert bool(parsed.warnings) == (not expected["consistent"])
    assert any("收入笔数 declared 1, the lines add up to 0" in w for w in parsed.warnings)


HEADER = "交易时间,微信订单号,商户订单号,交易状态,货币种类,应结订单金额,手续费,商品名称\n"
ROW = "`2021-01-28 17:07:11,`4200001,`S1,`SUCCESS,`CNY,`0.01,`0.00000,`item\n"
SUMMARY = "总交易单数,应结订单总金额,退款总金额,手续费总金额\n`1,`0.01,`0.00,`0.00000\n"


def _malformed(body: str) -> LedgerlineError:
    with pytest.raises(LedgerlineError) as caught:
        parse("wechat", (HEADER + body + SUMMARY).encode(), provider="wechat", source_name="b.txt")
    assert caught.value.code == "statement_malformed"
    return caught.value


def test_a_minimal_bill_reads_and_agrees_with_its_summary():
    parsed = parse(
        "wechat", (HEADER + ROW + SUMMARY).encode(), provider="wechat", source_name="b.txt"
    )
    assert [x.gross for x in parsed.lines] == [Money(1, "CNY")]
    assert parsed.warnings == []


def test_a_row_with_a_missing_field_is_rejected_with_its_line():
    error = _malformed(ROW + ROW.replace(",`item", ""))
    assert (error.param, error.detail) == ("b.txt:3", "7 fields, expected 8")


def test_a_too_precise_amount_is_rejected_never_rounded():
    error = _malformed(ROW.replace("`0.01,", "`0.015,"))
    assert (error.param, error.reason) == ("b.txt:2", "amount_too_precise")
    assert error.detail.startswith("应结订单金额: ")


def test_a_bad_amount_is_rejected_with_its_column():
    error = _malformed(ROW.replace("`0.01,", "`1,0,"))
    assert error.param == "b.txt:2"  # the comma makes one field too many


def test_an_unknown_status_is_rejected():
    error = _malformed(ROW.replace("SUCCESS", "REVOKED"))
    assert (error.param, error.detail) == ("b.txt:2", "交易状态: unknown status 'REVOKED'")


def test_a_bill_that_is_not_utf8_is_rejected():
    with pytest.raises(LedgerlineError) as caught:
        parse("wechat", HEADER.encode("gb18030"), provider="wechat", source_name="b.txt")
    assert caught.value.param == "b.txt:1"
