"""`/v1/reconciliation/runs`: upload a statement, read the run and its items."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile

from ledgerline.api.dependencies import deps_of, principal
from ledgerline.services import reconciliation
from ledgerline.services.deps import Deps
from ledgerline.services.merchants import Principal

router = APIRouter(prefix="/v1/reconciliation")
Who = Annotated[Principal, Depends(principal)]
Wired = Annotated[Deps, Depends(deps_of)]
UPLOAD_BYTES_MAX = 256 * 1024 * 1024  # bigger statements go through the CLI


@router.post("/runs", summary="Reconcile an uploaded statement (multipart: file, provider, format)")
def create_run(
    who: Who,
    deps: Wired,
    file: Annotated[UploadFile, File()],
    provider: Annotated[str, Form()],
    format: Annotated[str, Form()],
) -> dict[str, Any]:
    who.require("reconciliation:write")
    data = file.file.read(UPLOAD_BYTES_MAX + 1)
    if len(data) > UPLOAD_BYTES_MAX:
        from ledgerline.domain.errors import LedgerlineError

        raise LedgerlineError(
            "body_too_large", param="file", detail=f"at most {UPLOAD_BYTES_MAX} bytes"
        )
    return reconciliation.run_file(
        deps, provider=provider, format_name=format, name=file.filename or "upload", data=data
    )


@router.get("/runs/{run_id}", summary="A reconciliation run and its summary")
def get_run(run_id: str, who: Who, deps: Wired) -> dict[str, Any]:
    who.require("reconciliation:read")
    return reconciliation.get_run(deps, run_id=run_id)


@router.get("/runs/{run_id}/items", summary="The run's items, filtered by class")
def list_items(
    run_id: str,
    who: Who,
    deps: Wired,
    klass: Annotated[str | None, Query(alias="class")] = None,
    starting_after: int | None = None,
    limit: Annotated[int, Query(ge=1, le=reconciliation.ITEMS_LIMIT_MAX)] = 10,
) -> dict[str, Any]:
    who.require("reconciliation:read")
    return reconciliation.list_items(
        deps, run_id=run_id, klass=klass, starting_after=starting_after, limit=limit
    )
