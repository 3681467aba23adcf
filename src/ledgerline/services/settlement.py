"""Settlement: the provider paid a captured payment into our bank account.

Moves the gross from provider clearing to cash and the merchant's net from pending to
available, exactly once per payment (the ledger's unique source key enforces it). Called by
reconciliation when a settlement line matches, or by an operator with evidence.
"""

from __future__ import annotations

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.ledger import EntryKind, payment_settled_entry
from ledgerline.domain.money import Money
from ledgerline.domain.states import AttemptStatus, PaymentStatus
from ledgerline.services.deps import Deps


def settle_payment(deps: Deps, *, payment_id: str, evidence: str) -> bool:
    """Post the settlement of a succeeded payment. False when it was already settled."""
    now = deps.clock.now()
    with deps.uow() as uow:
        payment = uow.payments.get(payment_id, for_update=True)
        if payment is None:
            raise LedgerlineError(
                "resource_missing", param="payment", detail=f"no payment {payment_id}"
            )
        if payment.status is not PaymentStatus.SUCCEEDED:
            raise LedgerlineError(
                "payment_state_invalid",
                param="payment",
                detail=f"only a succeeded payment settles; this one is {payment.status.value}",
            )
        if uow.ledger.has_entry(kind=EntryKind.PAYMENT_SETTLED.value, source_id=payment.id):
            return False
        charge = next(
            a for a in uow.attempts.for_payment(payment.id) if a.status is AttemptStatus.SUCCEEDED
        )
        fee = payment.fee or Money(amount_minor=0, currency=payment.amount.currency)
        entry = payment_settled_entry(
            entry_id=deps.ids.new("je", now=now),
            payment_id=payment.id,
            merchant_id=payment.merchant_id,
            provider=charge.provider,
            amount=payment.amount,
            net=payment.amount - fee,
        )
        uow.ledger.post(entry, now=now)
        uow.timeline.add(
            payment_id=payment.id,
            at=now,
            kind="settled",
            summary=f"settled by {charge.provider} ({evidence}): {payment.amount - fee} now available",
            data={"entry_id": entry.id, "evidence": evidence},
        )
        uow.commit()
    return True
