"""Provider-facing and provider-health endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from ledgerline.api.dependencies import deps_of, principal
from ledgerline.api.idempotent import run_idempotent
from ledgerline.api.schemas import RoutingRuleCreate
from ledgerline.services import provider_status, routing_rules, webhooks
from ledgerline.services.deps import Deps
from ledgerline.services.merchants import Principal

router = APIRouter(prefix="/v1")
Wired = Annotated[Deps, Depends(deps_of)]
Who = Annotated[Principal, Depends(principal)]


@router.post("/providers/{provider}/webhooks", summary="Receive a signed webhook from a provider")
async def receive_webhook(provider: str, request: Request, deps: Wired) -> dict[str, Any]:
    """Authenticated by the provider's signature, not an API key. Stored before anything else."""
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    # The service does blocking database work: keep it off the event loop.
    return await run_in_threadpool(
        webhooks.receive, deps, provider=provider, headers=headers, body=body
    )


@router.get(
    "/providers", summary="Circuit state, success rate, latency and open attempts per provider"
)
def list_providers(who: Annotated[Principal, Depends(principal)], deps: Wired) -> dict[str, Any]:
    who.require("providers:read")
    return provider_status.provider_status(deps)


@router.post("/routing_rules", summary="Add a routing rule: which providers handle which payments")
def create_routing_rule(
    body: RoutingRuleCreate, request: Request, who: Who, deps: Wired
) -> Response:
    who.require("payments:write")
    new = routing_rules.NewRule(
        priority=body.priority,
        providers=[(p.name, p.weight) for p in body.providers],
        currency=body.currency,
        method_prefix=body.method_prefix,
        amount_min_minor=body.amount_min,
        amount_max_minor=body.amount_max,
    )
    return run_idempotent(
        request,
        deps,
        who,
        body.model_dump(mode="json"),
        lambda _key: (200, routing_rules.create_rule(deps, merchant_id=who.merchant_id, new=new)),
    )


@router.get("/routing_rules", summary="List routing rules in matching order")
def list_routing_rules(who: Who, deps: Wired) -> dict[str, Any]:
    who.require("payments:read")
    return routing_rules.list_rules(deps, merchant_id=who.merchant_id)


@router.delete("/routing_rules/{rule_id}", summary="Delete a routing rule")
def delete_routing_rule(rule_id: str, who: Who, deps: Wired) -> dict[str, Any]:
    who.require("payments:write")
    return routing_rules.delete_rule(deps, merchant_id=who.merchant_id, rule_id=rule_id)
