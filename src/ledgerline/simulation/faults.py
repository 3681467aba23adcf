"""Faults injected between the engine and a real provider, decided by one seeded generator.

`FaultyConnector` wraps a real connector (the simulator over HTTP). Before or after the real
call it may lose the request or the response, answer 5xx, refuse the connection, or crash the
"process" at a step boundary. Requests are sequential, so a seed replays exactly.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from ledgerline.domain.outcomes import ChargeOutcome, InquiryOutcome, Retryable, Unknown
from ledgerline.domain.provider_calls import (
    ChargeRequest,
    OperationKind,
    PayoutRequest,
    ProviderEvent,
    ProviderReply,
    RefundRequest,
)
from ledgerline.services.ports import Connector


class SimulatedCrash(BaseException):
    """The process dies here. BaseException, so no `except Exception` can swallow it."""


@dataclass(frozen=True, slots=True)
class FaultRates:
    refused: float = 0.03  # connection refused: never sent
    timeout_before: float = 0.03  # request lost on the way: not executed, outcome unknown to us
    timeout_after: float = 0.05  # executed, response lost
    error_5xx_after: float = 0.03  # executed, ambiguous 5xx
    inquiry_timeout: float = 0.1
    crash_before_call: float = 0.03  # after the intent was committed, before the provider call
    crash_after_call: float = 0.03  # after the provider acted, before its result was committed


@dataclass
class FaultPlan:
    rng: random.Random
    rates: FaultRates
    enabled: bool = True
    injected: Counter[str] = field(default_factory=Counter)
    trace: list[str] = field(default_factory=list)

    def draw(self, name: str, rate: float) -> bool:
        hit = self.enabled and self.rng.random() < rate
        if hit:
            self.injected[name] += 1
        return hit


class FaultyConnector:
    def __init__(self, inner: Connector, plan: FaultPlan) -> None:
        self.inner = inner
        self.name = inner.name
        self.plan = plan

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()

    def _reply(self, outcome: ChargeOutcome, what: str) -> ProviderReply[ChargeOutcome]:
        self.plan.trace.append(f"  {self.name}: {what}")
        return ProviderReply(
            outcome=outcome, http_status=None, latency_ms=0, summary=f"{self.name}: injected {what}"
        )

    def charge(self, request: ChargeRequest) -> ProviderReply[ChargeOutcome]:
        plan, rates = self.plan, self.plan.rates
        if plan.draw("crash_before_call", rates.crash_before_call):
            plan.trace.append(f"  crash before charging {request.idempotency_key}")
            raise SimulatedCrash("before provider call")
        if plan.draw("refused", rates.refused):
            return self._reply(Retryable("connection refused"), "connection refused")
        if plan.draw("timeout_before", rates.timeout_before):
            return self._reply(Unknown("read timeout"), "request lost before the provider")
        reply = self.inner.charge(request)
        plan.trace.append(f"  {reply.summary}")
        if plan.draw("crash_after_call", rates.crash_after_call):
            plan.trace.append(f"  crash after charging {request.idempotency_key}")
            raise SimulatedCrash("after provider call")
        if plan.draw("timeout_after", rates.timeout_after):
            return self._reply(Unknown("read timeout"), "response lost after the provider acted")
        if plan.draw("error_5xx_after", rates.error_5xx_after):
            return self._reply(Unknown("http 502"), "502 after the provider acted")
        return reply

    def inquire(
        self, *, operation: OperationKind, idempotency_key: str
    ) -> ProviderReply[InquiryOutcome]:
        if self.plan.draw("inquiry_timeout", self.plan.rates.inquiry_timeout):
            self.plan.trace.append(f"  {self.name}: inquiry for {idempotency_key} timed out")
            return ProviderReply(
                outcome=Unknown("read timeout"),
                http_status=None,
                latency_ms=0,
                summary="inquiry timeout",
            )
        reply = self.inner.inquire(operation=operation, idempotency_key=idempotency_key)
        self.plan.trace.append(f"  {reply.summary}")
        return reply

    def refund(self, request: RefundRequest) -> ProviderReply[ChargeOutcome]:
        return self.inner.refund(request)

    def payout(self, request: PayoutRequest) -> ProviderReply[ChargeOutcome]:
        return self.inner.payout(request)

    def parse_webhook(
        self, *, headers: Mapping[str, str], body: bytes, now: dt.datetime
    ) -> ProviderEvent:
        return self.inner.parse_webhook(headers=headers, body=body, now=now)

    def settlement_export(self, *, day: dt.date) -> bytes:
        return self.inner.settlement_export(day=day)
