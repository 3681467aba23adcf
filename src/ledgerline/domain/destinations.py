"""Payout destinations, validated per type before anything is stored.

`iban`: checked with the schwifty package (country format and ISO 7064 checksum).
`cn_bank_card`: a Chinese bank card number, 16 to 19 digits with a valid Luhn check digit.
Every destination needs the account holder's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from ledgerline.domain.errors import LedgerlineError

HOLDER_NAME_LENGTH_MAX = 140  # the ISO 20022 limit for a creditor name
TYPES = ("iban", "cn_bank_card")


@dataclass(frozen=True, slots=True)
class Destination:
    type: str
    account: str  # normalized: compact IBAN or card digits
    holder_name: str

    def masked(self) -> str:
        return f"{'•' * 4}{self.account[-4:]}"


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def parse_destination(raw: dict[str, str], *, param: str = "destination") -> Destination:
    kind = raw.get("type")
    holder = (raw.get("holder_name") or "").strip()
    if kind not in TYPES:
        raise LedgerlineError(
            "destination_invalid",
            param=f"{param}.type",
            detail=f"type must be one of {', '.join(TYPES)}",
        )
    if not holder or len(holder) > HOLDER_NAME_LENGTH_MAX:
        raise LedgerlineError(
            "destination_invalid",
            param=f"{param}.holder_name",
            detail=f"the account holder's name, 1 to {HOLDER_NAME_LENGTH_MAX} characters",
        )
    if kind == "iban":
        try:
            account = IBAN(raw.get("iban", "")).compact
        except SchwiftyException as exc:
            raise LedgerlineError(
                "destination_invalid", param=f"{param}.iban", detail=str(exc)
            ) from None
        return Destination(type=kind, account=account, holder_name=holder)
    number = "".join((raw.get("card_number") or "").split())
    if not number.isdigit() or not 16 <= len(number) <= 19 or not luhn_valid(number):
        raise LedgerlineError(
            "destination_invalid",
            param=f"{param}.card_number",
            detail="16 to 19 digits with a valid check digit",
        )
    return Destination(type=kind, account=number, holder_name=holder)
