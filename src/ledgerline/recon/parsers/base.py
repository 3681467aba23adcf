"""What every statement parser returns, and the one error a parser raises.

A parser reads a whole file or raises `StatementMalformed`: nothing partial is ever returned,
because half a statement applied is worse than none (DESIGN.md, rule 8). Facts the file states
about itself (balances, summary and trailer totals) are kept, and where they disagree with the
lines the difference is a warning: the lines are still the provider's word, and a person decides.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import AMOUNT_MINOR_MAX, Money, normalize_currency
from ledgerline.domain.settlement import Direction, SettlementLine

_COLUMN = re.compile(r"^(.+:\d+):(.+)$")
# A settlement file larger than this is not one day of one account; refuse before memory runs out.
LINES_MAX = 20_000_000


class StatementMalformed(LedgerlineError):
    """The file cannot be trusted as a whole. `param` is where (`file.sta:12` or an XML path),
    `detail` what was wrong, and `reason` the underlying catalog code when there is one
    (`amount_too_precise`, `amount_invalid`, `currency_unsupported`).

    Parsers of delimited text may say `file.csv:12:column`; the column then moves into the
    detail, so every location of a text file has the one form `file:line`."""

    def __init__(self, where: str, what: str, *, reason: str | None = None) -> None:
        found = _COLUMN.match(where)
        if found:
            where, what = found.group(1), f"{found.group(2)}: {what}"
        super().__init__("statement_malformed", param=where, detail=what)
        self.reason = reason


def malformed(where: str, what: str) -> StatementMalformed:
    return StatementMalformed(where, what)


def money_at(value: str | Decimal, currency: str, where: str, *, withdrawn: bool = False) -> Money:
    """Exact major-unit amount read at `where`; may be zero or negative. Any failure
    (not a number, too precise, unknown currency) is `statement_malformed` at that place."""
    try:
        return Money.from_decimal(value, currency, param=where, withdrawn=withdrawn)
    except LedgerlineError as exc:
        raise StatementMalformed(where, exc.message, reason=exc.code) from None


def minor_at(value: str, currency: str, where: str, *, withdrawn: bool = False) -> Money:
    """Integer minor units read at `where` (`-1250` USD is -12.50); an optional sign is allowed."""
    text = value.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits.isdigit():
        raise StatementMalformed(
            where, f"not an integer of minor units: {value!r}", reason="amount_invalid"
        )
    try:
        code = normalize_currency(currency, param=where, withdrawn=withdrawn)
    except LedgerlineError as exc:
        raise StatementMalformed(where, exc.message, reason=exc.code) from None
    amount_minor = int(text)
    if abs(amount_minor) > AMOUNT_MINOR_MAX:
        raise StatementMalformed(where, f"{value} is out of range", reason="amount_too_large")
    return Money(amount_minor=amount_minor, currency=code)


def unsigned(money: Money) -> Money:
    return Money(amount_minor=abs(money.amount_minor), currency=money.currency)


def signed(line: SettlementLine) -> Money:
    """The line's effect on the statement's balance: credits add, debits subtract."""
    if line.direction is Direction.CREDIT:
        return line.net
    return Money(amount_minor=-line.net.amount_minor, currency=line.net.currency)


@dataclass
class Section:
    """One account's statement inside a file (a camt `Stmt`, an MT940 `:20:`…`62:` block, a
    BAI2 `03`…`49` account): its own balances and what it declares about its entries."""

    location: str
    account: str | None = None
    currency: str | None = None
    opening: Money | None = None
    closing: Money | None = None
    line_count: int = 0
    declared_count: int | None = None
    declared_totals: dict[str, Money] = field(default_factory=dict)


@dataclass
class ParsedStatement:
    """A whole file, read. The top-level `account`, `currency`, `opening` and `closing` are set
    when the file holds one section (or all its sections agree); `sections` has each one."""

    format: str
    lines: list[SettlementLine]
    sections: list[Section] = field(default_factory=list)
    account: str | None = None
    currency: str | None = None
    opening: Money | None = None
    closing: Money | None = None
    declared_count: int | None = None
    declared_totals: dict[str, Money] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def finish(self) -> ParsedStatement:
        """Fill the file-level facts from the sections and make identities unique."""
        if len(self.lines) > LINES_MAX:
            raise malformed(self.format, f"more than {LINES_MAX} lines")
        accounts = {s.account for s in self.sections}
        currencies = {s.currency for s in self.sections}
        if len(accounts) == 1:
            self.account = self.account or accounts.pop()
        if len(currencies) == 1:
            self.currency = self.currency or currencies.pop()
        if len(self.sections) == 1:
            self.opening = self.opening or self.sections[0].opening
            self.closing = self.closing or self.sections[0].closing
            if self.declared_count is None:
                self.declared_count = self.sections[0].declared_count
            self.declared_totals = self.declared_totals or dict(self.sections[0].declared_totals)
        self.lines = disambiguate(self.lines, self.warnings)
        return self


def check_balance(section: Section, lines: Iterable[SettlementLine], warnings: list[str]) -> None:
    """Warn when opening + the section's lines ≠ closing (in the balance currency)."""
    if section.opening is None or section.closing is None:
        return
    net = Money(amount_minor=0, currency=section.opening.currency)
    for line in lines:
        if line.net.currency == net.currency:
            net = net + signed(line)
    difference = section.closing - section.opening - net
    if difference.amount_minor:
        warnings.append(
            f"{section.location}: closing balance differs from opening + entries by {difference}"
        )


def check_declared(
    where: str, what: str, declared: object, counted: object, warnings: list[str]
) -> None:
    """Warn when a total the file declares about itself differs from what its lines add up to."""
    if declared is not None and declared != counted:
        warnings.append(f"{where}: {what} declared {declared}, the lines add up to {counted}")


def disambiguate(lines: list[SettlementLine], warnings: list[str]) -> list[SettlementLine]:
    """Identities must be unique within a file: the importer drops a line whose identity it has
    seen, so two distinct lines sharing one would lose money. A repeat gets `#2`, `#3`… in file
    order, and a warning, because the format gave nothing better to tell them apart."""
    counts = Counter(line.line_identity for line in lines)
    if all(n == 1 for n in counts.values()):
        return lines
    seen: Counter[str] = Counter()
    result = []
    for line in lines:
        identity = line.line_identity
        seen[identity] += 1
        if counts[identity] > 1 and seen[identity] > 1:
            identity = f"{identity}#{seen[identity]}"
        result.append(_with_identity(line, identity))
    repeated = sorted(i for i, n in counts.items() if n > 1)
    warnings.append(
        f"{len(repeated)} line identities repeat in this file: {', '.join(repeated[:5])}"
    )
    return result


def _with_identity(line: SettlementLine, identity: str) -> SettlementLine:
    return line if identity == line.line_identity else replace(line, line_identity=identity)
