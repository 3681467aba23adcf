"""Alipay business-detail bills (`业务明细`, bill_type `trade`).

Layout: `#` preamble lines (account `#账号：[…]`, period), a `#---业务明细列表---` marker, a
25-column header, data rows, a `#---业务明细列表结束---` marker, then footer totals
(`#交易合计：N笔，商家实收共X元…`, `#退款合计：…`) and the export time. Punctuation in the `#`
lines is full-width. Id fields are padded with a trailing TAB (a spreadsheet guard), so every
field is stripped. Columns are mapped by name.

业务类型 交易 is a payment (credit), 退款 a refund (debit) that repeats the original trade's
支付宝交易号 and 商户订单号 with negative amounts and names its own request in 退款批次号/请求号.
The amount to match is 商家实收（元） (what the merchant actually received or gave back); the
fee is 服务费（元）; net = gross − fee. The footer totals are checked against the rows; a
difference is a warning.

Encoding: Alipay documents GBK (the Windows "ANSI" code page); copies re-saved as UTF-8 exist,
so strict UTF-8 (with or without BOM) is tried first and GB18030, the superset of GBK, second.
GBK bytes practically never form valid UTF-8, so the order cannot misread a real download.

Line identity: `alipay/支付宝交易号` for a payment, `alipay/支付宝交易号/refund/请求号` for a refund.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from ledgerline.domain.settlement import Direction, LineType, SettlementLine
from ledgerline.recon.parsers.base import (
    ParsedStatement,
    check_declared,
    malformed,
    unsigned,
)
from ledgerline.recon.parsers.wechat import day, yuan

START, END = "业务明细列表", "业务明细列表结束"
GROSS, FEE = "商家实收（元）", "服务费（元）"
REQUIRED = ("支付宝交易号", "商户订单号", "业务类型", "完成时间", GROSS)
FOOTER = re.compile(r"#(交易|退款)合计：(\d+)笔，商家实收(?:退款)?共(-?[\d.]+)元")
ACCOUNT = re.compile(r"#账号：\[(.+?)\]")
KINDS = {"交易": LineType.PAYMENT, "退款": LineType.REFUND}


def decode(data: bytes, source_name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise malformed(f"{source_name}:1", "neither UTF-8 nor GBK/GB18030 text")


def parse(
    data: bytes, *, provider: str, source_name: str, profile: Path | str | None = None
) -> ParsedStatement:
    """Read a whole business-detail bill. Raises `statement_malformed` at `file:line:column`."""
    rows = decode(data, source_name).splitlines()
    start = next(
        (i for i, r in enumerate(rows) if r.startswith("#") and START in r and END not in r), None
    )
    if start is None or start + 1 >= len(rows):
        raise malformed(
            f"{source_name}:1", f"no '{START}' marker: not an Alipay business-detail bill"
        )
    header = [h.strip() for h in rows[start + 1].split(",")]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise malformed(f"{source_name}:{start + 2}", f"missing columns: {', '.join(missing)}")
    parsed = ParsedStatement(format="alipay", lines=[], currency="CNY")
    declared: dict[str, tuple[int, Decimal]] = {}
    ended = False
    for number, text in enumerate(rows, start=1):
        if number <= start + 2:
            account = ACCOUNT.match(text)
            parsed.account = account.group(1) if account else parsed.account
            continue
        if text.startswith("#"):
            ended = ended or END in text
            footer = FOOTER.match(text)
            if footer:
                declared[footer.group(1)] = (int(footer.group(2)), Decimal(footer.group(3)))
            continue
        if not text.strip():
            continue
        fields = [f.strip() for f in text.split(",")]
        where = f"{source_name}:{number}"
        if ended:
            raise malformed(where, "a data row after the end marker")
        if len(fields) != len(header):
            raise malformed(where, f"{len(fields)} fields, expected {len(header)}")
        parsed.lines.append(_line(dict(zip(header, fields, strict=True)), provider, where))
    if not ended:
        raise malformed(f"{source_name}:{len(rows)}", f"no '{END}' marker: the bill is cut short")
    _check_footer(declared, parsed, source_name)
    return parsed.finish()


def _line(row: dict[str, str], provider: str, where: str) -> SettlementLine:
    kind = row["业务类型"]
    if kind not in KINDS:
        raise malformed(f"{where}:业务类型", f"neither 交易 nor 退款: {kind!r}")
    refund = kind == "退款"
    received = yuan(row[GROSS], f"{where}:{GROSS}")
    if (received.amount_minor < 0) != refund and received.amount_minor:
        raise malformed(f"{where}:{GROSS}", f"{received} has the wrong sign for {kind}")
    gross, fee = unsigned(received), unsigned(yuan(row.get(FEE, ""), f"{where}:{FEE}"))
    if fee.amount_minor > gross.amount_minor:
        raise malformed(f"{where}:{FEE}", f"fee {fee} is larger than {gross}")
    trade = row["支付宝交易号"]
    if not trade:
        raise malformed(f"{where}:支付宝交易号", "missing")
    request = row.get("退款批次号/请求号", "")
    return SettlementLine(
        provider=provider,
        line_type=KINDS[kind],
        direction=Direction.DEBIT if refund else Direction.CREDIT,
        gross=gross,
        fee=fee,
        net=gross - fee,
        value_date=day(row["完成时间"], f"{where}:完成时间"),
        status="refund" if refund else "success",
        line_identity=f"alipay/{trade}/refund/{request}" if refund else f"alipay/{trade}",
        location=where,
        provider_reference=trade,
        # A refund is ours by its request number; a payment by our order number.
        our_reference=(request if refund else row["商户订单号"]) or None,
        batch_reference=(row["商户订单号"] or None) if refund else None,
        description=row.get("商品名称", "")[:200],
    )


def _check_footer(
    declared: dict[str, tuple[int, Decimal]], parsed: ParsedStatement, source_name: str
) -> None:
    if not declared:
        parsed.warnings.append(f"{source_name}: no footer totals (#交易合计 / #退款合计)")
    for kind, line_type in KINDS.items():
        rows = [line for line in parsed.lines if line.line_type is line_type]
        received = sum((line.gross.to_decimal() for line in rows), Decimal(0))
        if kind not in declared:
            continue
        count, total = declared[kind]
        sign = -1 if line_type is LineType.REFUND else 1
        parsed.declared_totals[f"{kind}合计"] = yuan(str(total), f"{source_name}: #{kind}合计")
        check_declared(f"{source_name}: #{kind}合计", "count", count, len(rows), parsed.warnings)
        check_declared(
            f"{source_name}: #{kind}合计", "商家实收", total, sign * received, parsed.warnings
        )
