"""Statement parsers, one module per format, behind one registry.

`parse(format_name, data, provider=…, source_name=…, profile=…)` reads a whole file into a
`ParsedStatement` or raises: `statement_format_unknown` for a format not listed here,
`statement_profile_invalid` for a bad CSV profile, `statement_malformed` (with the location in
`param`) for a file that cannot be trusted as a whole. Nothing partial is ever returned.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ledgerline.domain.errors import LedgerlineError
from ledgerline.recon.parsers import (
    alipay,
    bai2,
    camt053,
    generic_csv,
    mt940,
    simulator,
    wechat,
)
from ledgerline.recon.parsers.base import ParsedStatement, Section, StatementMalformed

__all__ = ["PARSERS", "ParsedStatement", "Parser", "Section", "StatementMalformed", "parse"]


class Parser(Protocol):
    def __call__(
        self, data: bytes, *, provider: str, source_name: str, profile: Path | str | None = None
    ) -> ParsedStatement: ...


PARSERS: dict[str, Parser] = {
    "camt053": camt053.parse,
    "mt940": mt940.parse,
    "bai2": bai2.parse,
    "wechat": wechat.parse,
    "alipay": alipay.parse,
    "csv": generic_csv.parse,
    "simulator": simulator.parse,
}


def parse(
    format_name: str,
    data: bytes,
    *,
    provider: str,
    source_name: str,
    profile: Path | str | None = None,
) -> ParsedStatement:
    """Parse a whole file in `format_name`; `profile` (a path or built-in name) is for `csv`."""
    parser = PARSERS.get(format_name)
    if parser is None:
        raise LedgerlineError(
            "statement_format_unknown",
            param="format",
            detail=f"{format_name!r}; one of {', '.join(sorted(PARSERS))}",
        )
    if profile is not None and format_name != "csv":
        raise LedgerlineError(
            "statement_profile_invalid",
            param="profile",
            detail=f"only the csv format takes a profile, not {format_name}",
        )
    return parser(data, provider=provider, source_name=source_name, profile=profile)
