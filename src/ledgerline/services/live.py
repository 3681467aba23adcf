"""Live status: a payment's events as they happen, for the SSE stream and the payer page."""

from __future__ import annotations

import hmac
from typing import Any

from ledgerline.domain.errors import LedgerlineError, spec_for
from ledgerline.domain.payments import Payment
from ledgerline.domain.states import PAYMENT_TERMINAL
from ledgerline.services.deps import Deps


def payment_for_payer(deps: Deps, *, payment_id: str, token: str) -> Payment:
    """The payment behind a public link; a wrong token looks exactly like a missing payment."""
    with deps.uow(read_only=True) as uow:
        payment = uow.payments.get(payment_id)
    if payment is None or not token or not hmac.compare_digest(payment.public_token, token):
        raise LedgerlineError("resource_missing", param="id", detail=f"no payment {payment_id}")
    return payment


def events_since(
    deps: Deps, *, payment_id: str, after_seq: int
) -> tuple[list[dict[str, Any]], bool]:
    """Events of the payment newer than `after_seq`, and whether the payment has ended."""
    with deps.uow(read_only=True) as uow:
        rows = [r for r in uow.events.for_object(payment_id) if r["seq"] > after_seq]
        payment = uow.payments.get(payment_id)
    return rows, payment is None or payment.status in PAYMENT_TERMINAL


def payer_view(payment: Payment, *, chinese: bool) -> dict[str, str]:
    """What a payer may see: status, amount and, on failure, what to do next. No merchant data."""
    words = {
        "succeeded": ("Payment succeeded", "支付成功"),
        "failed": ("Payment failed", "支付失败"),
        "processing": ("Confirming your payment…", "正在确认您的支付…"),
        "requires_confirmation": ("Waiting for confirmation", "等待确认"),
        "canceled": ("Payment canceled", "支付已取消"),
    }
    english, zh = words[payment.status.value]
    guidance = ""
    if payment.last_error_code and payment.status.value == "failed":
        spec = spec_for(payment.last_error_code)
        guidance = spec.payer_guidance_zh if chinese else spec.payer_guidance
    elif payment.status.value == "processing":
        spec = spec_for("outcome_unknown")
        guidance = spec.payer_guidance_zh if chinese else spec.payer_guidance
    return {
        "status": payment.status.value,
        "headline": zh if chinese else english,
        "guidance": guidance,
        "amount": str(payment.amount),
    }
