"""The normalized settlement line every statement parser produces.

A parser reads a provider's or bank's file and yields these; matching only ever sees this shape.
Amounts are exact `Money`; the sign is carried by `direction`, never by a negative amount.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from ledgerline.domain.money import Money


class LineType(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"
    PAYOUT = "payout"
    FEE = "fee"
    ADJUSTMENT = "adjustment"


class Direction(StrEnum):
    CREDIT = "credit"  # money in to the statement's account holder
    DEBIT = "debit"  # money out


@dataclass(frozen=True, slots=True)
class SettlementLine:
    """One line of a settlement file or bank statement, normalized.

    `line_identity` identifies the line within its source independently of the file it arrived
    in (e.g. the bank's entry reference, or `file-date/sequence`), so that a line delivered in
    two files is recognised as the same line. `location` says where it was read (`file:12`,
    `/Document/BkToCstmrStmt/Stmt[1]/Ntry[3]`) for error messages and reports.
    """

    provider: str
    line_type: LineType
    direction: Direction
    gross: Money
    fee: Money
    net: Money
    value_date: dt.date | None
    status: str
    line_identity: str
    location: str
    provider_reference: str | None = None
    our_reference: str | None = None
    batch_reference: str | None = None
    description: str = ""

    def __post_init__(self) -> None:
        assert self.gross.currency == self.fee.currency == self.net.currency, self.location
        assert self.gross.amount_minor >= 0 and self.net.amount_minor >= 0, self.location
