"""Money as integer minor units plus an ISO 4217 currency.

Amounts never pass through floats. Input with more precision than the currency allows is an
error, never rounded: a payment of 12.345 USD is a mistake somewhere upstream, and guessing
which cent was meant would move money nobody asked to move.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import iso4217

from ledgerline.domain.errors import LedgerlineError

# Amounts are stored as BIGINT; one unit below its maximum keeps sums of two amounts in range
# for the checks that add them before comparing.
AMOUNT_MINOR_MAX = 2**62


def _exponents() -> dict[str, int]:
    table: dict[str, int] = {}
    for currency in iso4217.Currency:
        exponent = currency.exponent
        # Funds codes and precious metals have no minor unit (exponent None): not payable.
        if exponent is not None:
            table[currency.code] = exponent
    return table


_EXPONENTS = _exponents()
# Withdrawn ISO 4217 codes (list three) still seen in old bank statements. Statements may carry
# them; nothing else accepts them, so they can never become a payment.
WITHDRAWN_EXPONENTS = {
    "DEM": 2,
    "FRF": 2,
    "NLG": 2,
    "BEF": 0,
    "ITL": 0,
    "ESP": 0,
    "ATS": 2,
    "FIM": 2,
    "IEP": 2,
    "PTE": 0,
    "LUF": 0,
    "GRD": 0,
    "SIT": 2,
    "CYP": 2,
    "MTL": 2,
    "SKK": 2,
    "EEK": 2,
    "LVL": 2,
    "LTL": 2,
    "HRK": 2,
}


def currency_exponent(currency: str) -> int:
    """Digits after the decimal point for `currency` (USD 2, JPY 0, BHD 3).

    Raises `LedgerlineError("currency_unsupported")` for a code ISO 4217 does not define.
    """
    exponent = _EXPONENTS.get(currency, WITHDRAWN_EXPONENTS.get(currency))
    if exponent is None:
        raise LedgerlineError("currency_unsupported", param="currency", detail=repr(currency))
    return exponent


def normalize_currency(currency: str, *, param: str = "currency", withdrawn: bool = False) -> str:
    """Upper-case ISO 4217 code; raises `currency_unsupported` for anything else. `withdrawn`
    also admits historic codes, for reading old statements only."""
    if not isinstance(currency, str) or len(currency) != 3:
        raise LedgerlineError("currency_unsupported", param=param, detail=repr(currency))
    code = currency.upper()
    if code not in _EXPONENTS and not (withdrawn and code in WITHDRAWN_EXPONENTS):
        raise LedgerlineError("currency_unsupported", param=param, detail=repr(currency))
    return code


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An exact amount: `Money(amount_minor=1999, currency="USD")` is 19.99 USD."""

    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        assert isinstance(self.amount_minor, int) and not isinstance(self.amount_minor, bool)
        assert abs(self.amount_minor) <= AMOUNT_MINOR_MAX, self.amount_minor
        assert self.currency in _EXPONENTS or self.currency in WITHDRAWN_EXPONENTS, self.currency

    @classmethod
    def of(cls, amount_minor: int, currency: str, *, param: str = "amount") -> Money:
        """Validated constructor for input: a positive integer of minor units within range."""
        code = normalize_currency(currency)
        if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
            raise LedgerlineError("amount_invalid", param=param, detail=repr(amount_minor))
        if amount_minor <= 0:
            raise LedgerlineError("amount_not_positive", param=param, detail=str(amount_minor))
        if amount_minor > AMOUNT_MINOR_MAX:
            raise LedgerlineError("amount_too_large", param=param, detail=str(amount_minor))
        return cls(amount_minor=amount_minor, currency=code)

    @classmethod
    def from_decimal(
        cls, value: str | Decimal, currency: str, *, param: str = "amount", withdrawn: bool = False
    ) -> Money:
        """Parse a major-unit decimal such as "12.34" exactly; may be zero or negative.

        Raises `amount_too_precise` when the value has more digits than the currency's minor
        unit, and `amount_invalid` when it is not a number.
        """
        code = normalize_currency(currency, withdrawn=withdrawn)
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        except InvalidOperation:
            raise LedgerlineError("amount_invalid", param=param, detail=repr(value)) from None
        if not number.is_finite():
            raise LedgerlineError("amount_invalid", param=param, detail=repr(value))
        scaled = number.scaleb(currency_exponent(code))
        if scaled != scaled.to_integral_value():
            raise LedgerlineError(
                "amount_too_precise",
                param=param,
                detail=f"{value} {code} allows {currency_exponent(code)} decimal places",
            )
        amount_minor = int(scaled)
        if abs(amount_minor) > AMOUNT_MINOR_MAX:
            raise LedgerlineError("amount_too_large", param=param, detail=str(value))
        return cls(amount_minor=amount_minor, currency=code)

    def to_decimal(self) -> Decimal:
        """The amount in major units, exact: `Money(1999, "USD").to_decimal() == Decimal("19.99")`."""
        return Decimal(self.amount_minor).scaleb(-currency_exponent(self.currency))

    def __add__(self, other: Money) -> Money:
        assert self.currency == other.currency, (self.currency, other.currency)
        return Money(amount_minor=self.amount_minor + other.amount_minor, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        assert self.currency == other.currency, (self.currency, other.currency)
        return Money(amount_minor=self.amount_minor - other.amount_minor, currency=self.currency)

    def __str__(self) -> str:
        return f"{self.to_decimal()} {self.currency}"
