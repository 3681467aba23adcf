import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerline.domain.ledger import (
    AccountKind,
    AccountRef,
    EntryKind,
    JournalEntry,
    Posting,
    Side,
    balance_minor,
    payment_succeeded_entry,
    transfer,
)
from ledgerline.domain.money import Money


def test_payment_success_moves_money_from_provider_clearing_to_merchant_pending():
    entry = payment_succeeded_entry(
        entry_id="je_1",
        payment_id="pay_1",
        merchant_id="mer_1",
        provider="sim_a",
        amount=Money(amount_minor=1999, currency="USD"),
    )
    debit, credit = entry.postings
    assert (debit.account.kind, debit.account.owner, debit.side) == (
        AccountKind.PROVIDER_CLEARING,
        "sim_a",
        Side.DEBIT,
    )
    assert (credit.account.kind, credit.account.owner, credit.side) == (
        AccountKind.MERCHANT_PENDING,
        "mer_1",
        Side.CREDIT,
    )
    assert entry.balanced()


def test_an_unbalanced_entry_cannot_be_built():
    usd = Money(amount_minor=100, currency="USD")
    a = AccountRef(AccountKind.CASH, "platform", "USD")
    b = AccountRef(AccountKind.FEES, "platform", "USD")
    with pytest.raises(AssertionError):
        JournalEntry(
            id="je",
            kind=EntryKind.PAYMENT_SUCCEEDED,
            source_type="payment",
            source_id="p",
            merchant_id="m",
            postings=(
                Posting(a, Side.DEBIT, usd),
                Posting(b, Side.CREDIT, Money(amount_minor=99, currency="USD")),
            ),
        )


def test_balances_read_on_the_normal_side():
    assert balance_minor(AccountKind.MERCHANT_PENDING, debits_minor=10, credits_minor=100) == 90
    assert balance_minor(AccountKind.PROVIDER_CLEARING, debits_minor=100, credits_minor=10) == 90


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=10**12), st.sampled_from(["USD", "EUR", "JPY"])
        ),
        min_size=1,
        max_size=20,
    )
)
def test_any_set_of_transfers_balances_per_currency(amounts):
    postings = []
    for amount_minor, currency in amounts:
        postings.extend(
            transfer(
                debit=AccountRef(AccountKind.PROVIDER_CLEARING, "sim_a", currency),
                credit=AccountRef(AccountKind.MERCHANT_PENDING, "mer", currency),
                amount=Money(amount_minor=amount_minor, currency=currency),
            )
        )
    entry = JournalEntry(
        id="je",
        kind=EntryKind.PAYMENT_SUCCEEDED,
        source_type="payment",
        source_id="p",
        merchant_id="mer",
        postings=tuple(postings),
    )
    assert entry.balanced()
    debits = sum(p.amount.amount_minor for p in postings if p.side is Side.DEBIT)
    credits = sum(p.amount.amount_minor for p in postings if p.side is Side.CREDIT)
    assert debits == credits
