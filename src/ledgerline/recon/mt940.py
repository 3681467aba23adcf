"""SWIFT MT940 customer statements, through the maintained `mt-940` package.

The package parses the tags well, but signs amounts by the mark 'D' alone: a reversal of credit
('RC') would come out as money in. Direction here follows SWIFT field 61: C and RD are credits,
D and RC debits; amounts are kept unsigned. Line identity: the statement's reference (:20:),
its number (:28C:) and the entry's position, which a re-sent statement repeats exactly.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import mt940 as mt940_package

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import Money
from ledgerline.domain.settlement import Direction, LineType, SettlementLine
from ledgerline.recon.statement import ParsedStatement, malformed

CREDIT_MARKS = {"C", "RD"}
DEBIT_MARKS = {"D", "RC"}


def parse(data: bytes, *, provider: str, source_name: str) -> ParsedStatement:
    # MT940 is ASCII in SWIFT; banks that export files use Latin-1 for names in :86:.
    text = data.decode("latin-1")
    transactions = mt940_package.models.Transactions()
    try:
        transactions.parse(text)
    except Exception as exc:
        raise malformed(f"{source_name}", f"not a readable MT940 statement: {exc}") from None
    if not transactions.transactions and ":61:" in text:
        raise malformed(source_name, "entries (:61:) present but none could be read")
    parsed = ParsedStatement(format="mt940", lines=[])
    seen: dict[str, int] = {}
    for position, transaction in enumerate(transactions, start=1):
        parsed.lines.append(_line(transaction.data, provider, source_name, position, seen))
    parsed.account = transactions.data.get("account_identification")
    return parsed


def _line(
    data: dict[str, Any], provider: str, source_name: str, position: int, seen: dict[str, int]
) -> SettlementLine:
    where = f"{source_name}:entry {position}"
    mark = data.get("status")
    if mark not in CREDIT_MARKS | DEBIT_MARKS:
        raise malformed(where, f"unknown debit/credit mark {mark!r}")
    amount = data.get("amount")
    if amount is None:
        raise malformed(where, "no amount")
    try:
        gross = Money.from_decimal(
            abs(Decimal(str(amount.amount))), amount.currency, param=where, withdrawn=True
        )
    except LedgerlineError as exc:
        raise malformed(where, exc.message) from None
    statement = f"{data.get('transaction_reference') or ''}/{data.get('statement_number') or ''}"
    seen[statement] = seen.get(statement, 0) + 1
    day = data.get("date")
    direction = Direction.CREDIT if mark in CREDIT_MARKS else Direction.DEBIT
    zero = Money(amount_minor=0, currency=gross.currency)
    customer_reference = data.get("customer_reference")
    return SettlementLine(
        provider=provider,
        line_type=LineType.ADJUSTMENT
        if mark in ("RC", "RD")
        else (LineType.PAYMENT if direction is Direction.CREDIT else LineType.PAYOUT),
        direction=direction,
        gross=gross,
        fee=zero,
        net=gross,
        value_date=dt.date(day.year, day.month, day.day) if day else None,
        status="reversal" if mark in ("RC", "RD") else "booked",
        line_identity=f"{statement}/{seen[statement]}",
        location=where,
        provider_reference=data.get("bank_reference") or None,
        our_reference=customer_reference if customer_reference not in (None, "NONREF") else None,
        description=str(data.get("transaction_details") or "")[:200],
    )
