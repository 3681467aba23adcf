"""Any provider's CSV or TSV settlement report, read through a column-mapping profile
(see `csv_profile`).

Every data row must have the header's number of fields; amounts are exact (major-unit decimals
or integer minor units, per profile, never floats); the file's type value is mapped to ours.
Direction follows the type: a payment is money in; a refund, payout or fee money out, whatever
sign the report writes; an adjustment takes its direction from its sign.

Line identity: `provider/line_id` when the profile maps the provider's own line id; else
`provider/type/provider reference`; else `provider/file name/line` — the last only identifies a
line within one file, which is why a profile should map a line id whenever the report has one.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import Money, normalize_currency
from ledgerline.domain.settlement import Direction, LineType, SettlementLine
from ledgerline.recon.parsers.base import (
    ParsedStatement,
    StatementMalformed,
    malformed,
    minor_at,
    money_at,
    unsigned,
)
from ledgerline.recon.parsers.csv_profile import Profile, load_profile

# A cell larger than this is not a settlement field; the csv module's default is 128 KiB.
FIELD_SIZE_MAX = 64 * 1024


def parse(
    data: bytes, *, provider: str, source_name: str, profile: Path | str | Profile | None = None
) -> ParsedStatement:
    """Read the whole report with `profile` (a path, a built-in name or a loaded Profile).

    Raises `statement_profile_invalid` without a usable profile and `statement_malformed` at
    `file:line` (or `file:line:column`) for the first bad row."""
    if profile is None:
        raise LedgerlineError(
            "statement_profile_invalid", param="profile", detail="the csv format needs a profile"
        )
    mapping = profile if isinstance(profile, Profile) else load_profile(profile)
    try:
        text = data.decode(mapping.encoding)
    except UnicodeDecodeError as exc:
        raise malformed(f"{source_name}:1", f"not {mapping.encoding} text ({exc.reason})") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=mapping.delimiter, strict=True)
    parsed = ParsedStatement(format="csv", lines=[])
    header: list[str] | None = None
    index: dict[str, int] = {}
    try:
        for row in reader:
            where = f"{source_name}:{reader.line_num}"
            if reader.line_num < mapping.header_row:
                continue
            if header is None:
                header = [name.strip().lstrip("\ufeff") for name in row]
                index = _index(header, mapping, where)
                continue
            if not any(cell.strip() for cell in row):
                continue  # blank lines (a trailing newline) carry nothing
            if len(row) != len(header):
                raise malformed(where, f"{len(row)} fields, expected {len(header)}")
            parsed.lines.append(_line(row, index, mapping, provider, source_name, where))
    except csv.Error as exc:
        raise malformed(f"{source_name}:{reader.line_num}", f"not valid CSV: {exc}") from None
    if header is None:
        raise malformed(f"{source_name}:{mapping.header_row}", "no header row")
    return parsed.finish()


def _index(header: list[str], mapping: Profile, where: str) -> dict[str, int]:
    missing = [name for name in mapping.columns.values() if name not in header]
    if missing:
        raise malformed(where, f"missing columns: {', '.join(missing)}")
    return {field: header.index(name) for field, name in mapping.columns.items()}


@dataclass(frozen=True)
class _Row:
    """One data row with its header index: cells by our field name, locations by column."""

    cells: list[str]
    index: dict[str, int]
    mapping: Profile
    where: str

    def cell(self, field: str) -> str:
        return self.cells[self.index[field]].strip() if field in self.index else ""

    def at(self, field: str) -> str:
        """`file:line:column` for a mapped field, else `file:line`."""
        return f"{self.where}:{self.mapping.columns[field]}" if field in self.index else self.where


def _line(
    cells: list[str],
    index: dict[str, int],
    mapping: Profile,
    provider: str,
    source_name: str,
    where: str,
) -> SettlementLine:
    row = _Row(cells, index, mapping, where)
    if len(max(cells, key=len)) > FIELD_SIZE_MAX:
        raise malformed(where, f"a field longer than {FIELD_SIZE_MAX} characters")
    line_type = mapping.types.get(row.cell("type"))
    if line_type is None:
        raise malformed(
            row.at("type"),
            f"unknown type {row.cell('type')!r}; the profile maps {', '.join(sorted(mapping.types))}",
        )
    direction, gross, fee, net = _amounts(row, line_type)
    try:
        value_date = dt.datetime.strptime(row.cell("date"), mapping.date_format).date()
    except ValueError:
        raise malformed(
            row.at("date"), f"{row.cell('date')!r} is not a date in {mapping.date_format}"
        ) from None
    if row.cell("line_id"):
        identity = f"{provider}/{row.cell('line_id')}"
    elif row.cell("provider_reference"):
        identity = f"{provider}/{line_type.value}/{row.cell('provider_reference')}"
    else:
        identity = f"{provider}/{where}"
    return SettlementLine(
        provider=provider,
        line_type=line_type,
        direction=direction,
        gross=gross,
        fee=fee,
        net=net,
        value_date=value_date,
        status=row.cell("status") or "settled",
        line_identity=identity,
        location=where,
        provider_reference=row.cell("provider_reference") or None,
        our_reference=row.cell("our_reference") or None,
    )


def _amounts(row: _Row, line_type: LineType) -> tuple[Direction, Money, Money, Money]:
    """Direction and unsigned gross, fee and net; gross − fee = net is checked."""
    mapping = row.mapping
    currency = _currency(row.cell("currency") or mapping.currency or "", row.at("currency"))
    gross = _amount(row.cell("gross"), currency, mapping, row.at("gross"), required=True)
    fee = unsigned(_amount(row.cell("fee"), currency, mapping, row.at("fee")))
    if line_type is LineType.PAYMENT and gross.amount_minor < 0:
        raise malformed(row.at("gross"), f"a payment of {gross}")
    if line_type is LineType.ADJUSTMENT and gross.amount_minor < 0:
        direction = Direction.DEBIT
    else:
        direction = Direction.CREDIT if line_type is LineType.PAYMENT else Direction.DEBIT
    gross = unsigned(gross)
    if "net" not in row.index:
        net = gross - fee
        if net.amount_minor < 0:
            raise malformed(row.at("fee"), f"fee {fee} is larger than gross {gross}")
        return direction, gross, fee, net
    net = unsigned(_amount(row.cell("net"), currency, mapping, row.at("net"), required=True))
    if mapping.net_check and gross - fee != net:
        raise malformed(row.at("net"), f"gross {gross} − fee {fee} ≠ net {net}")
    return direction, gross, fee, net


def _currency(value: str, where: str) -> str:
    try:
        return normalize_currency(value, param=where)
    except LedgerlineError as exc:
        raise StatementMalformed(where, exc.message, reason=exc.code) from None


def _amount(
    value: str, currency: str, mapping: Profile, where: str, *, required: bool = False
) -> Money:
    if not value:
        if required:
            raise malformed(where, "missing")
        value = "0"
    if mapping.amounts == "minor":
        return minor_at(value, currency, where)
    if mapping.decimal_separator == ",":
        if "." in value:  # a thousands separator or a misread column: never guess which
            raise StatementMalformed(
                where,
                f"{value!r} has a '.' but ',' is the decimal separator",
                reason="amount_invalid",
            )
        value = value.replace(",", ".")
    return money_at(value, currency, where)
