"""Per-merchant pricing rules (set by the platform operator, not by the merchant)."""

from __future__ import annotations

from typing import Any

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.fees import BPS_MAX, PricingRule
from ledgerline.domain.money import Money
from ledgerline.services.deps import Deps


def set_pricing(
    deps: Deps,
    *,
    merchant_id: str,
    bps: int,
    fixed_minor: int | None,
    currency: str | None,
    provider: str | None,
    method_prefix: str | None,
) -> dict[str, Any]:
    if not 0 <= bps <= BPS_MAX:
        raise LedgerlineError("parameter_invalid", param="bps", detail=f"0 to {BPS_MAX}")
    if (fixed_minor is None) != (currency is None):
        raise LedgerlineError(
            "parameter_invalid",
            param="fixed",
            detail="a fixed fee needs its currency, and only then",
        )
    fixed = None
    if fixed_minor is not None and currency is not None:
        if fixed_minor < 0:
            raise LedgerlineError(
                "parameter_invalid", param="fixed", detail="a fee is never negative"
            )
        fixed = (
            Money.of(fixed_minor, currency, param="fixed")
            if fixed_minor
            else Money.from_decimal("0", currency)
        )
    if provider is not None and provider not in deps.providers.names():
        raise LedgerlineError(
            "parameter_invalid", param="provider", detail=f"unknown provider {provider!r}"
        )
    now = deps.clock.now()
    rule = PricingRule(
        id=deps.ids.new("price", now=now),
        bps=bps,
        fixed=fixed,
        provider=provider,
        method_prefix=method_prefix,
    )
    with deps.uow() as uow:
        if not uow.merchants.exists(merchant_id):
            raise LedgerlineError("merchant_not_found", param="merchant_id", detail=merchant_id)
        uow.pricing.add(rule, merchant_id=merchant_id, now=now)
        uow.commit()
    return {
        "id": rule.id,
        "merchant_id": merchant_id,
        "bps": bps,
        "fixed": fixed_minor,
        "currency": currency,
        "provider": provider,
        "method_prefix": method_prefix,
    }
