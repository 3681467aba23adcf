"""Mass payouts from a CSV file: validate every row first, create nothing if any is bad, then
create them one by one, idempotently (each row's `row_id` is its idempotency key).

Columns: `row_id, amount, currency, destination_type, account, holder_name[, description]`.
`amount` is in major units ("1250.00"); `account` is the IBAN or the card number.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from ledgerline.domain.destinations import parse_destination
from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.ledger import AccountKind
from ledgerline.domain.money import Money
from ledgerline.services import payouts
from ledgerline.services.deps import Deps

REQUIRED = ("row_id", "amount", "currency", "destination_type", "account", "holder_name")
ROWS_MAX = 100_000  # one file stays one operator's batch, not a data dump
ACCOUNT_FIELD = {"iban": "iban", "cn_bank_card": "card_number"}


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    row_id: str
    amount: Money
    destination: dict[str, str]
    description: str | None


def parse_rows(text: str, *, source: str) -> list[Row]:
    """Every row, or `csv_invalid` listing each bad line and why (nothing is created then)."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise LedgerlineError(
            "csv_invalid", param=f"{source}:1", detail=f"missing columns: {', '.join(missing)}"
        )
    rows, problems, seen = [], [], set()
    for number, record in enumerate(reader, start=2):
        try:
            rows.append(_row(number, record))
            if record["row_id"] in seen:
                raise LedgerlineError(
                    "parameter_invalid",
                    param="row_id",
                    detail=f"row_id {record['row_id']!r} repeats",
                )
            seen.add(record["row_id"])
        except LedgerlineError as exc:
            problems.append(f"{source}:{number}: {exc.param}: {exc.detail or exc.message}")
        if number > ROWS_MAX + 1:
            raise LedgerlineError(
                "csv_invalid", param=f"{source}:{number}", detail=f"more than {ROWS_MAX} rows"
            )
    if problems:
        raise LedgerlineError(
            "csv_invalid", param=problems[0].split(": ")[0], detail="; ".join(problems[:50])
        )
    if not rows:
        raise LedgerlineError("csv_invalid", param=f"{source}:2", detail="no rows")
    return rows


def _row(number: int, record: dict[str, str]) -> Row:
    row_id = (record.get("row_id") or "").strip()
    if not row_id or len(row_id) > 100:
        raise LedgerlineError("parameter_invalid", param="row_id", detail="1 to 100 characters")
    money = Money.from_decimal(
        record.get("amount") or "", record.get("currency") or "", param="amount"
    )
    Money.of(money.amount_minor, money.currency, param="amount")  # positive and in range
    kind = (record.get("destination_type") or "").strip()
    destination = {
        "type": kind,
        ACCOUNT_FIELD.get(kind, "account"): record.get("account") or "",
        "holder_name": record.get("holder_name") or "",
    }
    parse_destination(destination)
    return Row(
        line=number,
        row_id=row_id,
        amount=money,
        destination=destination,
        description=(record.get("description") or None),
    )


def import_payouts(
    deps: Deps, *, merchant_id: str, rows: list[Row], progress: Callable[[int], None]
) -> list[str]:
    """Create the payouts; rows already created (same row_id) are returned, not repeated."""
    needed: dict[str, int] = defaultdict(int)
    for row in rows:
        needed[row.amount.currency] += row.amount.amount_minor
    with deps.uow(read_only=True) as uow:
        for currency, total in needed.items():
            available = uow.ledger.balance(AccountKind.MERCHANT_AVAILABLE, merchant_id, currency)
            if available < total:
                raise LedgerlineError(
                    "insufficient_balance",
                    param="amount",
                    detail=f"the file needs {Money(amount_minor=total, currency=currency)}, "
                    f"available {Money(amount_minor=max(available, 0), currency=currency)}",
                )
    created = []
    for row in rows:
        payout = payouts.create_payout(
            deps,
            merchant_id=merchant_id,
            amount=row.amount,
            destination=row.destination,
            description=row.description,
            idempotency_key=f"import:{row.row_id}",
        )
        created.append(str(payout["id"]))
        progress(1)
    return created
