"""SWIFT MT940 customer statements, through the maintained `mt-940` package (`import mt940`).

The package tokenises tags, balances and `:61:` well; three of its habits are worked around:

* It signs amounts by the mark `D` alone, so a reversal of credit (`RC`) would come out as money
  in. Direction here follows SWIFT field 61: `C` and `RD` credit, `D` and `RC` debit; amounts
  stay unsigned.
* It flattens a file of several statements into one list and keeps only the last statement's
  balances. The file is split at each `:20:` and every statement parsed on its own, so each one
  keeps its account, number and balances, and the balance check runs per statement.
* Its German `:86:` processor overwrites the `:61:` customer reference with the (often absent)
  `KREF+` sub-field. That processor is switched off; `:86:` is kept as the description, and
  an `EREF` in it (`/EREF/…/` or `EREF+…`) becomes our reference.

Line identity: `account/bank reference` (the `//` part of `:61:`) when the bank gives one, else
`account/statement number/opening date/position`; a re-sent statement repeats all of these.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import mt940 as mt940_package

from ledgerline.domain.money import Money
from ledgerline.domain.settlement import Direction, LineType, SettlementLine
from ledgerline.recon.parsers.base import (
    ParsedStatement,
    Section,
    check_balance,
    malformed,
    money_at,
)

CREDIT_MARKS = frozenset({"C", "RD"})
DEBIT_MARKS = frozenset({"D", "RC"})
_NO_REFERENCE = frozenset({"", "NONREF", "NOTPROVIDED", "EREF", "KREF+"})
_EREF = re.compile(r"(?:/EREF/|EREF\+)([^/?\n]+)")
# SWIFT block delimiters (SOH, ETX) that some banks leave around each message.
_CONTROL = str.maketrans("", "", "\x01\x03")


def parse(
    data: bytes, *, provider: str, source_name: str, profile: Path | str | None = None
) -> ParsedStatement:
    """Read every statement in the file. Raises `statement_malformed` with `file:line`."""
    # SWIFT is ASCII; banks exporting files put Latin-1 names into :86:, never multi-byte text.
    rows = data.decode("latin-1").translate(_CONTROL).splitlines()
    starts = [i for i, row in enumerate(rows) if row.startswith(":20:")]
    if not starts:
        raise malformed(f"{source_name}:1", "no :20: tag: not an MT940 statement")
    parsed = ParsedStatement(format="mt940", lines=[])
    for start, end in zip(starts, [*starts[1:], len(rows)], strict=True):
        _statement(rows, start, end, provider, source_name, parsed)
    _check_continuity(parsed.sections, parsed.warnings)
    return parsed.finish()


def _statement(
    rows: list[str], start: int, end: int, provider: str, source_name: str, parsed: ParsedStatement
) -> None:
    where = f"{source_name}:{start + 1}"
    package = mt940_package.models.Transactions(processors={"post_transaction_details": []})
    try:
        package.parse("\n".join(rows[start:end]))
    except Exception as exc:  # the package raises bare Exceptions and RuntimeErrors alike
        raise malformed(where, f"not a readable MT940 statement: {exc}") from None
    facts = package.data
    account = facts.get("account_identification")
    if not account:
        raise malformed(where, "no :25: account identification")
    section = Section(location=where, account=account)
    section.opening = _balance(
        facts, ("final_opening_balance", "intermediate_opening_balance"), where
    )
    section.closing = _balance(
        facts, ("final_closing_balance", "intermediate_closing_balance"), where
    )
    section.currency = section.opening.currency if section.opening else None
    entry_rows = [i for i in range(start, end) if rows[i].startswith(":61:")]
    if len(entry_rows) != len(package.transactions):
        raise malformed(
            where, f"{len(entry_rows)} :61: entries but {len(package.transactions)} read"
        )
    number = "/".join(
        str(facts.get(k)) for k in ("statement_number", "sequence_number") if facts.get(k)
    )
    opened = facts.get("final_opening_balance") or facts.get("intermediate_opening_balance")
    fallback = f"{account}/{number}/{opened.date if opened else ''}"
    first = len(parsed.lines)
    for position, (row, transaction) in enumerate(zip(entry_rows, package, strict=True), start=1):
        parsed.lines.append(
            _line(
                transaction.data,
                rows[row],
                provider,
                f"{source_name}:{row + 1}",
                account,
                f"{fallback}/{position}",
            )
        )
    section.line_count = len(parsed.lines) - first
    check_balance(section, parsed.lines[first:], parsed.warnings)
    parsed.sections.append(section)


def _balance(facts: dict[str, Any], names: tuple[str, ...], where: str) -> Money | None:
    for name in names:
        balance = facts.get(name)
        if balance is not None:
            amount = balance.amount
            # The package signs a balance by its D mark already.
            return money_at(Decimal(str(amount.amount)), amount.currency, where, withdrawn=True)
    return None


def _line(
    data: dict[str, Any], raw: str, provider: str, where: str, account: str, fallback: str
) -> SettlementLine:
    mark = data.get("status")
    if mark not in CREDIT_MARKS | DEBIT_MARKS:
        raise malformed(where, f"unknown debit/credit mark {mark!r}")
    amount = data.get("amount")
    if amount is None:
        raise malformed(where, "no amount")
    gross = money_at(abs(Decimal(str(amount.amount))), amount.currency, where, withdrawn=True)
    direction = Direction.CREDIT if mark in CREDIT_MARKS else Direction.DEBIT
    reversal = mark in ("RC", "RD")
    bank_reference = (data.get("bank_reference") or "").strip() or None
    details = " ".join(str(data.get("transaction_details") or "").split())
    customer = (data.get("customer_reference") or "").strip()
    eref = _EREF.search(str(data.get("transaction_details") or ""))
    our = customer if customer not in _NO_REFERENCE else (eref.group(1).strip() if eref else None)
    day = data.get("date")
    return SettlementLine(
        provider=provider,
        line_type=_line_type(str(data.get("id") or ""), direction, reversal),
        direction=direction,
        gross=gross,
        fee=Money(amount_minor=0, currency=gross.currency),
        net=gross,
        value_date=dt.date(day.year, day.month, day.day) if day else None,
        status="reversal" if reversal else "booked",
        line_identity=f"{account}/{bank_reference}" if bank_reference else fallback,
        location=where,
        provider_reference=bank_reference,
        our_reference=our or None,
        description=(details or str(data.get("extra_details") or "") or raw[4:])[:200],
    )


def _line_type(swift_type: str, direction: Direction, reversal: bool) -> LineType:
    if reversal:
        return LineType.ADJUSTMENT
    if swift_type.endswith("CHG"):  # NCHG / FCHG: charges and other expenses
        return LineType.FEE
    return LineType.PAYMENT if direction is Direction.CREDIT else LineType.PAYOUT


def _check_continuity(sections: list[Section], warnings: list[str]) -> None:
    """A statement of an account opens with the balance its previous statement closed with."""
    last: dict[str, Section] = {}
    for section in sections:
        before = last.get(section.account or "")
        if before and before.closing and section.opening and before.closing != section.opening:
            warnings.append(
                f"{section.location}: opens at {section.opening}, but the previous statement of "
                f"{section.account} ({before.location}) closed at {before.closing}"
            )
        last[section.account or ""] = section
