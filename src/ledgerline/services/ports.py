"""Ports: the small protocols services depend on and adapters implement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Protocol

from ledgerline.domain.outcomes import ChargeOutcome, InquiryOutcome
from ledgerline.domain.provider_calls import (
    ChargeRequest,
    OperationKind,
    PayoutRequest,
    ProviderEvent,
    ProviderReply,
    RefundRequest,
)


class Connector(Protocol):
    """One payment provider. Every method bounds its own time and never raises for a provider
    failure: failures are outcomes. `Unknown` whenever the provider may have acted."""

    name: str

    def charge(self, request: ChargeRequest) -> ProviderReply[ChargeOutcome]: ...

    def refund(self, request: RefundRequest) -> ProviderReply[ChargeOutcome]: ...

    def payout(self, request: PayoutRequest) -> ProviderReply[ChargeOutcome]: ...

    def inquire(self, *, operation: OperationKind, idempotency_key: str) -> ProviderReply[InquiryOutcome]:
        """Ask what became of the request sent with `idempotency_key`. `NotFound` only when the
        provider certifies it has not acted and never will on that key."""
        ...

    def parse_webhook(
        self, *, headers: Mapping[str, str], body: bytes, now: dt.datetime
    ) -> ProviderEvent:
        """Verify the signature and freshness, then parse. Raises `WebhookRejected`."""
        ...

    def settlement_export(self, *, day: dt.date) -> bytes:
        """The provider's settlement file for `day`, as the provider publishes it."""
        ...


class WebhookRejected(Exception):
    """An inbound webhook failed verification; `reason` is a stable word."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class ConnectorRegistry(Protocol):
    def get(self, name: str) -> Connector: ...

    def names(self) -> list[str]: ...
