"""The simulator's HTTP API. See the package docstring and settlement.py for formats."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from ledgerline.simulator import settlement
from ledgerline.simulator.faults import PROVIDERS, Dice, Profile, ProviderFaults, named_profile
from ledgerline.simulator.ledger import Fenced, Mismatch, SimLedger
from ledgerline.simulator.webhooks import WebhookSender

DECLINES = {
    "pm_card_declined": "card_declined",
    "pm_card_insufficient_funds": "insufficient_funds",
    "pm_card_expired": "expired_card",
}
METHODS = {"pm_card_visa", "pm_card_lost_response", "pm_card_provider_down", *DECLINES}
KINDS = {"charges": "charge", "refunds": "refund", "payouts": "payout"}


@dataclass
class SimConfig:
    profile: Profile = field(default_factory=lambda: named_profile("calm"))
    seed: int = 1
    db_path: str = ":memory:"
    webhook_url: str | None = None
    webhook_secrets: dict[str, str] = field(default_factory=dict)
    hang_s: float = 30.0  # "no answer": longer than any sane client timeout


class ChargeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount_minor: int = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)
    payment_method: str
    reference: str | None = None


class RefundBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    charge_id: str
    amount_minor: int = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)
    reference: str | None = None


class PayoutBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount_minor: int = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)
    reference: str | None = None
    destination: dict[str, str] = Field(default_factory=dict)


def _error(status: int, code: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": code, **extra}}, status_code=status)


class Simulator:
    """State shared by the routes: the record store, the dice, faults and statistics."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.ledger = SimLedger(config.db_path)
        self.dice = Dice(config.seed)
        self.stats: Counter[str] = Counter()
        self.started = time.monotonic()
        self.webhooks = WebhookSender(
            url=config.webhook_url,
            secrets_by_provider=config.webhook_secrets,
            profile=config.profile,
            dice=self.dice,
            stats=self.stats,
        )

    def faults(self, provider: str) -> ProviderFaults:
        return self.config.profile.providers.get(provider, ProviderFaults())

    def in_outage(self, provider: str) -> bool:
        faults = self.faults(provider)
        elapsed = time.monotonic() - self.started
        return faults.outage or any(
            start <= elapsed < end for start, end in faults.outage_windows_s
        )

    async def hang(self, reason: str) -> JSONResponse:
        self.stats[reason] += 1
        await asyncio.sleep(self.config.hang_s)
        return _error(504, "gateway_timeout")

    async def operate(
        self, provider: str, kind: str, key: str | None, request: dict[str, Any], method: str | None
    ) -> JSONResponse:
        if provider not in PROVIDERS:
            return _error(404, "no_such_provider")
        if not key:
            return _error(400, "idempotency_key_required")
        faults = self.faults(provider)
        await asyncio.sleep(self.dice.latency_s(provider, faults))
        if self.in_outage(provider) or self.dice.chance(provider, faults.unavailable_rate):
            self.stats["unavailable"] += 1
            return _error(503, "unavailable", processed=False)
        if self.dice.chance(provider, faults.rate_limit_rate):
            self.stats["rate_limited"] += 1
            return _error(429, "rate_limited", processed=False)
        down = method == "pm_card_provider_down" and provider == "sim_a"
        if down or self.dice.chance(provider, faults.timeout_before_rate):
            return await self.hang("provider_down" if down else "timeout_before_processing")
        try:
            record = self.ledger.execute(
                provider=provider,
                kind=kind,
                key=key,
                request=request,
                decide=lambda: self._decide(provider, kind, request, method),
            )
        except Fenced:
            self.stats["fenced_refusals"] += 1
            return _error(
                409, "key_fenced", detail="an inquiry certified this key as never executed"
            )
        except Mismatch:
            return _error(409, "idempotency_mismatch")
        self.stats[f"{kind}_{record['status']}"] += 1
        self.webhooks.emit(record)
        if method == "pm_card_lost_response" or self.dice.chance(
            provider, faults.timeout_after_rate
        ):
            return await self.hang("response_lost_after_processing")
        if self.dice.chance(provider, faults.error_5xx_rate):
            self.stats["error_5xx_after_processing"] += 1
            return _error(500, "internal_error")
        return JSONResponse(record)

    def _decide(
        self, provider: str, kind: str, request: dict[str, Any], method: str | None
    ) -> tuple[str, str | None]:
        if kind == "charge":
            if method in DECLINES:
                return "declined", DECLINES[method]
            if self.dice.chance(provider, self.faults(provider).decline_rate):
                return "declined", "card_declined"
            return "succeeded", None
        if kind == "refund":
            charge = self.ledger.charge_by_id(provider, request["charge_id"])
            if charge is None or charge["status"] != "succeeded":
                return "failed", "charge_not_found"
            if (
                self.ledger.refunded_minor(provider, request["charge_id"]) + request["amount_minor"]
                > charge["amount_minor"]
            ):
                return "failed", "refund_exceeds_charge"
            return "succeeded", None
        if self.dice.chance(provider, self.faults(provider).decline_rate):
            return "failed", "account_closed"  # the receiving bank refused the transfer
        return "succeeded", None


