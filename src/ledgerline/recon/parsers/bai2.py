"""BAI2 cash management balance reports.

Records: 01 file header, 02 group header (as-of date, currency), 03 account (currency and
summaries), 16 transaction detail, 49 account trailer, 98 group trailer, 99 file trailer; 88
continues the record before it (see `bai2_records`). Amounts are integers with the currency's
decimals implied, i.e. minor units (JPY none, USD two); a group or account without a currency is
USD, the specification's default. Detail type codes 100–399 are credits, 400–699 debits.

Control totals are checked the way the specification defines them: a 49 carries the algebraic
sum of its account's summary and detail amounts and its record count (03, 88, 16 and 49); a 98
the sum of its 49 totals, its accounts and records; a 99 the sum of the 98 totals, its groups
and all records. A mismatch is a warning, not a rejection: each line is still the bank's word,
and a person decides. A file without its 99 trailer is truncated and rejected.

The `bai2` package on PyPI (0.15.0) was tried on the samples and not used: it reads a summary
whose type code ends one line and whose amount starts the next `88` as one glued number
(`190500000`), and a control-total mismatch is a fatal error rather than a report.

Line identity: `account/bank reference` when the 16 has one; else `account/as-of date/n`, n
counting that account's details on that date through the whole file (the same account may
appear in several 03 blocks of one group).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import Money, normalize_currency
from ledgerline.domain.settlement import Direction, LineType, SettlementLine
from ledgerline.recon.parsers import bai2_records
from ledgerline.recon.parsers.base import (
    ParsedStatement,
    Section,
    StatementMalformed,
    check_declared,
    malformed,
    minor_at,
)

DEFAULT_CURRENCY = "USD"
GROUP_STATUS = {"1": "update", "2": "deletion", "3": "correction", "4": "test"}


@dataclass
class _Totals:
    """What a trailer should declare, counted while reading."""

    amount_minor: int = 0
    records: int = 0
    children: int = 0


@dataclass
class _State:
    source_name: str
    provider: str
    parsed: ParsedStatement
    group_currency: str = DEFAULT_CURRENCY
    group_status: str = "1"
    as_of: dt.date | None = None
    section: Section | None = None
    account: _Totals = field(default_factory=_Totals)
    group: _Totals = field(default_factory=_Totals)
    file: _Totals = field(default_factory=_Totals)
    positions: Counter[str] = field(default_factory=Counter)


def parse(
    data: bytes, *, provider: str, source_name: str, profile: Path | str | None = None
) -> ParsedStatement:
    """Read the whole file. Raises `statement_malformed` at `file:line`."""
    # BAI2 is ASCII; Latin-1 reads any byte, so stray accents in text fields do not reject a file.
    records = bai2_records.records(data.decode("latin-1"), source_name)
    if not records or records[0].code != "01":
        raise malformed(f"{source_name}:1", "a BAI2 file starts with a 01 file header")
    state = _State(
        source_name=source_name, provider=provider, parsed=ParsedStatement(format="bai2", lines=[])
    )
    for record in records:
        where = f"{source_name}:{record.line}"
        for totals in (state.account, state.group, state.file):
            totals.records += record.physical_count
        _HANDLERS[record.code](state, record, where)
        if record.code == "99":
            return state.parsed.finish()
    raise malformed(
        f"{source_name}:{records[-1].line}", "no 99 file trailer: the file is truncated"
    )


def _header(state: _State, record: bai2_records.Record, where: str) -> None:
    fields = record.fields
    version = fields[7].strip() if len(fields) > 7 else ""
    if version != "2":
        raise malformed(where, f"version {version!r}: only BAI version 2 is read")


def _group(state: _State, record: bai2_records.Record, where: str) -> None:
    fields = record.fields + [""] * 7
    state.group_status = fields[2]
    state.as_of = _day(fields[3], where)
    state.group_currency = _currency(fields[5] or DEFAULT_CURRENCY, where)
    state.group = _Totals(records=record.physical_count)
    state.file.children += 1


def _account(state: _State, record: bai2_records.Record, where: str) -> None:
    fields = [*record.fields, ""]
    if not fields[0].strip():
        raise malformed(where, "an 03 record needs an account number")
    currency = _currency(fields[1].strip() or state.group_currency, where)
    state.section = Section(location=where, account=fields[0].strip(), currency=currency)
    state.account = _Totals(records=record.physical_count)
    state.group.children += 1
    for _code, amount in bai2_records.summary_amounts(fields[2:-1], where):
        if amount.strip():
            state.account.amount_minor += minor_at(amount, currency, where).amount_minor


def _detail(state: _State, record: bai2_records.Record, where: str) -> None:
    section = state.section
    if section is None or section.currency is None:
        raise malformed(where, "a 16 record outside an account (03)")
    detail = bai2_records.detail(record, where)
    if not detail.type_code.isdigit() or not 100 <= int(detail.type_code) <= 699:
        raise malformed(
            where,
            f"type code {detail.type_code!r} is neither a credit (100–399) nor a debit (400–699)",
        )
    if not detail.amount or detail.amount.startswith("-"):
        raise malformed(where, f"a detail amount is unsigned minor units, not {detail.amount!r}")
    gross = minor_at(detail.amount, section.currency, where)
    state.account.amount_minor += gross.amount_minor
    code = int(detail.type_code)
    direction = Direction.CREDIT if code < 400 else Direction.DEBIT
    key = f"{section.account}/{state.as_of}"
    state.positions[key] += 1
    section.line_count += 1
    state.parsed.lines.append(
        SettlementLine(
            provider=state.provider,
            line_type=LineType.PAYMENT if direction is Direction.CREDIT else LineType.PAYOUT,
            direction=direction,
            gross=gross,
            fee=Money(amount_minor=0, currency=gross.currency),
            net=gross,
            value_date=_day(detail.value_date, where) or state.as_of,
            status=f"bai2:{code}"
            + (
                ""
                if state.group_status == "1"
                else f":{GROUP_STATUS.get(state.group_status, 'unknown')}"
            ),
            line_identity=f"{section.account}/{detail.bank_reference}"
            if detail.bank_reference
            else f"{key}/{state.positions[key]}",
            location=where,
            provider_reference=detail.bank_reference or None,
            our_reference=detail.customer_reference or None,
            description=detail.text[:200],
        )
    )


def _account_trailer(state: _State, record: bai2_records.Record, where: str) -> None:
    section = state.section
    if section is None or section.currency is None:
        raise malformed(where, "a 49 trailer without an account (03)")
    fields = [*record.fields, "", ""]
    declared = minor_at(fields[0], section.currency, where)
    section.declared_totals["control_total"] = declared
    section.declared_count = _count(fields[1], where)
    warnings = state.parsed.warnings
    label = f"{where}: account {section.account}"
    check_declared(
        label, "control total", declared.amount_minor, state.account.amount_minor, warnings
    )
    check_declared(label, "record count", section.declared_count, state.account.records, warnings)
    state.group.amount_minor += declared.amount_minor
    state.parsed.sections.append(section)
    state.section = None


def _group_trailer(state: _State, record: bai2_records.Record, where: str) -> None:
    _trailer(state, record, where, "group", state.group)
    state.file.amount_minor += int(record.fields[0]) if _signed(record.fields[0]) else 0


def _file_trailer(state: _State, record: bai2_records.Record, where: str) -> None:
    _trailer(state, record, where, "file", state.file)
    state.parsed.declared_count = _count(([*record.fields, "", "", ""])[2], where)


def _trailer(
    state: _State, record: bai2_records.Record, where: str, what: str, counted: _Totals
) -> None:
    fields = [*record.fields, "", "", ""]
    if not _signed(fields[0]):
        raise malformed(where, f"the {what} control total is not a number: {fields[0]!r}")
    warnings = state.parsed.warnings
    check_declared(
        f"{where}: {what}", "control total", int(fields[0]), counted.amount_minor, warnings
    )
    check_declared(
        f"{where}: {what}", "count", _count(fields[1], where), counted.children, warnings
    )
    check_declared(
        f"{where}: {what}", "record count", _count(fields[2], where), counted.records, warnings
    )


def _signed(value: str) -> bool:
    text = value.strip()
    return (text[1:] if text[:1] in "+-" else text).isdigit()


def _count(value: str, where: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit():
        raise malformed(where, f"not a count: {value!r}")
    return int(value)


def _day(value: str, where: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.datetime.strptime(value.strip(), "%y%m%d").date()
    except ValueError:
        raise malformed(where, f"not a YYMMDD date: {value!r}") from None


def _currency(value: str, where: str) -> str:
    try:
        return normalize_currency(value.strip(), param=where, withdrawn=True)
    except LedgerlineError as exc:
        raise StatementMalformed(where, exc.message, reason=exc.code) from None


_HANDLERS = {
    "01": _header,
    "02": _group,
    "03": _account,
    "16": _detail,
    "49": _account_trailer,
    "98": _group_trailer,
    "99": _file_trailer,
}
