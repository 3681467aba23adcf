from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import AMOUNT_MINOR_MAX, Money, currency_exponent, normalize_currency


def test_exponents_come_from_iso_4217():
    assert currency_exponent("USD") == 2
    assert currency_exponent("JPY") == 0
    assert currency_exponent("BHD") == 3


@pytest.mark.parametrize(
    ("value", "currency", "code"),
    [
        ("12.345", "USD", "amount_too_precise"),
        ("100.5", "JPY", "amount_too_precise"),
        ("1.0001", "BHD", "amount_too_precise"),
        ("abc", "USD", "amount_invalid"),
        ("NaN", "USD", "amount_invalid"),
        ("Infinity", "USD", "amount_invalid"),
        ("1", "XXX", "currency_unsupported"),
        ("1", "XAU", "currency_unsupported"),
        ("1", "usdx", "currency_unsupported"),
    ],
)
def test_inexact_or_invalid_input_is_an_error_never_rounded(value, currency, code):
    with pytest.raises(LedgerlineError) as raised:
        Money.from_decimal(value, currency)
    assert raised.value.code == code


def test_trailing_zeros_are_exact_not_too_precise():
    assert Money.from_decimal("12.3400", "USD") == Money(amount_minor=1234, currency="USD")
    assert Money.from_decimal("1000", "JPY") == Money(amount_minor=1000, currency="JPY")


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (0, "amount_not_positive"),
        (-1, "amount_not_positive"),
        (AMOUNT_MINOR_MAX + 1, "amount_too_large"),
        (True, "amount_invalid"),
    ],
)
def test_of_refuses_non_positive_huge_and_non_integer_amounts(amount, code):
    with pytest.raises(LedgerlineError) as raised:
        Money.of(amount, "USD")
    assert raised.value.code == code


def test_currency_codes_are_normalized_to_upper_case():
    assert normalize_currency("eur") == "EUR"
    assert Money.of(5, "jpy").currency == "JPY"


@given(
    st.integers(min_value=-AMOUNT_MINOR_MAX, max_value=AMOUNT_MINOR_MAX),
    st.sampled_from(["USD", "JPY", "BHD", "CNY", "EUR", "CLF"]),
)
def test_decimal_round_trip_is_exact(amount_minor, currency):
    money = Money(amount_minor=amount_minor, currency=currency)
    assert Money.from_decimal(money.to_decimal(), currency) == money
    assert Money.from_decimal(str(money.to_decimal()), currency) == money


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10**12))
def test_addition_and_subtraction_are_exact(a, b):
    x, y = Money(amount_minor=a, currency="USD"), Money(amount_minor=b, currency="USD")
    assert (x + y).amount_minor == a + b
    assert (x + y - y) == x
    assert (x + y).to_decimal() == x.to_decimal() + y.to_decimal()


def test_mixing_currencies_is_a_programmer_error():
    with pytest.raises(AssertionError):
        Money(amount_minor=1, currency="USD") + Money(amount_minor=1, currency="EUR")


def test_str_shows_major_units():
    assert str(Money(amount_minor=1999, currency="USD")) == "19.99 USD"
    assert Money(amount_minor=5, currency="BHD").to_decimal() == Decimal("0.005")
