"""Read-only SQL checks behind `ledgerline verify`: the second place every invariant is asserted."""

from __future__ import annotations

from sqlalchemy import Engine, and_, case, func, select

from ledgerline.domain.ledger import EntryKind
from ledgerline.domain.states import AttemptStatus, PaymentStatus
from ledgerline.store.engine import READ_ONLY
from ledgerline.store.tables import accounts, attempts, jobs, journal_entries, payments, postings

Finding = tuple[str, str]  # (subject id, what is wrong)


class SqlLedgerAudit:
    """The `LedgerAudit` port on SQL. Each method returns every violation it finds."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _rows(self, query: object) -> list[object]:
        with self._engine.connect() as c:
            c.execution_options(**{READ_ONLY: True})
            return list(c.execute(query))  # type: ignore[call-overload]

    def unbalanced_entries(self) -> list[Finding]:
        signed = case(
            (postings.c.side == "debit", postings.c.amount_minor), else_=-postings.c.amount_minor
        )
        query = (
            select(postings.c.entry_id, postings.c.currency, func.sum(signed).label("net"))
            .group_by(postings.c.entry_id, postings.c.currency)
            .having(func.sum(signed) != 0)
        )
        return [
            (r.entry_id, f"{r.currency} debits minus credits = {r.net}") for r in self._rows(query)
        ]

    def account_totals_mismatched(self) -> list[Finding]:
        debit = func.coalesce(
            func.sum(case((postings.c.side == "debit", postings.c.amount_minor), else_=0)), 0
        )
        credit = func.coalesce(
            func.sum(case((postings.c.side == "credit", postings.c.amount_minor), else_=0)), 0
        )
        query = (
            select(
                accounts.c.id,
                accounts.c.kind,
                accounts.c.owner,
                accounts.c.currency,
                accounts.c.debits_minor,
                accounts.c.credits_minor,
                debit.label("d"),
                credit.label("c"),
            )
            .select_from(accounts.outerjoin(postings, postings.c.account_id == accounts.c.id))
            .group_by(
                accounts.c.id,
                accounts.c.kind,
                accounts.c.owner,
                accounts.c.currency,
                accounts.c.debits_minor,
                accounts.c.credits_minor,
            )
        )
        return [
            (
                f"{r.kind}:{r.owner}:{r.currency}",
                f"totals {r.debits_minor}/{r.credits_minor} but postings sum to {r.d}/{r.c}",
            )
            for r in self._rows(query)
            if (r.debits_minor, r.credits_minor) != (r.d, r.c)
        ]

    def payments_without_exact_entry(self) -> list[Finding]:
        """Succeeded payments need exactly one success entry for their amount; others none."""
        credited = (
            select(
                journal_entries.c.source_id,
                func.count(func.distinct(journal_entries.c.id)).label("n"),
                func.sum(postings.c.amount_minor).label("credited"),
            )
            .join(
                postings,
                and_(postings.c.entry_id == journal_entries.c.id, postings.c.side == "credit"),
            )
            .where(journal_entries.c.kind == EntryKind.PAYMENT_SUCCEEDED.value)
            .group_by(journal_entries.c.source_id)
            .subquery()
        )
        query = select(
            payments.c.id,
            payments.c.status,
            payments.c.amount_minor,
            credited.c.n,
            credited.c.credited,
        ).select_from(payments.outerjoin(credited, credited.c.source_id == payments.c.id))
        found: list[Finding] = []
        for r in self._rows(query):
            if r.status == PaymentStatus.SUCCEEDED.value and (
                r.n != 1 or r.credited != r.amount_minor
            ):
                found.append(
                    (
                        r.id,
                        f"succeeded for {r.amount_minor} but has {r.n or 0} entries crediting {r.credited or 0}",
                    )
                )
            elif r.status != PaymentStatus.SUCCEEDED.value and r.n:
                found.append((r.id, f"is {r.status} but has {r.n} success entries"))
        orphans = select(journal_entries.c.id, journal_entries.c.source_id).where(
            journal_entries.c.kind == EntryKind.PAYMENT_SUCCEEDED.value,
            journal_entries.c.source_id.not_in(select(payments.c.id)),
        )
        found.extend(
            (r.source_id, f"entry {r.id} posts a payment that does not exist")
            for r in self._rows(orphans)
        )
        return found

    def payments_with_several_successes(self) -> list[Finding]:
        query = (
            select(attempts.c.payment_id, func.count().label("n"))
            .where(attempts.c.status == AttemptStatus.SUCCEEDED.value)
            .group_by(attempts.c.payment_id)
            .having(func.count() > 1)
        )
        return [(r.payment_id, f"{r.n} successful attempts") for r in self._rows(query)]

    def open_attempts_without_job(self) -> list[Finding]:
        """Every pending attempt has a queued submit job, every unknown one a queued inquiry."""
        queued = {
            r.dedupe_key
            for r in self._rows(select(jobs.c.dedupe_key).where(jobs.c.status == "queued"))
        }
        open_ = self._rows(
            select(attempts.c.id, attempts.c.payment_id, attempts.c.status).where(
                attempts.c.status.in_([AttemptStatus.PENDING.value, AttemptStatus.UNKNOWN.value])
            )
        )
        needed = {AttemptStatus.PENDING.value: "submit", AttemptStatus.UNKNOWN.value: "inquire"}
        return [
            (r.payment_id, f"attempt {r.id} is {r.status} with no queued {needed[r.status]} job")
            for r in open_
            if f"{needed[r.status]}:{r.id}" not in queued
        ]

    def processing_payments_without_open_attempt(self) -> list[Finding]:
        open_attempt = (
            select(attempts.c.payment_id)
            .where(
                attempts.c.status.in_([AttemptStatus.PENDING.value, AttemptStatus.UNKNOWN.value])
            )
            .distinct()
        )
        query = select(payments.c.id).where(
            payments.c.status == PaymentStatus.PROCESSING.value, payments.c.id.not_in(open_attempt)
        )
        return [
            (r.id, "processing with no pending or unknown attempt: nothing will finish it")
            for r in self._rows(query)
        ]

    def dead_jobs(self) -> list[Finding]:
        rows = self._rows(
            select(jobs.c.dedupe_key, jobs.c.last_error).where(jobs.c.status == "dead")
        )
        return [(r.dedupe_key, f"job gave up: {r.last_error}") for r in rows]
