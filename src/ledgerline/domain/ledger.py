"""Double-entry ledger: accounts, postings and balanced journal entries.

Each account keeps debit and credit totals (never a single signed number), like TigerBeetle:
its balance is read on its normal side. Entries are immutable; a correction is a reversal.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from ledgerline.domain.money import Money


class Side(StrEnum):
    DEBIT = "debit"
    CREDIT = "credit"


class AccountKind(StrEnum):
    """Per merchant: available, pending, reserved. Per provider: clearing. Platform: the rest."""

    MERCHANT_AVAILABLE = "merchant_available"
    MERCHANT_PENDING = "merchant_pending"
    MERCHANT_RESERVED = "merchant_reserved"
    PROVIDER_CLEARING = "provider_clearing"
    FEES = "fees"
    CASH = "cash"
    PAYOUTS_IN_TRANSIT = "payouts_in_transit"


# Money we owe merchants (and fees we earned) grows on the credit side; money held at
# providers and banks grows on the debit side.
NORMAL_SIDE: dict[AccountKind, Side] = {
    AccountKind.MERCHANT_AVAILABLE: Side.CREDIT,
    AccountKind.MERCHANT_PENDING: Side.CREDIT,
    AccountKind.MERCHANT_RESERVED: Side.CREDIT,
    AccountKind.FEES: Side.CREDIT,
    AccountKind.PROVIDER_CLEARING: Side.DEBIT,
    AccountKind.CASH: Side.DEBIT,
    AccountKind.PAYOUTS_IN_TRANSIT: Side.DEBIT,
}

PLATFORM_OWNER = "platform"


@dataclass(frozen=True, slots=True)
class AccountRef:
    """An account's identity: what it is, whose it is and which currency it holds."""

    kind: AccountKind
    owner: str
    currency: str


@dataclass(frozen=True, slots=True)
class Posting:
    account: AccountRef
    side: Side
    amount: Money

    def __post_init__(self) -> None:
        assert self.amount.amount_minor > 0, self
        assert self.amount.currency == self.account.currency, self


class EntryKind(StrEnum):
    PAYMENT_SUCCEEDED = "payment_succeeded"
    DUPLICATE_REFUNDED = "duplicate_refunded"


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """A balanced set of postings caused by exactly one source object event.

    `(kind, source_id)` is unique in the store: the same event can never post twice.
    """

    id: str
    kind: EntryKind
    source_type: str
    source_id: str
    merchant_id: str
    postings: tuple[Posting, ...]

    def __post_init__(self) -> None:
        assert len(self.postings) >= 2, self.id
        assert self.balanced(), self.id

    def balanced(self) -> bool:
        """Debits equal credits in every currency the entry touches."""
        net: dict[str, int] = defaultdict(int)
        for p in self.postings:
            net[p.amount.currency] += (
                p.amount.amount_minor if p.side is Side.DEBIT else -p.amount.amount_minor
            )
        return all(v == 0 for v in net.values())


def balance_minor(kind: AccountKind, *, debits_minor: int, credits_minor: int) -> int:
    """An account's balance read on its normal side."""
    if NORMAL_SIDE[kind] is Side.DEBIT:
        return debits_minor - credits_minor
    return credits_minor - debits_minor


def transfer(*, debit: AccountRef, credit: AccountRef, amount: Money) -> tuple[Posting, Posting]:
    """The two postings that move `amount` from `credit` to `debit`."""
    return (
        Posting(account=debit, side=Side.DEBIT, amount=amount),
        Posting(account=credit, side=Side.CREDIT, amount=amount),
    )


def payment_succeeded_entry(
    *, entry_id: str, payment_id: str, merchant_id: str, provider: str, amount: Money
) -> JournalEntry:
    """Captured money: the provider now owes it to us (clearing), we owe it to the merchant
    (pending) until the provider's settlement confirms it."""
    return JournalEntry(
        id=entry_id,
        kind=EntryKind.PAYMENT_SUCCEEDED,
        source_type="payment",
        source_id=payment_id,
        merchant_id=merchant_id,
        postings=transfer(
            debit=AccountRef(AccountKind.PROVIDER_CLEARING, provider, amount.currency),
            credit=AccountRef(AccountKind.MERCHANT_PENDING, merchant_id, amount.currency),
            amount=amount,
        ),
    )
