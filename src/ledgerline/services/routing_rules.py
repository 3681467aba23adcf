"""Per-merchant routing rules: which providers, in what weighted order, for which payments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import normalize_currency
from ledgerline.domain.routing import ProviderWeight, RoutingRule
from ledgerline.services.deps import Deps

RULES_PER_MERCHANT_MAX = 100  # rules are matched in order on every confirmation


@dataclass(frozen=True, slots=True)
class NewRule:
    priority: int
    providers: list[tuple[str, int]]
    currency: str | None = None
    method_prefix: str | None = None
    amount_min_minor: int | None = None
    amount_max_minor: int | None = None


def view(rule: RoutingRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "object": "routing_rule",
        "priority": rule.priority,
        "currency": rule.currency and rule.currency.lower(),
        "method_prefix": rule.method_prefix,
        "amount_min": rule.amount_min_minor,
        "amount_max": rule.amount_max_minor,
        "providers": [{"name": p.name, "weight": p.weight} for p in rule.providers],
    }


def create_rule(deps: Deps, *, merchant_id: str, new: NewRule) -> dict[str, Any]:
    known = set(deps.providers.names())
    for name, _weight in new.providers:
        if name not in known:
            raise LedgerlineError(
                "parameter_invalid", param="providers", detail=f"unknown provider {name!r}"
            )
    if (
        new.amount_min_minor is not None
        and new.amount_max_minor is not None
        and new.amount_min_minor > new.amount_max_minor
    ):
        raise LedgerlineError(
            "parameter_invalid", param="amount_min", detail="amount_min is above amount_max"
        )
    now = deps.clock.now()
    rule = RoutingRule(
        id=deps.ids.new("rr", now=now),
        priority=new.priority,
        providers=tuple(ProviderWeight(name, weight) for name, weight in new.providers),
        currency=normalize_currency(new.currency) if new.currency else None,
        method_prefix=new.method_prefix,
        amount_min_minor=new.amount_min_minor,
        amount_max_minor=new.amount_max_minor,
    )
    with deps.uow() as uow:
        if len(uow.routing.for_merchant(merchant_id)) >= RULES_PER_MERCHANT_MAX:
            raise LedgerlineError(
                "parameter_invalid",
                param="priority",
                detail=f"at most {RULES_PER_MERCHANT_MAX} rules",
            )
        uow.routing.add(rule, merchant_id=merchant_id, now=now)
        uow.commit()
    return view(rule)


def list_rules(deps: Deps, *, merchant_id: str) -> dict[str, Any]:
    with deps.uow(read_only=True) as uow:
        rules = uow.routing.for_merchant(merchant_id)
    return {
        "object": "list",
        "url": "/v1/routing_rules",
        "has_more": False,
        "data": [view(r) for r in rules],
    }


def delete_rule(deps: Deps, *, merchant_id: str, rule_id: str) -> dict[str, Any]:
    with deps.uow() as uow:
        if not uow.routing.remove(merchant_id=merchant_id, rule_id=rule_id):
            raise LedgerlineError(
                "resource_missing", param="id", detail=f"no routing rule {rule_id}"
            )
        uow.commit()
    return {"id": rule_id, "object": "routing_rule", "deleted": True}
