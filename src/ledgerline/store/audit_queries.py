"""Read-only SQL checks behind `ledgerline verify`: the second place every invariant is asserted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, and_, case, func, select

from ledgerline.domain.ledger import AccountKind, EntryKind
from ledgerline.domain.states import AttemptStatus, PaymentStatus
from ledgerline.store.engine import READ_ONLY
from ledgerline.store.tables import (
    accounts,
    attempts,
    jobs,
    journal_entries,
    payments,
    payouts,
    postings,
    refunds,
)

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
        """At most one un-refunded success per payment: an automatic refund (under way or done)
        of a duplicate charge takes that charge out of the count."""
        refunded = {
            r.charge_reference
            for r in self._rows(
                select(refunds.c.charge_reference).where(
                    refunds.c.reason == "duplicate", refunds.c.status != "failed"
                )
            )
        }
        successes: dict[str, int] = {}
        for r in self._rows(
            select(attempts.c.payment_id, attempts.c.provider_reference).where(
                attempts.c.status == AttemptStatus.SUCCEEDED.value
            )
        ):
            if r.provider_reference not in refunded:
                successes[r.payment_id] = successes.get(r.payment_id, 0) + 1
        return [
            (payment_id, f"{n} un-refunded successful attempts")
            for payment_id, n in successes.items()
            if n > 1
        ]

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

    def merchant_equation_broken(self) -> list[Finding]:
        """available + pending + reserved = succeeded payments − fees − refunds − paid payouts,
        per merchant and currency (payouts returned to the merchant count as not paid)."""
        expected: dict[tuple[str, str], int] = {}

        def add(rows: list[Any], sign: int) -> None:
            for r in rows:
                expected[(r[0], r[1])] = expected.get((r[0], r[1]), 0) + sign * int(r[2] or 0)

        add(
            self._rows(
                select(
                    payments.c.merchant_id,
                    payments.c.currency,
                    func.sum(payments.c.amount_minor - func.coalesce(payments.c.fee_minor, 0)),
                )
                .where(payments.c.status == PaymentStatus.SUCCEEDED.value)
                .group_by(payments.c.merchant_id, payments.c.currency)
            ),
            1,
        )
        add(
            self._rows(
                select(refunds.c.merchant_id, refunds.c.currency, func.sum(refunds.c.amount_minor))
                .where(
                    refunds.c.status == "succeeded", refunds.c.reason.is_distinct_from("duplicate")
                )
                .group_by(refunds.c.merchant_id, refunds.c.currency)
            ),
            -1,
        )
        add(
            self._rows(
                select(payouts.c.merchant_id, payouts.c.currency, func.sum(payouts.c.amount_minor))
                .where(payouts.c.status == "paid")
                .group_by(payouts.c.merchant_id, payouts.c.currency)
            ),
            -1,
        )
        merchant_kinds = [
            k.value
            for k in (
                AccountKind.MERCHANT_AVAILABLE,
                AccountKind.MERCHANT_PENDING,
                AccountKind.MERCHANT_RESERVED,
            )
        ]
        actual: dict[tuple[str, str], int] = {}
        for r in self._rows(
            select(
                accounts.c.owner,
                accounts.c.currency,
                accounts.c.credits_minor,
                accounts.c.debits_minor,
            ).where(accounts.c.kind.in_(merchant_kinds))
        ):
            actual[(r.owner, r.currency)] = (
                actual.get((r.owner, r.currency), 0) + r.credits_minor - r.debits_minor
            )
        return [
            (
                f"{merchant}:{currency}",
                f"balances sum to {actual.get((merchant, currency), 0)} but payments − fees − "
                f"refunds − paid payouts = {expected.get((merchant, currency), 0)}",
            )
            for merchant, currency in sorted(set(expected) | set(actual))
            if actual.get((merchant, currency), 0) != expected.get((merchant, currency), 0)
        ]

    def payout_holds_unbalanced(self) -> list[Finding]:
        """Each payout: one hold; then exactly one of paid / released once it ended; a return
        only after being paid."""
        counts: dict[str, dict[str, int]] = {}
        for r in self._rows(
            select(journal_entries.c.source_id, journal_entries.c.kind, func.count())
            .where(journal_entries.c.source_type == "payout")
            .group_by(journal_entries.c.source_id, journal_entries.c.kind)
        ):
            counts.setdefault(r[0], {})[r[1]] = int(r[2])
        expected = {
            "pending": {"payout_held": 1},
            "processing": {"payout_held": 1},
            "paid": {"payout_held": 1, "payout_paid": 1},
            "failed": {"payout_held": 1, "payout_released": 1},
            "canceled": {"payout_held": 1, "payout_released": 1},
            "returned": {"payout_held": 1, "payout_paid": 1, "payout_returned": 1},
        }
        return [
            (
                r.id,
                f"{r.status} payout has entries {counts.get(r.id, {})}, expected {expected[r.status]}",
            )
            for r in self._rows(select(payouts.c.id, payouts.c.status))
            if counts.get(r.id, {}) != expected[r.status]
        ]

    def refunds_without_exact_entry(self) -> list[Finding]:
        posted = dict(
            self._rows(
                select(journal_entries.c.source_id, func.count())
                .where(journal_entries.c.kind == EntryKind.REFUND_SUCCEEDED.value)
                .group_by(journal_entries.c.source_id)
            )
        )
        return [
            (r.id, f"{r.status} refund has {posted.get(r.id, 0)} entries")
            for r in self._rows(select(refunds.c.id, refunds.c.status, refunds.c.reason))
            if posted.get(r.id, 0)
            != (1 if r.status == "succeeded" and r.reason != "duplicate" else 0)
        ]

    def open_movements_without_job(self) -> list[Finding]:
        queued = {
            r.dedupe_key
            for r in self._rows(select(jobs.c.dedupe_key).where(jobs.c.status == "queued"))
        }
        found: list[Finding] = []
        for r in self._rows(
            select(refunds.c.id, refunds.c.attempt_status).where(refunds.c.status == "pending")
        ):
            key = f"refund-{'inquire' if r.attempt_status == 'unknown' else 'submit'}:{r.id}"
            if key not in queued:
                found.append((r.id, f"pending refund with no queued {key.split(':')[0]} job"))
        for r in self._rows(
            select(payouts.c.id, payouts.c.attempt_status).where(
                payouts.c.status.in_(["pending", "processing"])
            )
        ):
            key = f"payout-{'inquire' if r.attempt_status == 'unknown' else 'submit'}:{r.id}"
            if key not in queued:
                found.append((r.id, f"open payout with no queued {key.split(':')[0]} job"))
        return found

    def dead_jobs(self) -> list[Finding]:
        rows = self._rows(
            select(jobs.c.dedupe_key, jobs.c.last_error).where(jobs.c.status == "dead")
        )
        return [(r.dedupe_key, f"job gave up: {r.last_error}") for r in rows]
