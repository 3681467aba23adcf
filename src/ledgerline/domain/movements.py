"""Refunds and payouts as plain records with guarded status changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from ledgerline.domain.money import Money
from ledgerline.domain.states import (
    ATTEMPT_TRANSITIONS,
    PAYOUT_TRANSITIONS,
    REFUND_TRANSITIONS,
    AttemptStatus,
    PayoutStatus,
    RefundStatus,
    transition_to,
)

DUPLICATE_REASON = "duplicate"


@dataclass(frozen=True, slots=True)
class Refund:
    """A refund has one provider (the payment's) and one key (its id): it never fails over."""

    id: str
    merchant_id: str
    payment_id: str
    amount: Money
    status: RefundStatus
    attempt_status: AttemptStatus
    provider: str
    charge_reference: str
    created_at: dt.datetime
    updated_at: dt.datetime
    provider_reference: str | None = None
    error_code: str | None = None
    provider_code: str | None = None
    evidence: str | None = None
    reason: str | None = None

    @property
    def is_duplicate_refund(self) -> bool:
        """Refunds a charge that never reached the merchant's balance (a duplicate or late
        success), so it moves no merchant money."""
        return self.reason == DUPLICATE_REASON

    metadata: dict[str, str] = field(default_factory=dict)

    def with_attempt(self, target: AttemptStatus, *, now: dt.datetime, **changes: Any) -> Refund:
        return replace(
            self,
            attempt_status=transition_to(self.attempt_status, target, ATTEMPT_TRANSITIONS),
            updated_at=now,
            **changes,
        )

    def transition_to(self, target: RefundStatus, *, now: dt.datetime) -> Refund:
        return replace(
            self, status=transition_to(self.status, target, REFUND_TRANSITIONS), updated_at=now
        )


@dataclass(frozen=True, slots=True)
class Payout:
    id: str
    merchant_id: str
    amount: Money
    status: PayoutStatus
    provider: str
    destination_type: str
    destination_masked: str
    destination_sealed: str
    created_at: dt.datetime
    updated_at: dt.datetime
    attempt_status: AttemptStatus | None = None  # None until sent
    provider_reference: str | None = None
    error_code: str | None = None
    provider_code: str | None = None
    evidence: str | None = None
    description: str | None = None

    def transition_to(self, target: PayoutStatus, *, now: dt.datetime, **changes: Any) -> Payout:
        return replace(
            self,
            status=transition_to(self.status, target, PAYOUT_TRANSITIONS),
            updated_at=now,
            **changes,
        )

    def with_attempt(self, target: AttemptStatus, *, now: dt.datetime, **changes: Any) -> Payout:
        current = self.attempt_status
        status = target if current is None else transition_to(current, target, ATTEMPT_TRANSITIONS)
        assert current is not None or target is AttemptStatus.PENDING, (current, target)
        return replace(self, attempt_status=status, updated_at=now, **changes)
