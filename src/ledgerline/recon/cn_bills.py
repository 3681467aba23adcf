"""WeChat Pay trade bills and Alipay business-detail bills.

WeChat (ALL / SUCCESS / REFUND, current and 2014 layouts): a plain header, detail rows whose
every field carries one leading backtick, then a summary header (first column 总交易单数) and a
summary row. Columns are mapped by name; the summary is checked against the rows and a
difference is a warning (vendor excerpts are often inconsistent). Amounts are yuan.

Alipay (业务明细): `#` preamble and footer lines, a 25-column header, fields padded with a
trailing TAB; 业务类型 交易 is a payment, 退款 a refund with negative amounts; 商家实收 is the
amount to match. The vendor documents GBK; real files arrive as UTF-8 too, so UTF-8 (with or
without BOM) is tried first, then GB18030.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import Money
from ledgerline.domain.settlement import Direction, LineType, SettlementLine
from ledgerline.recon.statement import ParsedStatement, malformed

SUMMARY_MARK = "总交易单数"


def _decode(data: bytes, source_name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise malformed(f"{source_name}:1", "neither UTF-8 nor GB18030 text")


def _yuan(value: str, where: str) -> Money:
    try:
        return Money.from_decimal(Decimal(value or "0"), "CNY", param=where)
    except InvalidOperation:
        raise malformed(where, f"not an amount: {value!r}") from None
    except LedgerlineError as exc:
        raise malformed(where, exc.message) from None


def _day(value: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip()[:10])  # times may use full-width colons
    except ValueError:
        raise malformed(where, f"not a date: {value!r}") from None


def _money_abs(money: Money) -> Money:
    return Money(amount_minor=abs(money.amount_minor), currency=money.currency)


def parse_wechat(data: bytes, *, provider: str, source_name: str) -> ParsedStatement:
    lines_text = [line for line in _decode(data, source_name).splitlines() if line.strip()]
    if not lines_text:
        raise malformed(f"{source_name}:1", "empty bill")
    header = lines_text[0].split(",")
    if "交易状态" not in header or "微信订单号" not in header:
        raise malformed(f"{source_name}:1", "not a WeChat Pay trade bill header")
    parsed = ParsedStatement(format="wechat", lines=[])
    summary_at = next(
        (i for i, line in enumerate(lines_text) if line.startswith(SUMMARY_MARK)), len(lines_text)
    )
    for number, text in enumerate(lines_text[1:summary_at], start=2):
        fields = [f[1:] if f.startswith("`") else f for f in text.split(",")]
        if len(fields) != len(header):
            raise malformed(
                f"{source_name}:{number}", f"{len(fields)} fields, expected {len(header)}"
            )
        parsed.lines.append(
            _wechat_line(
                dict(zip(header, fields, strict=True)), provider, f"{source_name}:{number}"
            )
        )
    if summary_at + 1 < len(lines_text):
        names = lines_text[summary_at].split(",")
        values = [v.lstrip("`") for v in lines_text[summary_at + 1].split(",")]
        _check_wechat_summary(dict(zip(names, values, strict=False)), parsed, source_name)
    return parsed


def _wechat_line(row: dict[str, str], provider: str, where: str) -> SettlementLine:
    status = row["交易状态"]
    gross_column = "应结订单金额" if "应结订单金额" in row else "总金额"
    fee = _yuan(row.get("手续费", "0"), f"{where}:手续费")
    day = _day(row["交易时间"], f"{where}:交易时间")
    merchant = row.get("商户号", "")
    if status == "REFUND":
        gross = _yuan(row["退款金额"], f"{where}:退款金额")
        refund_id = row.get("微信退款单号") or row.get("商户退款单号") or ""
        return SettlementLine(
            provider=provider,
            line_type=LineType.REFUND,
            direction=Direction.DEBIT,
            gross=gross,
            fee=_money_abs(fee),
            net=_money_abs(gross - _money_abs(fee)),
            value_date=day,
            status="refund",
            location=where,
            line_identity=f"{merchant}:refund:{refund_id}",
            provider_reference=refund_id or None,
            our_reference=row.get("商户退款单号") or None,
            batch_reference=row.get("微信订单号") or None,
        )
    if status != "SUCCESS":
        raise malformed(f"{where}:交易状态", f"unknown status {status!r}")
    gross = _yuan(row[gross_column], f"{where}:{gross_column}")
    return SettlementLine(
        provider=provider,
        line_type=LineType.PAYMENT,
        direction=Direction.CREDIT,
        gross=gross,
        fee=fee,
        net=gross - fee,
        value_date=day,
        status="success",
        location=where,
        line_identity=f"{merchant}:payment:{row['微信订单号']}",
        provider_reference=row["微信订单号"] or None,
        our_reference=row.get("商户订单号") or None,
        description=row.get("商品名称", "")[:200],
    )


def _check_wechat_summary(
    summary: dict[str, str], parsed: ParsedStatement, source_name: str
) -> None:
    payments = [line for line in parsed.lines if line.line_type is LineType.PAYMENT]
    refunds = [line for line in parsed.lines if line.line_type is LineType.REFUND]
    checks = {
        SUMMARY_MARK: (Decimal(summary.get(SUMMARY_MARK) or 0), Decimal(len(parsed.lines))),
        "gross": (
            Decimal(summary.get("应结订单总金额") or summary.get("总交易额") or 0),
            sum((line.gross.to_decimal() for line in payments), Decimal(0)),
        ),
        "refunds": (
            Decimal(summary.get("退款总金额") or summary.get("总退款金额") or 0),
            sum((line.gross.to_decimal() for line in refunds), Decimal(0)),
        ),
    }
    for name, (declared, counted) in checks.items():
        if declared != counted:
            parsed.warnings.append(
                f"{source_name}: summary {name} says {declared}, the rows add up to {counted}"
            )


ALIPAY_START, ALIPAY_END = "业务明细列表", "业务明细列表结束"
FOOTER = re.compile(r"#(交易|退款)合计：(\d+)笔，商家实收(?:退款)?共(-?[\d.]+)元")


def parse_alipay(data: bytes, *, provider: str, source_name: str) -> ParsedStatement:
    text_lines = _decode(data, source_name).splitlines()
    start = next(
        (
            i
            for i, line in enumerate(text_lines)
            if line.startswith("#") and ALIPAY_START in line and ALIPAY_END not in line
        ),
        None,
    )
    if start is None:
        raise malformed(
            f"{source_name}:1", f"no '{ALIPAY_START}' marker: not an Alipay business-detail bill"
        )
    header = [h.strip() for h in text_lines[start + 1].split(",")]
    parsed = ParsedStatement(format="alipay", lines=[])
    declared: dict[str, tuple[int, Decimal]] = {}
    for number, text in enumerate(text_lines[start + 2 :], start=start + 3):
        if text.startswith("#"):
            footer = FOOTER.match(text)
            if footer:
                declared[footer.group(1)] = (int(footer.group(2)), Decimal(footer.group(3)))
            continue
        if not text.strip():
            continue
        fields = [f.strip() for f in text.split(",")]
        if len(fields) != len(header):
            raise malformed(
                f"{source_name}:{number}", f"{len(fields)} fields, expected {len(header)}"
            )
        parsed.lines.append(
            _alipay_line(
                dict(zip(header, fields, strict=True)), provider, f"{source_name}:{number}"
            )
        )
    for kind, line_type in (("交易", LineType.PAYMENT), ("退款", LineType.REFUND)):
        rows = [line for line in parsed.lines if line.line_type is line_type]
        total = sum((line.net.to_decimal() for line in rows), Decimal(0)) * (
            1 if kind == "交易" else -1
        )
        if kind in declared and declared[kind] != (len(rows), total):
            parsed.warnings.append(
                f"{source_name}: footer {kind}合计 says {declared[kind]}, rows give {(len(rows), total)}"
            )
    return parsed


def _alipay_line(row: dict[str, str], provider: str, where: str) -> SettlementLine:
    kind = row.get("业务类型", "")
    if kind not in ("交易", "退款"):
        raise malformed(f"{where}:业务类型", f"unknown business type {kind!r}")
    received = _yuan(row.get("商家实收（元）", ""), f"{where}:商家实收（元）")
    fee = _money_abs(_yuan(row.get("服务费（元）", "0"), f"{where}:服务费（元）"))
    refund = kind == "退款"
    reference = row.get("退款批次号/请求号") if refund else row.get("支付宝交易号")
    return SettlementLine(
        provider=provider,
        line_type=LineType.REFUND if refund else LineType.PAYMENT,
        direction=Direction.DEBIT if refund else Direction.CREDIT,
        gross=_money_abs(received) + fee if not refund else _money_abs(received),
        fee=fee,
        net=_money_abs(received),
        value_date=_day(row.get("完成时间", ""), where),
        status=kind,
        location=where,
        line_identity=f"alipay:{'refund' if refund else 'payment'}:{reference}",
        provider_reference=row.get("支付宝交易号") or None,
        our_reference=row.get("商户订单号") or None,
        description=row.get("商品名称", "")[:200],
    )
