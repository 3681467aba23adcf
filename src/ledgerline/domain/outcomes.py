"""What a provider call can tell us, as a closed set of outcomes.

The line that matters: `Retryable` means the provider certainly did not act (never sent,
refused before processing, rate limited); `Unknown` means it may have acted. Only the first may
be retried elsewhere. Anything unmapped is `Unknown`, never a failure.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Succeeded:
    provider_reference: str


@dataclass(frozen=True, slots=True)
class Declined:
    """A final refusal: the provider decided and will not act. `code` is a catalog code."""

    code: str
    provider_code: str
    provider_reference: str | None = None


@dataclass(frozen=True, slots=True)
class Retryable:
    """The provider certainly did not act; trying again, here or elsewhere, is safe."""

    reason: str


@dataclass(frozen=True, slots=True)
class Unknown:
    """The provider may have acted. Resolve only by evidence (inquiry, webhook, settlement)."""

    reason: str


@dataclass(frozen=True, slots=True)
class NotFound:
    """Inquiry answer: the provider certifies it has no record and will never act on the key."""

    reason: str


ChargeOutcome = Succeeded | Declined | Retryable | Unknown
InquiryOutcome = Succeeded | Declined | NotFound | Unknown
