"""WeChat Pay and Alipay bills against the real samples and their hand-checked totals."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.settlement import Direction, LineType
from ledgerline.recon.parsers import parse

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "cn_bills"
pytestmark = pytest.mark.skipif(not SAMPLES.exists(), reason=f"samples not found at {SAMPLES}")
EXPECTED = json.loads((SAMPLES / "expected.json").read_text()) if SAMPLES.exists() else {}
WECHAT = sorted(n for n in EXPECTED if n.startswith("wechat") and "fundflow" not in n)


def _sum(lines, line_type, attr="gross"):
    return sum(
        (getattr(line, attr).to_decimal() for line in lines if line.line_type is line_type),
        Decimal(0),
    )


@pytest.mark.parametrize("name", WECHAT)
def test_wechat_bills_read_every_row_and_check_their_summary(name):
    expected = EXPECTED[name]
    parsed = parse("wechat", (SAMPLES / name).read_bytes(), provider="wechat", source_name=name)
    assert len(parsed.lines) == expected["detail_rows"]
    gross = expected.get("sum_应结订单金额", expected.get("sum_总金额"))
    assert _sum(parsed.lines, LineType.PAYMENT) == Decimal(gross)
    assert _sum(parsed.lines, LineType.REFUND) == Decimal(expected.get("sum_退款金额", "0"))
    assert bool(parsed.warnings) == (not expected["consistent"]), parsed.warnings
    for line in parsed.lines:
        assert line.direction is (
            Direction.CREDIT if line.line_type is LineType.PAYMENT else Direction.DEBIT
        )
        assert line.provider_reference and "`" not in line.provider_reference


def test_the_wechat_fee_is_netted_from_the_payment():
    [line] = parse(
        "wechat",
        (SAMPLES / "wechat_v2_ALL_wxjava_excerpt.txt").read_bytes(),
        provider="wechat",
        source_name="x",
    ).lines
    assert (str(line.gross), str(line.fee), str(line.net)) == ("6.00 CNY", "0.04 CNY", "5.96 CNY")


def test_the_alipay_bill_matches_its_footer_and_the_hand_totals():
    name = "alipay_trade_business_detail_2019-09-16.csv"
    expected = EXPECTED[name]
    parsed = parse("alipay", (SAMPLES / name).read_bytes(), provider="alipay", source_name=name)
    assert len(parsed.lines) == expected["detail_rows"] and parsed.warnings == []
    assert _sum(parsed.lines, LineType.PAYMENT, "net") == Decimal(expected["sum_商家实收_交易"])
    assert -_sum(parsed.lines, LineType.REFUND, "net") == Decimal(expected["sum_商家实收_退款"])
    assert all("\t" not in (line.our_reference or "") for line in parsed.lines)


def test_the_alipay_bill_in_gb18030_reads_the_same():
    data = (SAMPLES / "alipay_trade_business_detail_2019-09-16.csv").read_bytes()
    utf8 = parse("alipay", data, provider="alipay", source_name="a").lines
    gbk = parse(
        "alipay", data.decode("utf-8").encode("gb18030"), provider="alipay", source_name="a"
    ).lines
    assert [(line.line_identity, line.net) for line in utf8] == [
        (line.line_identity, line.net) for line in gbk
    ]


def test_a_wechat_row_with_a_missing_field_is_rejected_with_its_line():
    data = (
        (SAMPLES / "wechat_v3_tradebill_ALL_gunsluo.txt")
        .read_bytes()
        .replace(b",`0.00,`\n", b",`0.00\n", 1)
    )
    with pytest.raises(LedgerlineError) as raised:
        parse("wechat", data, provider="wechat", source_name="w.txt")
    assert raised.value.param == "w.txt:2" and "fields" in raised.value.message
