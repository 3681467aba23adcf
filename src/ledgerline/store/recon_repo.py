"""Statement files, their lines, reconciliation runs and items."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, case, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ledgerline.domain.settlement import SettlementLine
from ledgerline.store.tables import (
    attempts,
    payments,
    payouts,
    recon_files,
    recon_items,
    recon_runs,
    refunds,
    settlement_lines,
)

# Files in which a provider reports what it will pay us; bank statements show the payment arrive.
PROVIDER_FORMATS = ("simulator", "csv", "wechat", "alipay")


class ReconRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection
        self._dialect = postgresql if connection.dialect.name == "postgresql" else sqlite

    def file_by_hash(self, sha256: str) -> dict[str, Any] | None:
        row = self._c.execute(select(recon_files).where(recon_files.c.sha256 == sha256)).first()
        return dict(row._mapping) if row else None

    def store_file(
        self,
        *,
        file_id: str,
        provider: str,
        format: str,
        name: str,
        sha256: str,
        content: bytes,
        now: dt.datetime,
    ) -> None:
        self._c.execute(
            insert(recon_files).values(
                id=file_id,
                provider=provider,
                format=format,
                name=name[:255],
                sha256=sha256,
                size_bytes=len(content),
                content=content,
                status="received",
                received_at=now,
            )
        )

    def mark_file(self, file_id: str, *, status: str, error: str | None = None) -> None:
        self._c.execute(
            update(recon_files)
            .where(recon_files.c.id == file_id)
            .values(status=status, error=error)
        )

    def add_lines(self, file_id: str, lines: list[SettlementLine]) -> list[int | None]:
        """Store lines; returns each line's row id, or None when the line was already known
        (same provider and line identity, from this file or an earlier one)."""
        ids: list[int | None] = []
        for line in lines:
            row = self._c.execute(
                self._dialect.insert(settlement_lines)
                .values(
                    file_id=file_id,
                    provider=line.provider,
                    line_identity=line.line_identity[:255],
                    line_type=line.line_type.value,
                    direction=line.direction.value,
                    gross_minor=line.gross.amount_minor,
                    fee_minor=line.fee.amount_minor,
                    net_minor=line.net.amount_minor,
                    currency=line.gross.currency,
                    value_date=line.value_date,
                    status=line.status,
                    provider_reference=line.provider_reference,
                    our_reference=line.our_reference,
                    location=line.location[:255],
                )
                .on_conflict_do_nothing()
                .returning(settlement_lines.c.id)
            ).first()
            ids.append(int(row.id) if row else None)
        return ids

    def ledger_records(self, provider: str) -> list[dict[str, Any]]:
        """Our side for one provider: charge attempts that reached it, refunds and payouts."""
        records: list[dict[str, Any]] = []
        query = (
            select(
                attempts.c.id,
                attempts.c.status,
                attempts.c.provider_reference,
                attempts.c.updated_at,
                payments.c.id.label("payment_id"),
                payments.c.amount_minor,
                payments.c.currency,
            )
            .join(payments, payments.c.id == attempts.c.payment_id)
            .where(
                attempts.c.provider == provider,
                attempts.c.status.in_(["succeeded", "unknown", "failed"]),
            )
        )
        for r in self._c.execute(query):
            records.append(
                {
                    "object_type": "payment",
                    "object_id": r.payment_id,
                    "attempt_id": r.id,
                    "status": r.status,
                    "provider_reference": r.provider_reference,
                    "our_reference": r.id,
                    "amount": r.amount_minor,
                    "currency": r.currency,
                    "day": r.updated_at.date(),
                    "ok": r.status == "succeeded",
                }
            )
        for table, kind in ((refunds, "refund"), (payouts, "payout")):
            for r in self._c.execute(select(table).where(table.c.provider == provider)):
                records.append(
                    {
                        "object_type": kind,
                        "object_id": r.id,
                        "attempt_id": None,
                        "status": r.status,
                        "provider_reference": r.provider_reference,
                        "our_reference": r.id,
                        "amount": r.amount_minor,
                        "currency": r.currency,
                        "day": r.updated_at.date(),
                        "ok": r.status in ("succeeded", "paid"),
                    }
                )
        return records

    def settlement_batches(self) -> list[dict[str, Any]]:
        """Each provider settlement file as one expected bank credit: the net it pays out."""
        signed = case(
            (settlement_lines.c.direction == "credit", settlement_lines.c.net_minor),
            else_=-settlement_lines.c.net_minor,
        )
        query = (
            select(
                recon_files.c.id,
                settlement_lines.c.currency,
                func.sum(signed).label("net"),
                func.max(settlement_lines.c.value_date).label("day"),
            )
            .join(settlement_lines, settlement_lines.c.file_id == recon_files.c.id)
            .where(recon_files.c.format.in_(PROVIDER_FORMATS), recon_files.c.status == "parsed")
            .group_by(recon_files.c.id, settlement_lines.c.currency)
        )
        return [
            {
                "object_type": "settlement_batch",
                "object_id": r.id,
                "attempt_id": None,
                "status": "settled",
                "provider_reference": None,
                "our_reference": None,
                "amount": int(r.net),
                "currency": r.currency,
                "day": r.day,
                "ok": True,
            }
            for r in self._c.execute(query)
            if r.net and r.net > 0 and r.day
        ]

    def add_run(
        self,
        *,
        run_id: str,
        file_id: str,
        provider: str,
        summary: dict[str, Any],
        warnings: list[str],
        now: dt.datetime,
    ) -> None:
        self._c.execute(
            insert(recon_runs).values(
                id=run_id,
                file_id=file_id,
                provider=provider,
                status="completed",
                summary=summary,
                warnings=warnings,
                created_at=now,
            )
        )

    def add_items(self, run_id: str, items: list[dict[str, Any]]) -> None:
        if items:
            self._c.execute(insert(recon_items), [{"run_id": run_id, **item} for item in items])

    def run_for_file(self, file_id: str) -> dict[str, Any] | None:
        row = self._c.execute(select(recon_runs).where(recon_runs.c.file_id == file_id)).first()
        return dict(row._mapping) if row else None

    def run(self, run_id: str) -> dict[str, Any] | None:
        row = self._c.execute(select(recon_runs).where(recon_runs.c.id == run_id)).first()
        return dict(row._mapping) if row else None

    def items(
        self, run_id: str, *, klass: str | None, after_id: int | None, limit: int
    ) -> list[dict[str, Any]]:
        query = select(recon_items).where(recon_items.c.run_id == run_id)
        if klass is not None:
            query = query.where(recon_items.c["class"] == klass)
        if after_id is not None:
            query = query.where(recon_items.c.id > after_id)
        return [
            dict(r._mapping) for r in self._c.execute(query.order_by(recon_items.c.id).limit(limit))
        ]

    def line_count(self) -> int:
        return int(self._c.execute(select(func.count()).select_from(settlement_lines)).scalar_one())
