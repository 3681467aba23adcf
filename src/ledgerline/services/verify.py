"""`ledgerline verify`: every money invariant, checked against the stored truth."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

Finding = tuple[str, str]


class LedgerAudit(Protocol):
    def unbalanced_entries(self) -> list[Finding]: ...
    def account_totals_mismatched(self) -> list[Finding]: ...
    def payments_without_exact_entry(self) -> list[Finding]: ...
    def payments_with_several_successes(self) -> list[Finding]: ...
    def open_attempts_without_job(self) -> list[Finding]: ...
    def processing_payments_without_open_attempt(self) -> list[Finding]: ...
    def merchant_equation_broken(self) -> list[Finding]: ...
    def payout_holds_unbalanced(self) -> list[Finding]: ...
    def refunds_without_exact_entry(self) -> list[Finding]: ...
    def open_movements_without_job(self) -> list[Finding]: ...
    def dead_jobs(self) -> list[Finding]: ...


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    description: str
    findings: list[Finding]

    @property
    def passed(self) -> bool:
        return not self.findings


def _checks(audit: LedgerAudit) -> list[tuple[str, str, Callable[[], list[Finding]]]]:
    return [
        ("entries_balance", "every journal entry balances per currency", audit.unbalanced_entries),
        (
            "balances_match_postings",
            "every account balance equals the sum of its postings",
            audit.account_totals_mismatched,
        ),
        (
            "payments_posted_exactly",
            "every succeeded payment has exactly its entries",
            audit.payments_without_exact_entry,
        ),
        (
            "single_success",
            "no payment has two successful attempts",
            audit.payments_with_several_successes,
        ),
        (
            "open_attempts_have_jobs",
            "every open attempt has a due job",
            audit.open_attempts_without_job,
        ),
        (
            "processing_has_way_out",
            "every processing payment has an open attempt",
            audit.processing_payments_without_open_attempt,
        ),
        (
            "merchant_equation",
            "each merchant's balances equal payments − fees − refunds − paid payouts",
            audit.merchant_equation_broken,
        ),
        (
            "payout_holds",
            "every payout hold is released or posted exactly once",
            audit.payout_holds_unbalanced,
        ),
        (
            "refunds_posted_exactly",
            "every succeeded refund has exactly its entry",
            audit.refunds_without_exact_entry,
        ),
        (
            "open_movements_have_jobs",
            "every open refund and payout has a due job",
            audit.open_movements_without_job,
        ),
        ("no_dead_jobs", "no job has given up", audit.dead_jobs),
    ]


def verify(audit: LedgerAudit) -> list[CheckResult]:
    return [CheckResult(name, description, check()) for name, description, check in _checks(audit)]