def create_app(config: SimConfig | None = None) -> FastAPI:
    sim = Simulator(config or SimConfig())
    initial_profile = sim.config.profile

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        sim.webhooks.start()
        yield
        sim.webhooks.stop()

    app = FastAPI(title="Ledgerline provider simulator", lifespan=lifespan)
    app.state.sim = sim

    @app.post("/{provider}/v1/charges")
    async def charge(
        provider: str, body: ChargeBody, idempotency_key: str | None = Header(None)
    ) -> JSONResponse:
        if body.payment_method not in METHODS:
            return _error(400, "payment_method_invalid")
        return await sim.operate(
            provider, "charge", idempotency_key, body.model_dump(), body.payment_method
        )

    @app.post("/{provider}/v1/refunds")
    async def refund(
        provider: str, body: RefundBody, idempotency_key: str | None = Header(None)
    ) -> JSONResponse:
        return await sim.operate(provider, "refund", idempotency_key, body.model_dump(), None)

    @app.post("/{provider}/v1/payouts")
    async def payout(
        provider: str, body: PayoutBody, idempotency_key: str | None = Header(None)
    ) -> JSONResponse:
        return await sim.operate(provider, "payout", idempotency_key, body.model_dump(), None)

    @app.get("/{provider}/v1/{collection}/by-key/{key}")
    async def inquire(provider: str, collection: str, key: str) -> JSONResponse:
        if provider not in PROVIDERS or collection not in KINDS:
            return _error(404, "no_such_resource")
        record = sim.ledger.inquire(provider=provider, kind=KINDS[collection], key=key)
        sim.stats["inquiries"] += 1
        if record is None:
            return _error(404, "not_found", certain=True)
        return JSONResponse(record)

    @app.get("/{provider}/v1/settlements")
    async def settlements(provider: str, date: dt.date) -> PlainTextResponse:
        return PlainTextResponse(
            settlement.export(sim.ledger.records(), provider=provider, day=date),
            media_type="text/csv",
        )

    @app.get("/_admin/records")
    async def records() -> list[dict[str, Any]]:
        return sim.ledger.records()

    @app.get("/_admin/stats")
    async def stats() -> dict[str, Any]:
        return {"profile": sim.config.profile.name, "counts": dict(sim.stats)}

    @app.put("/_admin/faults")
    async def set_faults(request: Request) -> dict[str, Any]:
        changes = await request.json()
        providers = dict(sim.config.profile.providers)
        for name, values in changes.items():
            providers[name] = ProviderFaults.model_validate(values)
        sim.config.profile = Profile(name="custom", providers=providers)
        sim.webhooks.profile = sim.config.profile
        return sim.config.profile.model_dump()

    @app.post("/_admin/reset")
    async def reset() -> dict[str, str]:
        sim.ledger.reset()
        sim.stats.clear()
        sim.config.profile = initial_profile
        sim.webhooks.profile = sim.config.profile
        sim.started = time.monotonic()
        return {"status": "reset"}

    return app
