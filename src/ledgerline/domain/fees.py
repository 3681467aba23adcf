"""Merchant pricing: a percentage in basis points plus a fixed amount, in integer minor units.

Rounding rule: the percentage part is rounded half up to the currency's minor unit (1.5 cents
becomes 2), then the fixed part is added. The fee never exceeds the amount: a fee that would
is capped at amount − 1, so a payment always leaves its merchant something to refund.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledgerline.domain.money import Money

BPS_MAX = 10_000  # 100%


@dataclass(frozen=True, slots=True)
class PricingRule:
    id: str
    bps: int
    fixed: Money | None = None  # currency-specific; None means no fixed part
    provider: str | None = None
    method_prefix: str | None = None

    def __post_init__(self) -> None:
        assert 0 <= self.bps <= BPS_MAX, self.bps

    def matches(self, *, provider: str, payment_method: str, currency: str) -> bool:
        return (
            (self.provider is None or self.provider == provider)
            and (self.method_prefix is None or payment_method.startswith(self.method_prefix))
            and (self.fixed is None or self.fixed.currency == currency)
        )

    def specificity(self) -> int:
        return (
            (self.provider is not None) * 2
            + (self.method_prefix is not None)
            + (self.fixed is not None)
        )


def fee_for(
    rules: list[PricingRule], *, amount: Money, provider: str, payment_method: str
) -> Money:
    """The fee of the most specific matching rule; zero when none matches."""
    matching = [
        r
        for r in rules
        if r.matches(provider=provider, payment_method=payment_method, currency=amount.currency)
    ]
    if not matching:
        return Money(amount_minor=0, currency=amount.currency)
    rule = max(matching, key=lambda r: (r.specificity(), r.id))
    percent = (amount.amount_minor * rule.bps + BPS_MAX // 2) // BPS_MAX  # half up, exact
    fixed = rule.fixed.amount_minor if rule.fixed else 0
    return Money(
        amount_minor=min(percent + fixed, amount.amount_minor - 1), currency=amount.currency
    )
