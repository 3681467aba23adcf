"""Provider-facing and provider-health endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from ledgerline.api.dependencies import deps_of, principal
from ledgerline.services import provider_status, webhooks
from ledgerline.services.deps import Deps
from ledgerline.services.merchants import Principal

router = APIRouter(prefix="/v1")
Wired = Annotated[Deps, Depends(deps_of)]


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
