"""Requests we send to providers and the replies we record, as plain data.

The provider's idempotency key is always derived from our own id (the attempt id), never the
client's Idempotency-Key: retries of one attempt reach the provider as one request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from ledgerline.domain.money import Money
from ledgerline.domain.outcomes import ChargeOutcome, InquiryOutcome


class OperationKind(StrEnum):
    CHARGE = "charge"
    REFUND = "refund"
    PAYOUT = "payout"


@dataclass(frozen=True, slots=True)
class ChargeRequest:
    idempotency_key: str  # our attempt id
    payment_id: str
    amount: Money
    payment_method: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class RefundRequest:
    idempotency_key: str  # our refund attempt id
    refund_id: str
    charge_reference: str  # provider_reference of the charge being refunded
    amount: Money


@dataclass(frozen=True, slots=True)
class PayoutRequest:
    idempotency_key: str  # our payout attempt id
    payout_id: str
    amount: Money
    destination: dict[str, str]


OutcomeT = TypeVar("OutcomeT", ChargeOutcome, InquiryOutcome)


@dataclass(frozen=True, slots=True)
class ProviderReply(Generic[OutcomeT]):
    """An outcome plus what the timeline needs to explain it later."""

    outcome: OutcomeT
    http_status: int | None  # None when no response arrived
    latency_ms: int
    summary: str  # one line: what was asked and what came back, no secrets


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    """A verified inbound webhook, normalized."""

    event_id: str
    operation: OperationKind
    idempotency_key: str  # the key we sent, which names our attempt
    status: str  # "succeeded" | "failed"
    provider_reference: str | None
    decline_code: str | None
    occurred_at: dt.datetime
