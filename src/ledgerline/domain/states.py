"""State machines as tables. A status changes only through `transition_to()`.

Transitions are monotonic: nothing moves backwards, so a late or duplicated webhook can never
undo a result. Anything not in a table is refused with `transition_invalid`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from ledgerline.domain.errors import LedgerlineError


class PaymentStatus(StrEnum):
    REQUIRES_CONFIRMATION = "requires_confirmation"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


class AttemptStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class PayoutStatus(StrEnum):
    PENDING = "pending"  # held, not yet sent: can be canceled
    PROCESSING = "processing"  # sent to the rail, outcome not yet known
    PAID = "paid"
    FAILED = "failed"
    CANCELED = "canceled"
    RETURNED = "returned"  # paid, then sent back by the receiving bank


P = PaymentStatus
A = AttemptStatus

PAYMENT_TRANSITIONS: Mapping[PaymentStatus, frozenset[PaymentStatus]] = {
    P.REQUIRES_CONFIRMATION: frozenset({P.PROCESSING, P.CANCELED}),
    P.PROCESSING: frozenset({P.SUCCEEDED, P.FAILED}),
    P.SUCCEEDED: frozenset(),
    P.FAILED: frozenset(),
    P.CANCELED: frozenset(),
}

ATTEMPT_TRANSITIONS: Mapping[AttemptStatus, frozenset[AttemptStatus]] = {
    A.PENDING: frozenset({A.SUCCEEDED, A.FAILED, A.UNKNOWN}),
    A.UNKNOWN: frozenset({A.SUCCEEDED, A.FAILED}),
    A.SUCCEEDED: frozenset(),
    A.FAILED: frozenset(),
}

REFUND_TRANSITIONS: Mapping[RefundStatus, frozenset[RefundStatus]] = {
    RefundStatus.PENDING: frozenset({RefundStatus.SUCCEEDED, RefundStatus.FAILED}),
    RefundStatus.SUCCEEDED: frozenset(),
    RefundStatus.FAILED: frozenset(),
}

PAYOUT_TRANSITIONS: Mapping[PayoutStatus, frozenset[PayoutStatus]] = {
    PayoutStatus.PENDING: frozenset({PayoutStatus.PROCESSING, PayoutStatus.CANCELED}),
    PayoutStatus.PROCESSING: frozenset({PayoutStatus.PAID, PayoutStatus.FAILED}),
    PayoutStatus.PAID: frozenset({PayoutStatus.RETURNED}),
    PayoutStatus.FAILED: frozenset(),
    PayoutStatus.CANCELED: frozenset(),
    PayoutStatus.RETURNED: frozenset(),
}

PAYMENT_TERMINAL = frozenset(s for s, nxt in PAYMENT_TRANSITIONS.items() if not nxt)
ATTEMPT_TERMINAL = frozenset(s for s, nxt in ATTEMPT_TRANSITIONS.items() if not nxt)

S = TypeVar("S", bound=StrEnum)


def transition_to(current: S, target: S, table: Mapping[S, frozenset[S]]) -> S:
    """Return `target` when the table allows `current -> target`; raise `transition_invalid`."""
    assert current in table and target in table, (current, target)
    if target not in table[current]:
        raise LedgerlineError("transition_invalid", detail=f"{current} -> {target}")
    return target


def rank(status: S, table: Mapping[S, frozenset[S]]) -> int:
    """Length of the longest path from any start to `status`: states only ever increase it."""
    memo: dict[S, int] = {}

    def depth(s: S) -> int:
        if s not in memo:
            parents = [p for p, nxt in table.items() if s in nxt]
            memo[s] = 1 + max((depth(p) for p in parents), default=-1)
        return memo[s]

    return depth(status)
