"""`/v1/events` and `/v1/webhook_endpoints` (outbound webhooks, Standard Webhooks)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from ledgerline.api.dependencies import deps_of, principal
from ledgerline.api.idempotent import run_idempotent
from ledgerline.api.schemas import Empty, WebhookEndpointCreate, WebhookEndpointUpdate
from ledgerline.services import deliveries, webhook_endpoints
from ledgerline.services.deps import Deps
from ledgerline.services.merchants import Principal

router = APIRouter(prefix="/v1")
Who = Annotated[Principal, Depends(principal)]
Wired = Annotated[Deps, Depends(deps_of)]


def _moment(seconds: int | None) -> dt.datetime | None:
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, dt.UTC)


@router.get("/events", summary="Events, newest first")
def list_events(
    who: Who,
    deps: Wired,
    type: str | None = None,
    created_gte: Annotated[int | None, Query(alias="created[gte]", ge=0)] = None,
    created_lt: Annotated[int | None, Query(alias="created[lt]", ge=0)] = None,
    starting_after: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    who.require("payments:read")
    return deliveries.list_events(
        deps,
        merchant_id=who.merchant_id,
        type=type,
        created_gte=_moment(created_gte),
        created_lt=_moment(created_lt),
        starting_after=starting_after,
        limit=limit,
    )


@router.get("/events/{event_id}", summary="Retrieve an event")
def get_event(event_id: str, who: Who, deps: Wired) -> dict[str, Any]:
    who.require("payments:read")
    return deliveries.get_event(deps, merchant_id=who.merchant_id, event_id=event_id)


@router.post(
    "/events/{event_id}/redeliver", summary="Deliver an event again to every subscribed endpoint"
)
def redeliver(event_id: str, who: Who, deps: Wired) -> dict[str, Any]:
    who.require("payments:write")
    return deliveries.redeliver(deps, merchant_id=who.merchant_id, event_id=event_id)


@router.post("/webhook_endpoints", summary="Add an endpoint; its signing secret is shown once")
def create_endpoint(
    body: WebhookEndpointCreate, request: Request, who: Who, deps: Wired
) -> Response:
    who.require("payments:write")
    return run_idempotent(
        request,
        deps,
        who,
        body.model_dump(mode="json"),
        lambda _key: (
            200,
            webhook_endpoints.create_endpoint(
                deps,
                merchant_id=who.merchant_id,
                url=body.url,
                enabled_events=body.enabled_events,
                description=body.description,
            ),
        ),
    )


@router.get("/webhook_endpoints", summary="List endpoints")
def list_endpoints(who: Who, deps: Wired) -> dict[str, Any]:
    who.require("payments:read")
    return webhook_endpoints.list_endpoints(deps, merchant_id=who.merchant_id)


@router.patch(
    "/webhook_endpoints/{endpoint_id}", summary="Change an endpoint, or enable / disable it"
)
def update_endpoint(
    endpoint_id: str, body: WebhookEndpointUpdate, who: Who, deps: Wired
) -> dict[str, Any]:
    who.require("payments:write")
    return webhook_endpoints.update_endpoint(
        deps,
        merchant_id=who.merchant_id,
        endpoint_id=endpoint_id,
        url=body.url,
        enabled_events=body.enabled_events,
        description=body.description,
        enabled=body.enabled,
    )


@router.delete("/webhook_endpoints/{endpoint_id}", summary="Delete an endpoint")
def delete_endpoint(endpoint_id: str, who: Who, deps: Wired) -> dict[str, Any]:
    who.require("payments:write")
    return webhook_endpoints.delete_endpoint(
        deps, merchant_id=who.merchant_id, endpoint_id=endpoint_id
    )


@router.post(
    "/webhook_endpoints/{endpoint_id}/rotate_secret",
    summary="A new secret; the old one keeps signing for 24 hours",
)
def rotate_secret(
    endpoint_id: str, request: Request, who: Who, deps: Wired, body: Empty | None = None
) -> Response:
    who.require("payments:write")
    return run_idempotent(
        request,
        deps,
        who,
        {},
        lambda _key: (
            200,
            webhook_endpoints.rotate_secret(
                deps, merchant_id=who.merchant_id, endpoint_id=endpoint_id
            ),
        ),
    )


@router.get(
    "/webhook_endpoints/{endpoint_id}/deliveries", summary="Every delivery attempt, newest first"
)
def list_deliveries(
    endpoint_id: str,
    who: Who,
    deps: Wired,
    starting_after: int | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    who.require("payments:read")
    return deliveries.list_deliveries(
        deps,
        merchant_id=who.merchant_id,
        endpoint_id=endpoint_id,
        starting_after=starting_after,
        limit=limit,
    )
