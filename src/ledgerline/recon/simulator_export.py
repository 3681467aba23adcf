"""The provider simulator's settlement export (see ledgerline/simulator/settlement.py for the
columns). Amounts are integer minor units; `line_id` is the provider's own line identity."""

from __future__ import annotations

import csv
import datetime as dt
import io

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import Money
from ledgerline.domain.settlement import Direction, LineType, SettlementLine
from ledgerline.recon.statement import ParsedStatement, malformed

COLUMNS = [
    "line_id",
    "type",
    "provider_reference",
    "our_reference",
    "idempotency_key",
    "gross_minor",
    "fee_minor",
    "net_minor",
    "currency",
    "value_date",
    "status",
]
DIRECTIONS = {"payment": Direction.CREDIT, "refund": Direction.DEBIT, "payout": Direction.DEBIT}


def parse(data: bytes, *, provider: str, source_name: str) -> ParsedStatement:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise malformed(f"{source_name}:1", f"not UTF-8 ({exc.reason})") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header != COLUMNS:
        raise malformed(f"{source_name}:1", f"expected columns {','.join(COLUMNS)}")
    lines = []
    for number, row in enumerate(reader, start=2):
        where = f"{source_name}:{number}"
        if not row:
            continue  # blank lines (a trailing newline) carry nothing
        if len(row) != len(COLUMNS):
            raise malformed(where, f"{len(row)} fields, expected {len(COLUMNS)}")
        lines.append(_line(dict(zip(COLUMNS, row, strict=True)), provider=provider, where=where))
    return ParsedStatement(format="simulator", lines=lines)


def _line(row: dict[str, str], *, provider: str, where: str) -> SettlementLine:
    if row["type"] not in DIRECTIONS:
        raise malformed(f"{where}:type", f"unknown type {row['type']!r}")
    try:
        amounts = [int(row[k]) for k in ("gross_minor", "fee_minor", "net_minor")]
        day = dt.date.fromisoformat(row["value_date"])
        gross, fee, net = (Money(amount_minor=a, currency=row["currency"].upper()) for a in amounts)
    except (ValueError, AssertionError):
        raise malformed(
            where,
            "amounts must be integers of minor units, the date YYYY-MM-DD, the currency ISO 4217",
        ) from None
    except LedgerlineError as exc:
        raise malformed(where, exc.message) from None
    if gross.amount_minor < 0 or gross.amount_minor - fee.amount_minor != net.amount_minor:
        raise malformed(where, f"gross {gross} − fee {fee} ≠ net {net}")
    return SettlementLine(
        provider=provider,
        line_type=LineType(row["type"]),
        direction=DIRECTIONS[row["type"]],
        gross=gross,
        fee=fee,
        net=net,
        value_date=day,
        status=row["status"],
        line_identity=f"{provider}:{row['line_id']}",
        location=where,
        provider_reference=row["provider_reference"] or None,
        our_reference=row["idempotency_key"] or row["our_reference"] or None,
    )
