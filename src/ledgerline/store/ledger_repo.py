"""The ledger in the database: posting entries and reading balances."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ledgerline.domain.ledger import AccountKind, AccountRef, JournalEntry, Side, balance_minor
from ledgerline.store.tables import accounts, journal_entries, postings

# Built once: statement construction and cache-key generation dominate the cost of a posting.
_INSERT_ENTRY = insert(journal_entries)
_INSERT_POSTING = insert(postings)
_ADD_DEBIT = (
    update(accounts)
    .where(accounts.c.id == bindparam("b_account_id"))
    .values(debits_minor=accounts.c.debits_minor + bindparam("b_amount"))
)
_ADD_CREDIT = (
    update(accounts)
    .where(accounts.c.id == bindparam("b_account_id"))
    .values(credits_minor=accounts.c.credits_minor + bindparam("b_amount"))
)
_FIND_ACCOUNT = select(accounts.c.id).where(
    accounts.c.kind == bindparam("b_kind"),
    accounts.c.owner == bindparam("b_owner"),
    accounts.c.currency == bindparam("b_currency"),
)
_HAS_ENTRY = select(journal_entries.c.id).where(
    journal_entries.c.kind == bindparam("b_kind"),
    journal_entries.c.source_id == bindparam("b_source_id"),
)


class LedgerRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def post(self, entry: JournalEntry, *, now: dt.datetime) -> None:
        """Write `entry` and move the account totals, in the caller's transaction.

        A second entry of the same kind for the same source violates a unique constraint:
        the database refuses double posting even if a service forgot to check.
        """
        assert entry.balanced(), entry.id
        self._c.execute(
            _INSERT_ENTRY,
            {
                "id": entry.id,
                "kind": entry.kind.value,
                "source_type": entry.source_type,
                "source_id": entry.source_id,
                "merchant_id": entry.merchant_id,
                "created_at": now,
            },
        )
        rows = []
        for p in entry.postings:
            account_id = self._account_id(p.account)
            rows.append(
                {
                    "entry_id": entry.id,
                    "account_id": account_id,
                    "side": p.side.value,
                    "amount_minor": p.amount.amount_minor,
                    "currency": p.amount.currency,
                }
            )
            move = _ADD_DEBIT if p.side is Side.DEBIT else _ADD_CREDIT
            self._c.execute(move, {"b_account_id": account_id, "b_amount": p.amount.amount_minor})
        self._c.execute(_INSERT_POSTING, rows)

    def has_entry(self, *, kind: str, source_id: str) -> bool:
        return (
            self._c.execute(_HAS_ENTRY, {"b_kind": kind, "b_source_id": source_id}).first()
            is not None
        )

    def _account_id(self, ref: AccountRef) -> int:
        key = {"b_kind": ref.kind.value, "b_owner": ref.owner, "b_currency": ref.currency}
        found = self._c.execute(_FIND_ACCOUNT, key).scalar()
        if found is None:
            dialect = postgresql if self._c.dialect.name == "postgresql" else sqlite
            # Concurrent first postings to a new account must not both insert it.
            values = dict(
                kind=ref.kind.value,
                owner=ref.owner,
                currency=ref.currency,
                debits_minor=0,
                credits_minor=0,
            )
            self._c.execute(dialect.insert(accounts).values(**values).on_conflict_do_nothing())
            found = self._c.execute(_FIND_ACCOUNT, key).scalar_one()
        return int(found)

    def balance(
        self, kind: AccountKind, owner: str, currency: str, *, for_update: bool = False
    ) -> int:
        """One account's balance; `for_update` locks its row until the transaction ends, so two
        payouts cannot both spend the same available money (SQLite: the single writer does)."""
        query = select(accounts).where(
            accounts.c.kind == kind.value,
            accounts.c.owner == owner,
            accounts.c.currency == currency,
        )
        if for_update and self._c.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._c.execute(query).first()
        if row is None:
            return 0
        return balance_minor(kind, debits_minor=row.debits_minor, credits_minor=row.credits_minor)

    def balances(self, owner: str) -> dict[str, dict[AccountKind, int]]:
        """Balances of one owner's accounts, by currency then kind, on each normal side."""
        found: dict[str, dict[AccountKind, int]] = defaultdict(dict)
        for row in self._c.execute(select(accounts).where(accounts.c.owner == owner)):
            kind = AccountKind(row.kind)
            found[row.currency][kind] = balance_minor(
                kind, debits_minor=row.debits_minor, credits_minor=row.credits_minor
            )
        return dict(found)

    def balances_all(self) -> dict[tuple[str, str, str], int]:
        """Every account's balance on its normal side, by (kind, owner, currency)."""
        found = {}
        for row in self._c.execute(select(accounts)):
            kind = AccountKind(row.kind)
            found[(row.kind, row.owner, row.currency)] = balance_minor(
                kind, debits_minor=row.debits_minor, credits_minor=row.credits_minor
            )
        return found

    def merchant_postings(
        self, merchant_id: str, *, before_posting: int | None, limit: int
    ) -> list[dict[str, Any]]:
        query = (
            select(
                postings.c.id.label("posting_id"),
                postings.c.side,
                postings.c.amount_minor,
                postings.c.currency,
                accounts.c.kind.label("account_kind"),
                journal_entries.c.id.label("entry_id"),
                journal_entries.c.kind.label("entry_kind"),
                journal_entries.c.source_type,
                journal_entries.c.source_id,
                journal_entries.c.created_at,
            )
            .join(accounts, accounts.c.id == postings.c.account_id)
            .join(journal_entries, journal_entries.c.id == postings.c.entry_id)
            .where(accounts.c.owner == merchant_id, accounts.c.kind.like("merchant_%"))
        )
        if before_posting is not None:
            query = query.where(postings.c.id < before_posting)
        return [
            dict(r._mapping)
            for r in self._c.execute(query.order_by(postings.c.id.desc()).limit(limit))
        ]

    def entries_for_sources(self, source_ids: list[str]) -> list[dict[str, Any]]:
        """Entries (with their postings) caused by the given sources, oldest first."""
        if not source_ids:
            return []
        query = (
            select(
                journal_entries,
                postings.c.side,
                postings.c.amount_minor,
                postings.c.currency,
                accounts.c.kind.label("account_kind"),
                accounts.c.owner,
            )
            .join(postings, postings.c.entry_id == journal_entries.c.id)
            .join(accounts, accounts.c.id == postings.c.account_id)
            .where(journal_entries.c.source_id.in_(source_ids))
            .order_by(journal_entries.c.created_at, journal_entries.c.id, postings.c.id)
        )
        entries: dict[str, dict[str, Any]] = {}
        for row in self._c.execute(query):
            entry = entries.setdefault(
                row.id,
                {
                    "id": row.id,
                    "kind": row.kind,
                    "source_id": row.source_id,
                    "created_at": row.created_at,
                    "postings": [],
                },
            )
            entry["postings"].append(
                {
                    "account": f"{row.account_kind}:{row.owner}",
                    "side": row.side,
                    "amount_minor": row.amount_minor,
                    "currency": row.currency,
                }
            )
        return list(entries.values())

    def entry_count(self) -> int:
        return int(self._c.execute(select(func.count()).select_from(journal_entries)).scalar_one())
