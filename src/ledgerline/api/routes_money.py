"""`/v1/refunds`, `/v1/payouts` and `/v1/balance_transactions`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from ledgerline.api.dependencies import deps_of, principal
from ledgerline.api.idempotent import run_idempotent
from ledgerline.api.schemas import Empty, PayoutCreate, RefundCreate
from ledgerline.domain.money import Money
from ledgerline.domain.states import PayoutStatus
from ledgerline.services import balance_transactions, payouts, refunds
from ledgerline.services.deps import Deps
from ledgerline.services.merchants import Principal

router = APIRouter(prefix="/v1")
Who = Annotated[Principal, Depends(principal)]
Wired = Annotated[Deps, Depends(deps_of)]
Limit = Annotated[int, Query(ge=1, le=100)]


@router.post("/refunds", summary="Refund a succeeded payment, fully or in part")
def create_refund(body: RefundCreate, request: Request, who: Who, deps: Wired) -> Response:
    who.require("payments:write")
    return run_idempotent(
        request,
        deps,
        who,
        body.model_dump(mode="json"),
        lambda key: (
            200,
            refunds.create_refund(
                deps,
                merchant_id=who.merchant_id,
                payment_id=body.payment,
                amount_minor=body.amount,
                reason=body.reason,
                metadata=body.metadata,
                idempotency_key=key,
            ),
        ),
    )


@router.get("/refunds/{refund_id}", summary="Retrieve a refund")
def get_refund(refund_id: str, who: Who, deps: Wired) -> dict[str, Any]:
    who.require("payments:read")
    return refunds.get_refund(deps, merchant_id=who.merchant_id, refund_id=refund_id)


@router.get("/refunds", summary="List refunds, newest first")
def list_refunds(
    who: Who,
    deps: Wired,
    limit: Limit = 10,
    starting_after: str | None = None,
    payment: str | None = None,
) -> dict[str, Any]:
    who.require("payments:read")
    return refunds.list_refunds(
        deps,
        merchant_id=who.merchant_id,
        limit=limit,
        starting_after=starting_after,
        payment_id=payment,
    )


@router.post("/payouts", summary="Pay out available balance to a bank account")
def create_payout(body: PayoutCreate, request: Request, who: Who, deps: Wired) -> Response:
    who.require("payouts:write")
    return run_idempotent(
        request,
        deps,
        who,
        body.model_dump(mode="json"),
        lambda key: (
            200,
            payouts.create_payout(
                deps,
                merchant_id=who.merchant_id,
                amount=Money.of(body.amount, body.currency),
                destination=body.destination,
                description=body.description,
                idempotency_key=key,
            ),
        ),
    )


@router.get("/payouts/{payout_id}", summary="Retrieve a payout")
def get_payout(payout_id: str, who: Who, deps: Wired) -> dict[str, Any]:
    who.require("payouts:read")
    return payouts.get_payout(deps, merchant_id=who.merchant_id, payout_id=payout_id)


@router.get("/payouts", summary="List payouts, newest first")
def list_payouts(
    who: Who,
    deps: Wired,
    limit: Limit = 10,
    starting_after: str | None = None,
    status: PayoutStatus | None = None,
) -> dict[str, Any]:
    who.require("payouts:read")
    return payouts.list_payouts(
        deps, merchant_id=who.merchant_id, limit=limit, starting_after=starting_after, status=status
    )


@router.post("/payouts/{payout_id}/cancel", summary="Cancel a payout that has not been sent")
def cancel_payout(
    payout_id: str, request: Request, who: Who, deps: Wired, body: Empty | None = None
) -> Response:
    who.require("payouts:write")
    return run_idempotent(
        request,
        deps,
        who,
        {},
        lambda _key: (
            200,
            payouts.cancel_payout(deps, merchant_id=who.merchant_id, payout_id=payout_id),
        ),
    )


@router.get("/balance_transactions", summary="Every ledger movement of your balances, newest first")
def list_balance_transactions(
    who: Who, deps: Wired, limit: Limit = 10, starting_after: str | None = None
) -> dict[str, Any]:
    who.require("balance:read")
    return balance_transactions.list_movements(
        deps, merchant_id=who.merchant_id, limit=limit, starting_after=starting_after
    )
