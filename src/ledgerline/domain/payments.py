"""Payments and their provider attempts, as plain records with guarded status changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from ledgerline.domain.money import Money
from ledgerline.domain.states import (
    ATTEMPT_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    AttemptStatus,
    PaymentStatus,
    transition_to,
)

# Test and wallet payment methods look like `pm_card_visa`; a bounded id keeps rows small.
PAYMENT_METHOD_LENGTH_MAX = 64
DESCRIPTION_LENGTH_MAX = 1000
METADATA_KEYS_MAX = 50  # like Stripe: enough for references, too few to be a document store
METADATA_VALUE_LENGTH_MAX = 500


@dataclass(frozen=True, slots=True)
class Payment:
    id: str
    merchant_id: str
    amount: Money
    status: PaymentStatus
    payment_method: str
    created_at: dt.datetime
    updated_at: dt.datetime
    description: str | None = None
    customer_id: str | None = None
    customer_email: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    last_error_code: str | None = None
    public_token: str = ""
    route: tuple[str, ...] = ()  # providers in the order attempts try them, fixed at confirmation
    fee: Money | None = None  # our fee, fixed when the payment succeeds

    def transition_to(
        self, target: PaymentStatus, *, now: dt.datetime, error_code: str | None = None
    ) -> Payment:
        """This payment in `target` status; raises `transition_invalid` if the table forbids it."""
        status = transition_to(self.status, target, PAYMENT_TRANSITIONS)
        return replace(
            self, status=status, updated_at=now, last_error_code=error_code or self.last_error_code
        )


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try of one payment at one provider. Its id is the provider's idempotency key."""

    id: str
    payment_id: str
    merchant_id: str
    seq: int
    provider: str
    status: AttemptStatus
    created_at: dt.datetime
    updated_at: dt.datetime
    provider_reference: str | None = None
    error_code: str | None = None
    provider_code: str | None = None
    evidence: str | None = None  # what settled the outcome: response, inquiry, webhook, ...

    def transition_to(self, target: AttemptStatus, *, now: dt.datetime, **changes: Any) -> Attempt:
        status = transition_to(self.status, target, ATTEMPT_TRANSITIONS)
        return replace(self, status=status, updated_at=now, **changes)
