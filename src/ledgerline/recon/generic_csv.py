"""Any provider's CSV/TSV settlement report, read through a small TOML column-mapping profile.

A profile names the delimiter, encoding, how many lines precede the header, which column holds
each field, how type values map to ours, and whether amounts are major-unit decimals or integer
minor units. See `profiles/*.toml`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import Money
from ledgerline.domain.settlement import Direction, LineType, SettlementLine
from ledgerline.recon.statement import ParsedStatement, malformed

REQUIRED = ("line_id", "type", "gross", "currency", "date")
OPTIONAL = ("provider_reference", "our_reference", "fee", "net", "status")


@dataclass(frozen=True)
class Profile:
    delimiter: str
    encoding: str
    skip_lines: int
    columns: dict[str, str]
    types: dict[str, str]
    amounts: str  # "decimal" | "minor"
    date_format: str
    currency: str | None  # when the file has no currency column


def load_profile(path: Path) -> Profile:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        columns = dict(raw["columns"])
        missing = [
            k
            for k in REQUIRED
            if k not in columns and not (k == "currency" and raw.get("currency"))
        ]
        if missing:
            raise KeyError(", ".join(missing))
        return Profile(
            delimiter=raw.get("delimiter", ","),
            encoding=raw.get("encoding", "utf-8"),
            skip_lines=int(raw.get("skip_lines", 0)),
            columns=columns,
            types=dict(raw["types"]),
            amounts=raw.get("amounts", "decimal"),
            date_format=raw.get("date_format", "%Y-%m-%d"),
            currency=raw.get("currency"),
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise LedgerlineError(
            "statement_profile_invalid", param=str(path), detail=str(exc)
        ) from None


def parse(data: bytes, *, provider: str, source_name: str, profile: Profile) -> ParsedStatement:
    try:
        text = data.decode(profile.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise malformed(f"{source_name}:1", f"not {profile.encoding}: {exc}") from None
    rows = list(csv.reader(io.StringIO(text), delimiter=profile.delimiter))[profile.skip_lines :]
    if not rows:
        raise malformed(f"{source_name}:1", "no header row")
    header = [h.strip() for h in rows[0]]
    index = {field: header.index(name) for field, name in profile.columns.items() if name in header}
    absent = [profile.columns[f] for f in REQUIRED if f in profile.columns and f not in index]
    if absent:
        raise malformed(
            f"{source_name}:{profile.skip_lines + 1}", f"missing columns: {', '.join(absent)}"
        )
    lines = []
    for offset, row in enumerate(rows[1:], start=profile.skip_lines + 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise malformed(f"{source_name}:{offset}", f"{len(row)} fields, expected {len(header)}")
        lines.append(_line(row, index, profile, provider, f"{source_name}:{offset}"))
    return ParsedStatement(format="csv", lines=lines)


def _line(
    row: list[str], index: dict[str, int], profile: Profile, provider: str, where: str
) -> SettlementLine:
    def cell(field: str) -> str:
        return row[index[field]].strip() if field in index else ""

    kind = profile.types.get(cell("type"))
    if kind is None:
        raise malformed(f"{where}:{profile.columns['type']}", f"unknown type {cell('type')!r}")
    currency = cell("currency") or profile.currency or ""
    gross = _money(cell("gross"), currency, profile, f"{where}:{profile.columns['gross']}")
    fee = _money(cell("fee") or "0", currency, profile, f"{where}:fee")
    net = _money(cell("net"), currency, profile, f"{where}:net") if cell("net") else gross - fee
    try:
        day = dt.datetime.strptime(cell("date"), profile.date_format).date()
    except ValueError:
        raise malformed(
            f"{where}:{profile.columns['date']}", f"not a date in {profile.date_format}"
        ) from None
    line_type = LineType(kind)
    direction = Direction.CREDIT if line_type is LineType.PAYMENT else Direction.DEBIT
    return SettlementLine(
        provider=provider,
        line_type=line_type,
        direction=direction,
        gross=_abs(gross),
        fee=_abs(fee),
        net=_abs(net),
        value_date=day,
        status=cell("status") or "settled",
        line_identity=f"{provider}:{cell('line_id')}",
        location=where,
        provider_reference=cell("provider_reference") or None,
        our_reference=cell("our_reference") or None,
    )


def _money(value: str, currency: str, profile: Profile, where: str) -> Money:
    try:
        if profile.amounts == "minor":
            return Money(amount_minor=int(value), currency=currency.upper())
        return Money.from_decimal(value.replace(",", ""), currency, param=where)
    except (ValueError, AssertionError):
        raise malformed(where, f"not an amount: {value!r}") from None
    except LedgerlineError as exc:
        raise malformed(where, exc.message) from None


def _abs(money: Money) -> Money:
    return Money(amount_minor=abs(money.amount_minor), currency=money.currency)


def describe(profile: Profile) -> dict[str, Any]:
    return {"delimiter": profile.delimiter, "columns": profile.columns, "amounts": profile.amounts}
