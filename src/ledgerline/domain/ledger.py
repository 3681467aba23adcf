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
    # Money paid out by the rail but not yet seen leaving our bank account: owed, so credit.
    AccountKind.PAYOUTS_IN_TRANSIT: Side.CREDIT,
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
    PAYMENT_SETTLED = "payment_settled"
    REFUND_SUCCEEDED = "refund_succeeded"
    PAYOUT_HELD = "payout_held"
    PAYOUT_PAID = "payout_paid"
    PAYOUT_RELEASED = "payout_released"
    PAYOUT_RETURNED = "payout_returned"


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


def _entry(
    kind: EntryKind,
    *,
    entry_id: str,
    source_type: str,
    source_id: str,
    merchant_id: str,
    postings: tuple[Posting, ...],
) -> JournalEntry:
    return JournalEntry(
        id=entry_id,
        kind=kind,
        source_type=source_type,
        source_id=source_id,
        merchant_id=merchant_id,
        postings=postings,
    )


def _merchant(kind: AccountKind, merchant_id: str, currency: str) -> AccountRef:
    return AccountRef(kind, merchant_id, currency)


def _platform(kind: AccountKind, owner: str, currency: str) -> AccountRef:
    return AccountRef(kind, owner, currency)


def payment_succeeded_entry(
    *,
    entry_id: str,
    payment_id: str,
    merchant_id: str,
    provider: str,
    amount: Money,
    fee: Money | None = None,
) -> JournalEntry:
    """Captured money: the provider owes the gross to us (clearing); we owe the merchant the
    net (pending) until the provider's settlement confirms it, and keep the fee."""
    fee = fee or Money(amount_minor=0, currency=amount.currency)
    assert 0 <= fee.amount_minor < amount.amount_minor or fee.amount_minor == 0, (fee, amount)
    net = amount - fee
    postings = [
        Posting(
            _platform(AccountKind.PROVIDER_CLEARING, provider, amount.currency), Side.DEBIT, amount
        ),
        Posting(
            _merchant(AccountKind.MERCHANT_PENDING, merchant_id, amount.currency), Side.CREDIT, net
        ),
    ]
    if fee.amount_minor:
        postings.append(
            Posting(_platform(AccountKind.FEES, PLATFORM_OWNER, amount.currency), Side.CREDIT, fee)
        )
    return _entry(
        EntryKind.PAYMENT_SUCCEEDED,
        entry_id=entry_id,
        source_type="payment",
        source_id=payment_id,
        merchant_id=merchant_id,
        postings=tuple(postings),
    )


def payment_settled_entry(
    *, entry_id: str, payment_id: str, merchant_id: str, provider: str, amount: Money, net: Money
) -> JournalEntry:
    """The provider paid the gross into our bank (clearing → cash); the merchant's net becomes
    available (pending → available)."""
    postings = (
        (
            *transfer(
                debit=_platform(AccountKind.CASH, PLATFORM_OWNER, amount.currency),
                credit=_platform(AccountKind.PROVIDER_CLEARING, provider, amount.currency),
                amount=amount,
            ),
            *transfer(
                debit=_merchant(AccountKind.MERCHANT_PENDING, merchant_id, net.currency),
                credit=_merchant(AccountKind.MERCHANT_AVAILABLE, merchant_id, net.currency),
                amount=net,
            ),
        )
        if net.amount_minor
        else transfer(
            debit=_platform(AccountKind.CASH, PLATFORM_OWNER, amount.currency),
            credit=_platform(AccountKind.PROVIDER_CLEARING, provider, amount.currency),
            amount=amount,
        )
    )
    return _entry(
        EntryKind.PAYMENT_SETTLED,
        entry_id=entry_id,
        source_type="payment",
        source_id=payment_id,
        merchant_id=merchant_id,
        postings=postings,
    )


def refund_succeeded_entry(
    *, entry_id: str, refund_id: str, merchant_id: str, provider: str, amount: Money
) -> JournalEntry:
    """A refund comes out of the merchant's available balance (which may go negative, as with
    card networks) and reduces what the provider owes us."""
    return _entry(
        EntryKind.REFUND_SUCCEEDED,
        entry_id=entry_id,
        source_type="refund",
        source_id=refund_id,
        merchant_id=merchant_id,
        postings=transfer(
            debit=_merchant(AccountKind.MERCHANT_AVAILABLE, merchant_id, amount.currency),
            credit=_platform(AccountKind.PROVIDER_CLEARING, provider, amount.currency),
            amount=amount,
        ),
    )


def payout_entry(
    kind: EntryKind, *, entry_id: str, payout_id: str, merchant_id: str, amount: Money
) -> JournalEntry:
    """The payout's movements: hold (available → reserved), paid (reserved → in transit),
    released on failure or cancel (reserved → available), returned (in transit → available)."""
    c = amount.currency
    moves = {
        EntryKind.PAYOUT_HELD: (
            _merchant(AccountKind.MERCHANT_AVAILABLE, merchant_id, c),
            _merchant(AccountKind.MERCHANT_RESERVED, merchant_id, c),
        ),
        EntryKind.PAYOUT_PAID: (
            _merchant(AccountKind.MERCHANT_RESERVED, merchant_id, c),
            _platform(AccountKind.PAYOUTS_IN_TRANSIT, PLATFORM_OWNER, c),
        ),
        EntryKind.PAYOUT_RELEASED: (
            _merchant(AccountKind.MERCHANT_RESERVED, merchant_id, c),
            _merchant(AccountKind.MERCHANT_AVAILABLE, merchant_id, c),
        ),
        EntryKind.PAYOUT_RETURNED: (
            _platform(AccountKind.PAYOUTS_IN_TRANSIT, PLATFORM_OWNER, c),
            _merchant(AccountKind.MERCHANT_AVAILABLE, merchant_id, c),
        ),
    }
    debit, credit = moves[kind]
    return _entry(
        kind,
        entry_id=entry_id,
        source_type="payout",
        source_id=payout_id,
        merchant_id=merchant_id,
        postings=transfer(debit=debit, credit=credit, amount=amount),
    )
