"""The column-mapping profile that lets the generic CSV parser read a provider's report.

A profile is a small TOML file (examples in `ledgerline/recon/profiles/`):

    delimiter = ","            # one character; "\\t" for TSV
    encoding = "utf-8"         # any Python codec: "gb18030", "latin-1", "utf-8-sig"
    header_row = 1             # line number of the header; lines above it are skipped
    amounts = "minor"          # "minor" (integer minor units) or "decimal" (major units, exact)
    decimal_separator = "."    # "." or "," for decimal amounts; thousands separators are refused
    date_format = "%Y-%m-%d"   # strptime format of the date column
    currency = "EUR"           # only when the file has no currency column
    net_check = true           # reject a row whose |gross| − |fee| ≠ |net|

    [columns]                  # our field = the file's column name
    line_id = "id"             # the provider's own line id: the best line identity
    type = "kind"
    gross = "amount"
    ...                        # provider_reference, our_reference, fee, net, currency, date, status

    [types]                    # the file's type value = ours (payment, refund, payout, fee, adjustment)
    charge = "payment"

Unknown keys are refused, so a misspelt column mapping fails loudly instead of reading nothing.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import normalize_currency
from ledgerline.domain.settlement import LineType

FIELDS = (
    "line_id",
    "type",
    "provider_reference",
    "our_reference",
    "gross",
    "fee",
    "net",
    "currency",
    "date",
    "status",
)
REQUIRED = ("type", "gross", "date")
SETTINGS = (
    "delimiter",
    "encoding",
    "header_row",
    "amounts",
    "decimal_separator",
    "date_format",
    "currency",
    "net_check",
    "columns",
    "types",
    "name",
    "description",
)
HEADER_ROW_MAX = 100  # a report with a longer preamble is not a settlement report


@dataclass(frozen=True)
class Profile:
    name: str
    delimiter: str
    encoding: str
    header_row: int
    amounts: str  # "decimal" | "minor"
    decimal_separator: str  # "." | ","
    date_format: str
    currency: str | None
    net_check: bool
    columns: dict[str, str]
    types: dict[str, LineType]


def _invalid(where: str, what: str) -> LedgerlineError:
    return LedgerlineError("statement_profile_invalid", param=where, detail=what)


def load_profile(profile: Path | str) -> Profile:
    """A profile from a file path, or by the name of a built-in one (`simulator`).

    Raises `statement_profile_invalid` naming the file and what is wrong."""
    path = Path(profile)
    if not path.is_file():
        builtin = resources.files("ledgerline.recon").joinpath("profiles", f"{profile}.toml")
        if not builtin.is_file():
            raise _invalid(str(profile), "no such profile file or built-in profile")
        return profile_from_toml(builtin.read_text(encoding="utf-8"), name=str(profile))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _invalid(str(path), str(exc)) from None
    return profile_from_toml(text, name=path.stem)


def profile_from_toml(text: str, *, name: str) -> Profile:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _invalid(name, f"not TOML: {exc}") from None
    unknown = sorted(set(raw) - set(SETTINGS))
    if unknown:
        raise _invalid(name, f"unknown settings: {', '.join(unknown)}")
    columns = _table(raw, "columns", name)
    bad = sorted(set(columns) - set(FIELDS))
    if bad:
        raise _invalid(
            f"{name}:columns", f"unknown fields {', '.join(bad)}; known: {', '.join(FIELDS)}"
        )
    missing = [f for f in REQUIRED if f not in columns]
    if "currency" not in columns and not raw.get("currency"):
        missing.append("currency (a column or a default)")
    if missing:
        raise _invalid(f"{name}:columns", f"missing {', '.join(missing)}")
    return Profile(
        name=str(raw.get("name", name)),
        delimiter=_delimiter(raw.get("delimiter", ","), name),
        encoding=_encoding(raw.get("encoding", "utf-8"), name),
        header_row=_header_row(raw.get("header_row", 1), name),
        amounts=_choice(raw.get("amounts", "decimal"), ("decimal", "minor"), f"{name}:amounts"),
        decimal_separator=_choice(
            raw.get("decimal_separator", "."), (".", ","), f"{name}:decimal_separator"
        ),
        date_format=str(raw.get("date_format", "%Y-%m-%d")),
        currency=_currency(raw.get("currency"), name),
        net_check=bool(raw.get("net_check", True)),
        columns={k: str(v) for k, v in columns.items()},
        types={
            str(k): LineType(_choice(v, tuple(LineType), f"{name}:types.{k}"))
            for k, v in _table(raw, "types", name).items()
        },
    )


def _table(raw: dict[str, Any], key: str, name: str) -> dict[str, Any]:
    table = raw.get(key)
    if not isinstance(table, dict) or not table:
        raise _invalid(f"{name}:{key}", "a non-empty table is required")
    return table


def _choice(value: Any, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise _invalid(where, f"{value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _delimiter(value: Any, name: str) -> str:
    if not isinstance(value, str) or len(value) != 1 or value in '"\r\n':
        raise _invalid(
            f"{name}:delimiter", f"one character other than a quote or newline, not {value!r}"
        )
    return value


def _encoding(value: Any, name: str) -> str:
    try:
        "".encode(str(value))
    except LookupError:
        raise _invalid(f"{name}:encoding", f"unknown encoding {value!r}") from None
    return str(value)


def _header_row(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= HEADER_ROW_MAX:
        raise _invalid(f"{name}:header_row", f"a line number from 1 to {HEADER_ROW_MAX}")
    return value


def _currency(value: Any, name: str) -> str | None:
    if value is None:
        return None
    try:
        return normalize_currency(str(value), param=f"{name}:currency")
    except LedgerlineError as exc:
        raise _invalid(f"{name}:currency", exc.message) from None
