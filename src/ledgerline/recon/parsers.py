"""The registry of statement formats."""

from __future__ import annotations

from pathlib import Path

from ledgerline.domain.errors import LedgerlineError
from ledgerline.recon import bai2, camt053, cn_bills, generic_csv, mt940, simulator_export
from ledgerline.recon.statement import ParsedStatement

FORMATS = ("simulator", "camt053", "mt940", "bai2", "wechat", "alipay", "csv")


def parse(
    format_name: str,
    data: bytes,
    *,
    provider: str,
    source_name: str,
    profile: str | Path | None = None,
) -> ParsedStatement:
    """Parse a whole file or raise: a malformed file yields nothing."""
    if format_name == "simulator":
        return simulator_export.parse(data, provider=provider, source_name=source_name)
    if format_name == "camt053":
        return camt053.parse(data, provider=provider, source_name=source_name)
    if format_name == "wechat":
        return cn_bills.parse_wechat(data, provider=provider, source_name=source_name)
    if format_name == "alipay":
        return cn_bills.parse_alipay(data, provider=provider, source_name=source_name)
    if format_name == "bai2":
        return bai2.parse(data, provider=provider, source_name=source_name)
    if format_name == "mt940":
        return mt940.parse(data, provider=provider, source_name=source_name)
    if format_name == "csv":
        if profile is None:
            raise LedgerlineError(
                "statement_profile_invalid",
                param="profile",
                detail="the csv format needs --profile",
            )
        return generic_csv.parse(
            data,
            provider=provider,
            source_name=source_name,
            profile=generic_csv.load_profile(Path(profile)),
        )
    raise LedgerlineError(
        "statement_format_unknown",
        param="format",
        detail=f"{format_name!r}; one of {', '.join(FORMATS)}",
    )
