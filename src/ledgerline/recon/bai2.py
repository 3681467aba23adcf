"""BAI2 cash management balance reports.

Records: 01 file header, 02 group header (as-of date, default currency), 03 account (currency
and summaries), 16 transaction detail, 49 account trailer, 98 group trailer, 99 file trailer;
88 continues the record before it. Amounts are integers in the currency's minor unit. Detail
type codes 100–399 are credits, 400–699 debits. The 16 record's availability fields depend on
its funds type (V: value date and time; S: three amounts; D: a count then that many pairs), and
its text runs to the end of the record, commas included. Account trailer control totals are
checked; a mismatch is a warning, as the file is still the bank's word line by line.

No maintained BAI2 package on PyPI handled these samples' continuations and funds types
soundly, so the format lives here; it is small and fully specified.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import Money
from ledgerline.domain.settlement import Direction, LineType, SettlementLine
from ledgerline.recon.statement import ParsedStatement, malformed

DEFAULT_CURRENCY = "USD"  # the BAI2 specification's default when a group names none


@dataclass
class _Record:
    code: str
    fields: list[str]
    line: int
    continued: list[list[str]] = field(default_factory=list)


def _records(text: str, source_name: str) -> list[_Record]:
    records: list[_Record] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        raw = raw.strip()
        if not raw:
            continue
        body = raw[:-1] if raw.endswith("/") else raw
        code, _, rest = body.partition(",")
        if code == "88":
            if not records:
                raise malformed(
                    f"{source_name}:{number}", "a continuation (88) with nothing to continue"
                )
            records[-1].continued.append(rest.split(","))
        elif code in ("01", "02", "03", "16", "49", "98", "99"):
            records.append(_Record(code=code, fields=rest.split(","), line=number))
        else:
            raise malformed(f"{source_name}:{number}", f"unknown record type {code!r}")
    return records


def _day(value: str, where: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%y%m%d").date()
    except ValueError:
        raise malformed(where, f"not a YYMMDD date: {value!r}") from None


def _amount_minor(value: str, where: str) -> int:
    digits = value.lstrip("+")
    if not digits.lstrip("-").isdigit():
        raise malformed(where, f"not an amount in minor units: {value!r}")
    return int(digits)


def _skip_availability(funds: str, rest: list[str]) -> list[str]:
    """The fields after a funds type that belong to it, skipped."""
    if funds == "V":
        return rest[2:]
    if funds == "S":
        return rest[3:]
    if funds == "D":
        count = int(rest[0]) if rest and rest[0].isdigit() else 0
        return rest[1 + 2 * count :]
    return rest


def _summary_total(fields: list[str], where: str) -> int:
    """Sum of the amounts in an 03 record's summaries: (type, amount, item count, funds type,
    availability…) repeated; the count and funds type may be empty."""
    total, rest = 0, list(fields)
    while len(rest) >= 2:
        code, amount, rest = rest[0], rest[1], rest[2:]
        count_and_funds, rest = rest[:2], rest[2:]
        funds = count_and_funds[1] if len(count_and_funds) > 1 else ""
        rest = _skip_availability(funds, rest)
        if code and amount:
            total += _amount_minor(amount, where)
    return total


def parse(data: bytes, *, provider: str, source_name: str) -> ParsedStatement:
    text = data.decode("latin-1")
    records = _records(text, source_name)
    if not records or records[0].code != "01":
        raise malformed(f"{source_name}:1", "a BAI2 file starts with a 01 file header")
    parsed = ParsedStatement(format="bai2", lines=[])
    group_currency, as_of, account, currency, position, control = (
        DEFAULT_CURRENCY,
        None,
        "",
        DEFAULT_CURRENCY,
        0,
        0,
    )
    for record in records:
        where = f"{source_name}:{record.line}"
        if record.code == "02":
            group_currency = (
                record.fields[5] if len(record.fields) > 5 else ""
            ) or DEFAULT_CURRENCY
            as_of = _day(record.fields[3] if len(record.fields) > 3 else "", where)
        elif record.code == "03":
            account, position = record.fields[0], 0
            currency = (record.fields[1] if len(record.fields) > 1 else "") or group_currency
            parsed.account = parsed.account or account
            summary = record.fields[2:] + [f for extra in record.continued for f in extra]
            control = _summary_total(summary, where)
        elif record.code == "16":
            position += 1
            line = _detail(record, provider, account, currency, as_of, position, where)
            control += line.gross.amount_minor
            parsed.lines.append(line)
        elif record.code == "49":
            declared = _amount_minor(record.fields[0], where)
            if declared != control:
                parsed.warnings.append(
                    f"{where}: account {account} control total {declared} ≠ sum of records {control}"
                )
    return parsed


def _detail(
    record: _Record,
    provider: str,
    account: str,
    currency: str,
    as_of: dt.date | None,
    position: int,
    where: str,
) -> SettlementLine:
    fields = list(record.fields)
    if len(fields) < 3:
        raise malformed(where, "a 16 record needs a type code, an amount and a funds type")
    type_code, amount, funds = fields[0], fields[1], fields[2]
    rest = fields[3:]
    value_day = _day(rest[0], where) if funds == "V" and rest else None
    rest = _skip_availability(funds, rest)
    bank_ref = rest[0] if rest else ""
    customer_ref = rest[1] if len(rest) > 1 else ""
    text = ",".join(rest[2:]).strip()
    text = " ".join([text, *(",".join(extra) for extra in record.continued)]).strip()
    if not type_code.isdigit():
        raise malformed(where, f"type code {type_code!r} is not a number")
    code = int(type_code)
    if not 100 <= code <= 699:
        raise malformed(
            where, f"type code {code} is neither a credit (100–399) nor a debit (400–699)"
        )
    try:
        gross = Money(amount_minor=abs(_amount_minor(amount, where)), currency=currency.upper())
    except AssertionError:
        raise malformed(where, f"currency {currency!r} is not ISO 4217") from None
    except LedgerlineError as exc:
        raise malformed(where, exc.message) from None
    direction = Direction.CREDIT if code < 400 else Direction.DEBIT
    zero = Money(amount_minor=0, currency=gross.currency)
    return SettlementLine(
        provider=provider,
        line_type=LineType.PAYMENT if direction is Direction.CREDIT else LineType.PAYOUT,
        direction=direction,
        gross=gross,
        fee=zero,
        net=gross,
        value_date=value_day or as_of,
        status=f"bai2:{code}",
        line_identity=f"{account}:{bank_ref}" if bank_ref else f"{account}:{as_of}:{position}",
        location=where,
        provider_reference=bank_ref or None,
        our_reference=customer_ref or None,
        description=text[:200],
    )
