"""Event types written to the outbox in the same transaction as the change they describe."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    PAYMENT_CREATED = "payment.created"
    PAYMENT_PROCESSING = "payment.processing"
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_FAILED = "payment.failed"
    PAYMENT_CANCELED = "payment.canceled"
    ATTEMPT_UNKNOWN = "payment_attempt.unknown"
    DUPLICATE_SUCCESS_DETECTED = "payment.duplicate_success_detected"
