"""What every parser returns: normalized lines plus the statement's own totals and warnings."""

from __future__ import annotations

from dataclasses import dataclass, field

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import Money
from ledgerline.domain.settlement import SettlementLine

LINES_MAX = 20_000_000  # a settlement file larger than this is not one day of one account


@dataclass
class ParsedStatement:
    format: str
    lines: list[SettlementLine]
    account: str | None = None
    opening: Money | None = None
    closing: Money | None = None
    warnings: list[str] = field(default_factory=list)


def malformed(where: str, what: str) -> LedgerlineError:
    """A file that cannot be trusted as a whole: nothing of it is applied."""
    return LedgerlineError("statement_malformed", param=where, detail=what)
