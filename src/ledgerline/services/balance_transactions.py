"""`GET /v1/balance_transactions`: every movement of a merchant's balances, with its source."""

from __future__ import annotations

from typing import Any

from ledgerline.domain.errors import LedgerlineError
from ledgerline.services.deps import Deps

LIST_LIMIT_MAX = 100


def list_movements(
    deps: Deps, *, merchant_id: str, limit: int, starting_after: str | None
) -> dict[str, Any]:
    """Newest first. Each item is one posting on one of the merchant's accounts; `amount` is
    signed as the merchant sees it (positive adds to that balance)."""
    assert 1 <= limit <= LIST_LIMIT_MAX, limit
    after: int | None = None
    if starting_after is not None:
        if not starting_after.startswith("btx_") or not starting_after[4:].isdigit():
            raise LedgerlineError(
                "pagination_cursor_invalid", param="starting_after", detail=starting_after
            )
        after = int(starting_after[4:])
    with deps.uow(read_only=True) as uow:
        rows = uow.ledger.merchant_postings(merchant_id, before_posting=after, limit=limit + 1)
    data = [
        {
            "id": f"btx_{r['posting_id']}",
            "object": "balance_transaction",
            "balance": r["account_kind"].removeprefix("merchant_"),
            "amount": r["amount_minor"] if r["side"] == "credit" else -r["amount_minor"],
            "currency": r["currency"].lower(),
            "type": r["entry_kind"],
            "source": {"type": r["source_type"], "id": r["source_id"]},
            "journal_entry": r["entry_id"],
            "created": int(r["created_at"].timestamp()),
        }
        for r in rows[:limit]
    ]
    return {
        "object": "list",
        "url": "/v1/balance_transactions",
        "has_more": len(rows) > limit,
        "data": data,
    }
