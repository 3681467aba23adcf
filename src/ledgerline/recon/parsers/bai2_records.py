"""BAI2 physical records joined into logical ones, and the field layouts inside them.

A record is `code,field,field,…/`. The `/` ends the fields (a trailing space after it is seen
in real files); a `16` record's text may also run to the end of the line without one. A record
`88` continues the record before it: its fields are appended to that record's fields, never
glued onto the last one (a summary may end with a type code whose amount is on the next `88`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ledgerline.recon.parsers.base import malformed

RECORD_CODES = frozenset({"01", "02", "03", "16", "49", "98", "99"})
# Availability fields that follow a funds type: V value date and time; S immediate, one-day and
# two-or-more-day amounts; D a count, then that many (days, amount) pairs; others none.
FUNDS_TYPES = frozenset({"", "Z", "0", "1", "2", "V", "S", "D"})


@dataclass
class Record:
    code: str
    line: int  # physical line number of the record itself, for error locations
    pieces: list[list[str]] = field(default_factory=list)  # fields per physical record
    physical_count: int = 1

    @property
    def fields(self) -> list[str]:
        return [f for piece in self.pieces for f in piece]


def _fields(body: str) -> list[str]:
    body = body.rstrip()
    if body.endswith("/"):
        body = body[:-1]
    return body.split(",")


def records(text: str, source_name: str) -> list[Record]:
    """Logical records in file order. Raises `statement_malformed` at `file:line`."""
    result: list[Record] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        code, _, rest = raw.strip().partition(",")
        if code == "88":
            if not result:
                raise malformed(f"{source_name}:{number}", "a continuation (88) continues nothing")
            result[-1].pieces.append(_fields(rest))
            result[-1].physical_count += 1
        elif code in RECORD_CODES:
            result.append(Record(code=code, line=number, pieces=[_fields(rest)]))
        else:
            raise malformed(f"{source_name}:{number}", f"unknown record type {code!r}")
    return result


def skip_availability(funds: str, rest: list[str], where: str) -> list[str]:
    """The fields after a funds type's availability fields."""
    if funds not in FUNDS_TYPES:
        raise malformed(where, f"unknown funds type {funds!r}")
    if funds == "V":
        return rest[2:]
    if funds == "S":
        return rest[3:]
    if funds == "D":
        count = rest[0] if rest else ""
        if not count.isdigit():
            raise malformed(
                where, f"funds type D needs a count of availability pairs, not {count!r}"
            )
        return rest[1 + 2 * int(count) :]
    return rest


def summary_amounts(fields: list[str], where: str) -> list[tuple[str, str]]:
    """(type code, amount) of each summary in an `03` record's fields after the currency:
    type, amount, item count, funds type, availability… repeated; any of them may be empty."""
    found, rest = [], list(fields)
    while rest and any(rest):
        code, amount = rest[0], rest[1] if len(rest) > 1 else ""
        funds = rest[3] if len(rest) > 3 else ""
        rest = skip_availability(funds, rest[4:], where)
        if code or amount:
            found.append((code, amount))
    return found


@dataclass
class Detail:
    """The fields of one `16` record, availability skipped."""

    type_code: str
    amount: str
    funds: str
    value_date: str
    bank_reference: str
    customer_reference: str
    text: str


def detail(record: Record, where: str) -> Detail:
    first = record.pieces[0]
    if len(first) < 3:
        raise malformed(where, "a 16 record needs a type code, an amount and a funds type")
    type_code, amount, funds = first[0], first[1], first[2]
    # Availability and references may spill onto 88s; the text is whatever remains, per line.
    tagged = [(p, f) for p, piece in enumerate(record.pieces) for f in piece]
    rest = [f for _, f in tagged[3:]]
    value_date = rest[0] if funds == "V" and rest else ""
    remaining = skip_availability(funds, rest, where)
    consumed = len(tagged) - len(remaining)
    bank_ref = remaining[0] if remaining else ""
    customer_ref = remaining[1] if len(remaining) > 1 else ""
    text_fields = tagged[consumed + 2 :]
    pieces: dict[int, list[str]] = {}
    for piece, value in text_fields:
        pieces.setdefault(piece, []).append(value)
    text = " ".join(",".join(values).strip() for values in pieces.values()).strip()
    return Detail(
        type_code=type_code.strip(),
        amount=amount.strip(),
        funds=funds.strip(),
        value_date=value_date.strip(),
        bank_reference=bank_ref.strip(),
        customer_reference=customer_ref.strip(),
        text=" ".join(text.split()),
    )
