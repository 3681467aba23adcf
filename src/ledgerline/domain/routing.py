"""Routing: which providers a payment tries, in which order.

A merchant's rules are matched by priority (currency, payment method type, amount range); the
first match gives weighted providers. The weighted draw picks the first provider; the others
follow in the rule's order as failover targets. Randomness is passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledgerline.domain.money import Money


@dataclass(frozen=True, slots=True)
class ProviderWeight:
    name: str
    weight: int

    def __post_init__(self) -> None:
        assert self.weight >= 0, self


@dataclass(frozen=True, slots=True)
class RoutingRule:
    id: str
    priority: int
    providers: tuple[ProviderWeight, ...]
    currency: str | None = None
    method_prefix: str | None = None
    amount_min_minor: int | None = None
    amount_max_minor: int | None = None

    def matches(self, *, amount: Money, payment_method: str) -> bool:
        return (
            (self.currency is None or self.currency == amount.currency)
            and (self.method_prefix is None or payment_method.startswith(self.method_prefix))
            and (self.amount_min_minor is None or amount.amount_minor >= self.amount_min_minor)
            and (self.amount_max_minor is None or amount.amount_minor <= self.amount_max_minor)
        )


def choose_route(
    rules: Sequence[RoutingRule],
    *,
    amount: Money,
    payment_method: str,
    default: Sequence[str],
    draw: float,
) -> tuple[str, ...]:
    """Providers in the order this payment will try them. `draw` is uniform in [0, 1)."""
    assert 0 <= draw < 1, draw
    for rule in sorted(rules, key=lambda r: (r.priority, r.id)):
        if rule.matches(amount=amount, payment_method=payment_method):
            return _weighted_first(rule.providers, draw)
    return tuple(default)


def _weighted_first(providers: Sequence[ProviderWeight], draw: float) -> tuple[str, ...]:
    names = [p.name for p in providers]
    total = sum(p.weight for p in providers)
    if total == 0:
        return tuple(names)
    point, cumulative = draw * total, 0
    for index, provider in enumerate(providers):
        cumulative += provider.weight
        if point < cumulative:
            return (names[index], *names[:index], *names[index + 1 :])
    return tuple(names)  # unreachable with draw < 1; kept total


def next_provider(route: Sequence[str], *, tried: Sequence[str], admitted: set[str]) -> str | None:
    """The provider for the next attempt: the least-tried admitted one, earliest in the route.

    Failover moves down the route; after every provider was tried, it starts over.
    """
    candidates = [p for p in route if p in admitted]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (tried.count(p), route.index(p)))
