"""Request bodies. Unknown fields are refused (`parameter_unknown`), never ignored."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from ledgerline.domain.payments import (
    DESCRIPTION_LENGTH_MAX,
    METADATA_KEYS_MAX,
    METADATA_VALUE_LENGTH_MAX,
    PAYMENT_METHOD_LENGTH_MAX,
)

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
METADATA_KEY_LENGTH_MAX = 40


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Customer(Strict):
    id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    email: Annotated[str, StringConstraints(max_length=320)] | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL_PATTERN.match(value):
            raise ValueError("not an email address")
        return value


class PaymentCreate(Strict):
    amount: int | None = Field(
        default=None,
        strict=True,
        description="Amount in the currency's minor unit (cents for USD, yen for JPY). Give this or amount_decimal.",
    )
    amount_decimal: Annotated[str, StringConstraints(max_length=40)] | None = Field(
        default=None, description='Amount in major units as a string, e.g. "12.34"; never rounded.'
    )
    currency: Annotated[str, StringConstraints(min_length=1, max_length=10)]
    payment_method: Annotated[
        str, StringConstraints(min_length=1, max_length=PAYMENT_METHOD_LENGTH_MAX)
    ]
    customer: Customer | None = None
    description: Annotated[str, StringConstraints(max_length=DESCRIPTION_LENGTH_MAX)] | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    confirm: bool = Field(default=False, strict=True)

    @field_validator("metadata")
    @classmethod
    def _metadata(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > METADATA_KEYS_MAX:
            raise ValueError(f"at most {METADATA_KEYS_MAX} keys")
        for key, item in value.items():
            if not 1 <= len(key) <= METADATA_KEY_LENGTH_MAX:
                raise ValueError(f"keys are 1 to {METADATA_KEY_LENGTH_MAX} characters")
            if len(item) > METADATA_VALUE_LENGTH_MAX:
                raise ValueError(f"values are at most {METADATA_VALUE_LENGTH_MAX} characters")
        return value


class Empty(Strict):
    """POST endpoints that take no parameters still refuse unknown ones."""


class ExceptionResolve(Strict):
    note: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class ProviderWeightIn(Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    weight: int = Field(default=1, ge=0, le=10_000, strict=True)


class RoutingRuleCreate(Strict):
    priority: int = Field(ge=0, le=10_000, strict=True)
    providers: list[ProviderWeightIn] = Field(min_length=1, max_length=10)
    currency: Annotated[str, StringConstraints(min_length=3, max_length=3)] | None = None
    method_prefix: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    amount_min: int | None = Field(default=None, ge=0, strict=True)
    amount_max: int | None = Field(default=None, ge=0, strict=True)


class RefundCreate(Strict):
    payment: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    amount: int | None = Field(
        default=None, strict=True, description="Minor units; default: all that is left"
    )
    reason: Annotated[str, StringConstraints(max_length=64)] | None = None
    metadata: dict[str, str] = Field(default_factory=dict)


class PayoutCreate(Strict):
    amount: int = Field(strict=True, description="Minor units of the currency")
    currency: Annotated[str, StringConstraints(min_length=1, max_length=10)]
    destination: dict[str, str] = Field(
        description='{"type": "iban", "iban": "...", "holder_name": "..."} or '
        '{"type": "cn_bank_card", "card_number": "...", "holder_name": "..."}'
    )
    description: Annotated[str, StringConstraints(max_length=500)] | None = None


class WebhookEndpointCreate(Strict):
    url: Annotated[str, StringConstraints(min_length=1, max_length=2048)]
    enabled_events: list[str] = Field(default_factory=lambda: ["*"], min_length=1, max_length=50)
    description: Annotated[str, StringConstraints(max_length=500)] | None = None


class WebhookEndpointUpdate(Strict):
    url: Annotated[str, StringConstraints(min_length=1, max_length=2048)] | None = None
    enabled_events: list[str] | None = Field(default=None, min_length=1, max_length=50)
    description: Annotated[str, StringConstraints(max_length=500)] | None = None
    enabled: bool | None = Field(default=None, strict=True)
