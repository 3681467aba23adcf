"""The provider simulator's settlement export, read through the built-in `simulator` profile.

Columns: `line_id,type,provider_reference,our_reference,idempotency_key,gross_minor,fee_minor,
net_minor,currency,value_date,status`; amounts are integer minor units, `type` is payment,
refund or payout, and gross − fee = net on every line (checked). Our reference is the
idempotency key: it is the attempt id we sent to the provider, which is what our records carry.
Line identity: `provider/line_id`, the simulator's own line id.
"""

from __future__ import annotations

from pathlib import Path

from ledgerline.recon.parsers import generic_csv
from ledgerline.recon.parsers.base import ParsedStatement

PROFILE = "simulator"


def parse(
    data: bytes, *, provider: str, source_name: str, profile: Path | str | None = None
) -> ParsedStatement:
    """Read the whole export. Raises `statement_malformed` at `file:line[:column]`."""
    parsed = generic_csv.parse(data, provider=provider, source_name=source_name, profile=PROFILE)
    parsed.format = "simulator"
    return parsed
