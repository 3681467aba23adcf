"""Alipay business-detail bills: the public sample (UTF-8 and as GBK), footer totals, and
malformed rows rejected by line."""

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
NAME = "alipay_trade_business_detail_2019-09-16.csv"
EXPECTED = json.loads((SAMPLES / "expected.json").read_text())[NAME] if SAMPLES.is_dir() else {}
TEXT = (SAMPLES / NAME).read_text(encoding="utf-8") if SAMPLES.is_dir() else ""


def _parse(data: bytes, name: str = NAME):
    return parse("alipay", data, provider="alipay", source_name=name)


def test_the_sample_reads_every_row_and_agrees_with_its_footer():
    parsed = _parse(TEXT.encode("utf-8"))
    assert len(parsed.lines) == EXPECTED["detail_rows"]
    payments = [x for x in parsed.lines if x.line_type is LineType.PAYMENT]
    refunds = [x for x in parsed.lines if x.line_type is LineType.REFUND]
    assert (len(payments), len(refunds)) == (
        EXPECTED["rows_by_业务类型"]["交易"],
        EXPECTED["rows_by_业务类型"]["退款"],
    )
    assert sum((x.gross.to_decimal() for x in payments), Decimal(0)) == Decimal(
        EXPECTED["sum_商家实收_交易"]
    )
    assert -sum((x.gross.to_decimal() for x in refunds), Decimal(0)) == Decimal(
        EXPECTED["sum_商家实收_退款"]
    )
    assert parsed.warnings == []
    assert parsed.account == "20880211096256330156"
    assert parsed.declared_totals == {"交易合计": Money(6, "CNY"), "退款合计": Money(-4, "CNY")}


def test_a_gbk_download_reads_the_same_as_its_utf8_copy():
    assert _parse(TEXT.encode("gbk")).lines == _parse(TEXT.encode("utf-8")).lines


def test_a_refund_is_a_debit_linked_to_its_trade_and_named_by_its_request():
    refund = _parse(TEXT.encode()).lines[1]
    assert (refund.direction, refund.gross) == (Direction.DEBIT, Money(1, "CNY"))
    assert refund.provider_reference == "2019091622001458860515315453"  # the trailing TAB is gone
    assert refund.our_reference == "re_test_1568602607356"
    assert refund.batch_reference == "service_1568601259302"
    assert (
        refund.line_identity == "alipay/2019091622001458860515315453/refund/re_test_1568602607356"
    )


def test_a_footer_that_disagrees_is_reported():
    parsed = _parse(TEXT.replace("#交易合计：6笔", "#交易合计：7笔").encode())
    assert parsed.warnings == [f"{NAME}: #交易合计: count declared 7, the lines add up to 6"]


def _malformed(text: str) -> LedgerlineError:
    with pytest.raises(LedgerlineError) as caught:
        _parse(text.encode(), "a.csv")
    assert caught.value.code == "statement_malformed"
    return caught.value


def test_a_row_with_a_missing_field_is_rejected_with_its_line():
    error = _malformed(TEXT.replace(",下单测试\n", "\n", 1))
    assert error.param == "a.csv:6"


def test_a_too_precise_amount_is_rejected_never_rounded():
    error = _malformed(TEXT.replace("0.01,0.01,", "0.01,0.015,", 1))
    assert (error.param, error.reason) == ("a.csv:6", "amount_too_precise")
    assert error.detail.startswith("商家实收（元）: ")


def test_a_bill_cut_before_its_end_marker_is_rejected():
    cut = TEXT.split("#-----------------------------------------业务明细列表结束")[0]
    assert _malformed(cut).param.startswith("a.csv:")


def test_a_file_that_is_not_an_alipay_bill_is_rejected():
    assert _malformed("a,b,c\n1,2,3\n").param == "a.csv:1"
