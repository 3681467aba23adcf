"""`/v1/exceptions`: what needs a person, and the note that resolves it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from ledgerline.api.dependencies import deps_of, principal
from ledgerline.api.idempotent import run_idempotent
from ledgerline.api.schemas import ExceptionResolve
from ledgerline.services import exceptions
from ledgerline.services.deps import Deps
from ledgerline.services.merchants import Principal

router = APIRouter(prefix="/v1")
Who = Annotated[Principal, Depends(principal)]
Wired = Annotated[Deps, Depends(deps_of)]


@router.get("/exceptions", summary="List exceptions, newest first")
def list_exceptions(
    who: Who,
    deps: Wired,
    kind: str | None = None,
    status: Annotated[str | None, Query(pattern="^(open|resolved)$")] = "open",
    min_age_s: Annotated[
        float | None, Query(ge=0, description="Only exceptions open at least this long")
    ] = None,
    starting_after: str | None = None,
    limit: Annotated[int, Query(ge=1, le=exceptions.LIST_LIMIT_MAX)] = 10,
) -> dict[str, Any]:
    who.require("exceptions:read")
    return exceptions.list_exceptions(
        deps,
        merchant_id=who.merchant_id,
        status=status,
        kind=kind,
        min_age_s=min_age_s,
        starting_after=starting_after,
        limit=limit,
    )


@router.post(
    "/exceptions/{exception_id}/resolve", summary="Resolve an exception with a note saying why"
)
def resolve_exception(
    exception_id: str, body: ExceptionResolve, request: Request, who: Who, deps: Wired
) -> Response:
    who.require("exceptions:write")
    return run_idempotent(
        request,
        deps,
        who,
        body.model_dump(mode="json"),
        lambda _key: (
            200,
            exceptions.resolve(
                deps,
                merchant_id=who.merchant_id,
                exception_id=exception_id,
                note=body.note,
                by=f"api:{who.merchant_id}",
            ),
        ),
    )
