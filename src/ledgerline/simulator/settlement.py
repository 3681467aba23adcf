"""The settlement file: what the provider pays out for one day, as CSV.

Columns: `line_id,type,provider_reference,our_reference,idempotency_key,gross_minor,fee_minor,
net_minor,currency,value_date,status`. One line per succeeded charge (type `payment`), refund
(`refund`) or payout (`payout`) created on that UTC day. Amounts are integer minor units; gross
is always positive and `type` gives the direction. Fees: `sim_a` 2.9% + 30, `sim_b` 2.5% + 25,
rounded half up to the minor unit; refunds and payouts carry no fee.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

FEES_BPS_FIXED = {"sim_a": (290, 30), "sim_b": (250, 25), "sim_bank": (0, 0)}
COLUMNS = [
    "line_id",
    "type",
    "provider_reference",
    "our_reference",
    "idempotency_key",
    "gross_minor",
    "fee_minor",
    "net_minor",
    "currency",
    "value_date",
    "status",
]
TYPES = {"charge": "payment", "refund": "refund", "payout": "payout"}


def fee_minor(provider: str, kind: str, amount_minor: int) -> int:
    if kind != "charge":
        return 0
    bps, fixed = FEES_BPS_FIXED.get(provider, (0, 0))
    return (amount_minor * bps + 5000) // 10000 + fixed  # half up, in integers


def export(records: list[dict[str, Any]], *, provider: str, day: dt.date) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    number = 0
    for record in records:
        created = dt.datetime.fromisoformat(record["created_at"]).astimezone(dt.UTC).date()
        if record["provider"] != provider or record["status"] != "succeeded" or created != day:
            continue
        number += 1
        fee = fee_minor(provider, record["kind"], record["amount_minor"])
        writer.writerow(
            [
                f"{provider}-{day:%Y%m%d}-{number:06d}",
                TYPES[record["kind"]],
                record["id"],
                record["reference"] or "",
                record["idempotency_key"],
                record["amount_minor"],
                fee,
                record["amount_minor"] - fee,
                record["currency"],
                day.isoformat(),
                "settled",
            ]
        )
    return out.getvalue()
