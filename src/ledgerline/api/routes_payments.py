"""`/v1/payments`: create, confirm, cancel, read, list, timeline; and `/v1/balance`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from ledgerline.api import sse
from ledgerline.api.dependencies import deps_of, principal
from ledgerline.api.idempotent import run_idempotent
from ledgerline.api.schemas import Empty, PaymentCreate
from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import Money
from ledgerline.domain.states import PaymentStatus
from ledgerline.services import payments
from ledgerline.services.deps import Deps
from ledgerline.services.merchants import Principal

router = APIRouter(prefix="/v1")
Who = Annotated[Principal, Depends(principal)]
Wired = Annotated[Deps, Depends(deps_of)]


def _money(body: PaymentCreate) -> Money:
    if (body.amount is None) == (body.amount_decimal is None):
        raise LedgerlineError(
            "parameter_missing", param="amount", detail="give exactly one of amount, amount_decimal"
        )
    if body.amount is not None:
        return Money.of(body.amount, body.currency)
    money = Money.from_decimal(body.amount_decimal or "", body.currency, param="amount_decimal")
    return Money.of(money.amount_minor, money.currency, param="amount_decimal")


@router.post("/payments", summary="Create a payment (and confirm it with confirm=true)")
def create_payment(body: PaymentCreate, request: Request, who: Who, deps: Wired) -> Response:
    who.require("payments:write")

    def handler(key: str | None) -> tuple[int, dict[str, Any]]:
        new = payments.NewPayment(
            amount=_money(body),
            payment_method=body.payment_method,
            description=body.description,
            customer_id=body.customer.id if body.customer else None,
            customer_email=body.customer.email if body.customer else None,
            metadata=body.metadata,
            confirm=body.confirm,
        )
        return 200, payments.create_payment(
            deps, merchant_id=who.merchant_id, request=new, idempotency_key=key
        )

    return run_idempotent(request, deps, who, body.model_dump(mode="json"), handler)


@router.post("/payments/{payment_id}/confirm", summary="Confirm a payment: charge it at a provider")
def confirm_payment(
    payment_id: str, request: Request, who: Who, deps: Wired, body: Empty | None = None
) -> Response:
    who.require("payments:write")
    return run_idempotent(
        request,
        deps,
        who,
        {},
        lambda _key: (
            200,
            payments.confirm_payment(deps, merchant_id=who.merchant_id, payment_id=payment_id),
        ),
    )


@router.post("/payments/{payment_id}/cancel", summary="Cancel a payment that is not yet confirmed")
def cancel_payment(
    payment_id: str, request: Request, who: Who, deps: Wired, body: Empty | None = None
) -> Response:
    who.require("payments:write")
    return run_idempotent(
        request,
        deps,
        who,
        {},
        lambda _key: (
            200,
            payments.cancel_payment(deps, merchant_id=who.merchant_id, payment_id=payment_id),
        ),
    )


@router.get("/payments/{payment_id}", summary="Retrieve a payment")
def get_payment(payment_id: str, who: Who, deps: Wired) -> dict[str, Any]:
    who.require("payments:read")
    return payments.get_payment(deps, merchant_id=who.merchant_id, payment_id=payment_id)


@router.get("/payments", summary="List payments, newest first")
def list_payments(
    who: Who,
    deps: Wired,
    limit: Annotated[int, Query(ge=1, le=payments.LIST_LIMIT_MAX)] = 10,
    status: PaymentStatus | None = None,
    starting_after: str | None = None,
    created_gte: Annotated[int | None, Query(alias="created[gte]", ge=0)] = None,
    created_lt: Annotated[int | None, Query(alias="created[lt]", ge=0)] = None,
) -> dict[str, Any]:
    who.require("payments:read")

    def moment(seconds: int | None) -> dt.datetime | None:
        return None if seconds is None else dt.datetime.fromtimestamp(seconds, dt.UTC)

    return payments.list_payments(
        deps,
        merchant_id=who.merchant_id,
        limit=limit,
        status=status,
        created_gte=moment(created_gte),
        created_lt=moment(created_lt),
        starting_after=starting_after,
    )


@router.get(
    "/payments/{payment_id}/timeline", summary="Everything that happened to a payment, in order"
)
def payment_timeline(payment_id: str, who: Who, deps: Wired) -> dict[str, Any]:
    who.require("payments:read")
    return payments.payment_timeline(deps, merchant_id=who.merchant_id, payment_id=payment_id)


@router.get("/balance", summary="Available, pending and reserved balances per currency")
def balance(who: Who, deps: Wired) -> dict[str, Any]:
    who.require("balance:read")
    return payments.balance(deps, merchant_id=who.merchant_id)


@router.get(
    "/payments/{payment_id}/stream", summary="Server-Sent Events: every state change of the payment"
)
def payment_stream(payment_id: str, request: Request, who: Who, deps: Wired) -> StreamingResponse:
    who.require("payments:read")
    payments.get_payment(
        deps, merchant_id=who.merchant_id, payment_id=payment_id
    )  # 404 for others' payments
    last = request.headers.get("last-event-id", "0")
    stream = sse.payment_stream(
        deps, payment_id=payment_id, last_event_id=int(last) if last.isdigit() else 0
    )
    return StreamingResponse(
        stream, media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )
