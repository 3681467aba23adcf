"""The public shape of objects, shared by the API and the outbox events."""

from __future__ import annotations

from typing import Any

from ledgerline.domain.errors import spec_for
from ledgerline.domain.movements import Payout, Refund
from ledgerline.domain.payments import Attempt, Payment


def _error(code: str | None) -> dict[str, Any] | None:
    if code is None:
        return None
    spec = spec_for(code)
    return {
        "code": code,
        "type": spec.type.value,
        "message": spec.message,
        "message_zh": spec.message_zh,
        "retryable": spec.retryable,
        "payer_guidance": spec.payer_guidance,
        "payer_guidance_zh": spec.payer_guidance_zh,
    }


def attempt_view(attempt: Attempt) -> dict[str, Any]:
    return {
        "id": attempt.id,
        "object": "payment_attempt",
        "provider": attempt.provider,
        "status": attempt.status.value,
        "provider_reference": attempt.provider_reference,
        "error": _error(attempt.error_code),
        "provider_code": attempt.provider_code,
        "evidence": attempt.evidence,
        "created": int(attempt.created_at.timestamp()),
    }


def payment_view(payment: Payment, attempts: list[Attempt]) -> dict[str, Any]:
    return {
        "id": payment.id,
        "object": "payment",
        "amount": payment.amount.amount_minor,
        "currency": payment.amount.currency.lower(),
        "fee": payment.fee.amount_minor if payment.fee else None,
        "net": (payment.amount - payment.fee).amount_minor if payment.fee else None,
        "status": payment.status.value,
        "payment_method": payment.payment_method,
        "description": payment.description,
        "customer": {"id": payment.customer_id, "email": payment.customer_email}
        if payment.customer_id or payment.customer_email
        else None,
        "attempts": [attempt_view(a) for a in attempts],
        "last_error": _error(payment.last_error_code),
        "metadata": payment.metadata,
        # The payer's status page: share this link with the payer, never the secret key.
        "status_url": f"/pay/{payment.id}?token={payment.public_token}",
        "created": int(payment.created_at.timestamp()),
        "updated": int(payment.updated_at.timestamp()),
    }


def refund_view(refund: Refund) -> dict[str, Any]:
    return {
        "id": refund.id,
        "object": "refund",
        "payment": refund.payment_id,
        "amount": refund.amount.amount_minor,
        "currency": refund.amount.currency.lower(),
        "status": refund.status.value,
        "outcome": refund.attempt_status.value,
        "provider": refund.provider,
        "provider_reference": refund.provider_reference,
        "reason": refund.reason,
        "error": _error(refund.error_code),
        "metadata": refund.metadata,
        "created": int(refund.created_at.timestamp()),
    }


def payout_view(payout: Payout) -> dict[str, Any]:
    return {
        "id": payout.id,
        "object": "payout",
        "amount": payout.amount.amount_minor,
        "currency": payout.amount.currency.lower(),
        "status": payout.status.value,
        "outcome": payout.attempt_status.value if payout.attempt_status else None,
        "destination": {"type": payout.destination_type, "account": payout.destination_masked},
        "provider": payout.provider,
        "provider_reference": payout.provider_reference,
        "description": payout.description,
        "error": _error(payout.error_code),
        "created": int(payout.created_at.timestamp()),
        "updated": int(payout.updated_at.timestamp()),
    }
