"""Ports: the small protocols services depend on and adapters implement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ledgerline.domain.circuit import Circuit, Window
from ledgerline.domain.fees import PricingRule
from ledgerline.domain.ledger import AccountKind, JournalEntry
from ledgerline.domain.movements import Payout, Refund
from ledgerline.domain.outcomes import ChargeOutcome, InquiryOutcome
from ledgerline.domain.payments import Attempt, Payment
from ledgerline.domain.provider_calls import (
    ChargeRequest,
    OperationKind,
    PayoutRequest,
    ProviderEvent,
    ProviderReply,
    RefundRequest,
)
from ledgerline.domain.routing import RoutingRule
from ledgerline.domain.settlement import SettlementLine
from ledgerline.domain.states import AttemptStatus, PaymentStatus, PayoutStatus


class Connector(Protocol):
    """One payment provider. Every method bounds its own time and never raises for a provider
    failure: failures are outcomes. `Unknown` whenever the provider may have acted."""

    name: str

    def charge(self, request: ChargeRequest) -> ProviderReply[ChargeOutcome]: ...

    def refund(self, request: RefundRequest) -> ProviderReply[ChargeOutcome]: ...

    def payout(self, request: PayoutRequest) -> ProviderReply[ChargeOutcome]: ...

    def inquire(
        self, *, operation: OperationKind, idempotency_key: str
    ) -> ProviderReply[InquiryOutcome]:
        """Ask what became of the request sent with `idempotency_key`. `NotFound` only when the
        provider certifies it has not acted and never will on that key."""
        ...

    def parse_webhook(
        self, *, headers: Mapping[str, str], body: bytes, now: dt.datetime
    ) -> ProviderEvent:
        """Verify the signature and freshness, then parse. Raises `WebhookRejected`."""
        ...

    def settlement_export(self, *, day: dt.date) -> bytes:
        """The provider's settlement file for `day`, as the provider publishes it."""
        ...


class WebhookRejected(Exception):
    """An inbound webhook failed verification; `reason` is a stable word."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class ConnectorRegistry(Protocol):
    def get(self, name: str) -> Connector: ...

    def names(self) -> list[str]: ...


# -- clock and ids ---------------------------------------------------------------------------


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class Ids(Protocol):
    def new(self, prefix: str, *, now: dt.datetime | None = None) -> str: ...

    def token(self) -> str: ...


# -- storage -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    dedupe_key: str
    payload: dict[str, Any]
    attempts: int
    attempts_max: int
    run_at: dt.datetime


@dataclass(frozen=True, slots=True)
class StoredKey:
    fingerprint: str
    status: str  # in_flight | done
    locked_at: dt.datetime | None
    response_status: int | None
    response_body: str | None


class PaymentRepo(Protocol):
    def add(self, payment: Payment, *, idempotency_key: str | None) -> None: ...
    def get(
        self, payment_id: str, *, merchant_id: str | None = None, for_update: bool = False
    ) -> Payment | None: ...
    def by_idempotency_key(self, merchant_id: str, key: str) -> Payment | None: ...
    def save(self, payment: Payment) -> None: ...
    def page(
        self,
        *,
        merchant_id: str,
        limit: int,
        status: PaymentStatus | None = None,
        created_gte: dt.datetime | None = None,
        created_lt: dt.datetime | None = None,
        after: Payment | None = None,
    ) -> list[Payment]: ...
    def ids_in_status(self, statuses: list[PaymentStatus]) -> list[str]: ...
    def statuses(self, merchant_id: str) -> dict[str, PaymentStatus]: ...
    def stale(self, status: PaymentStatus, *, before: dt.datetime, limit: int) -> list[Payment]: ...


class AttemptRepo(Protocol):
    def add(self, attempt: Attempt) -> None: ...
    def get(self, attempt_id: str) -> Attempt | None: ...
    def for_payment(self, payment_id: str) -> list[Attempt]: ...
    def for_payments(self, payment_ids: list[str]) -> dict[str, list[Attempt]]: ...
    def save(self, attempt: Attempt) -> None: ...
    def stale(self, status: AttemptStatus, *, before: dt.datetime, limit: int) -> list[Attempt]: ...
    def open_counts(self) -> dict[tuple[str, str], int]: ...


class MerchantRepo(Protocol):
    def add(self, *, merchant_id: str, name: str, now: dt.datetime) -> None: ...
    def exists(self, merchant_id: str) -> bool: ...
    def all_ids(self) -> list[str]: ...
    def add_key(
        self,
        *,
        key_id: str,
        merchant_id: str,
        secret_hash: str,
        hint: str,
        scopes: str,
        now: dt.datetime,
    ) -> None: ...
    def key_by_hash(self, secret_hash: str) -> tuple[str, str, bool] | None: ...
    def revoke_key(self, *, key_id: str, now: dt.datetime) -> bool: ...


class LedgerRepo(Protocol):
    def post(self, entry: JournalEntry, *, now: dt.datetime) -> None: ...
    def has_entry(self, *, kind: str, source_id: str) -> bool: ...
    def balances(self, owner: str) -> dict[str, dict[AccountKind, int]]: ...
    def balance(
        self, kind: AccountKind, owner: str, currency: str, *, for_update: bool = False
    ) -> int: ...
    def entries_for_sources(self, source_ids: list[str]) -> list[dict[str, Any]]: ...
    def balances_all(self) -> dict[tuple[str, str, str], int]: ...
    def merchant_postings(
        self, merchant_id: str, *, before_posting: int | None, limit: int
    ) -> list[dict[str, Any]]: ...


class EventRepo(Protocol):
    def for_object(self, object_id: str) -> list[dict[str, Any]]: ...

    def add(
        self,
        *,
        event_id: str,
        merchant_id: str,
        type: str,
        object_type: str,
        object_id: str,
        data: dict[str, Any],
        now: dt.datetime,
    ) -> None: ...


class TimelineRepo(Protocol):
    def add(
        self,
        *,
        payment_id: str,
        at: dt.datetime,
        kind: str,
        summary: str,
        data: dict[str, Any] | None = None,
    ) -> None: ...
    def for_payment(self, payment_id: str) -> list[dict[str, Any]]: ...


class JobRepo(Protocol):
    def enqueue(
        self,
        *,
        kind: str,
        dedupe_key: str,
        payload: dict[str, Any],
        run_at: dt.datetime,
        now: dt.datetime,
        attempts_max: int,
    ) -> None: ...
    def complete(self, dedupe_key: str, *, now: dt.datetime) -> None: ...
    def claim(self, *, owner: str, now: dt.datetime, lease_s: float, limit: int) -> list[Job]: ...
    def finish(self, job: Job, *, owner: str, now: dt.datetime) -> None: ...
    def retry_later(
        self, job: Job, *, owner: str, run_at: dt.datetime, error: str, now: dt.datetime, dead: bool
    ) -> None: ...
    def due_keys(self) -> set[str]: ...
    def next_run_at_except(self, dedupe_key: str) -> dt.datetime | None: ...


class IdempotencyRepo(Protocol):
    def get(self, merchant_id: str, key: str) -> StoredKey | None: ...
    def try_lock(
        self,
        *,
        merchant_id: str,
        key: str,
        fingerprint: str,
        now: dt.datetime,
        stale_before: dt.datetime,
    ) -> bool: ...
    def finish(
        self, *, merchant_id: str, key: str, response_status: int, response_body: str
    ) -> None: ...
    def release(self, *, merchant_id: str, key: str) -> None: ...


class WebhookRepo(Protocol):
    def store_raw(
        self, *, provider: str, headers: dict[str, str], body: str, now: dt.datetime
    ) -> int: ...
    def mark(
        self,
        webhook_id: int,
        *,
        status: str,
        reason: str | None = None,
        now: dt.datetime | None = None,
    ) -> None: ...
    def accept(self, webhook_id: int, *, event_id: str, event: dict[str, Any]) -> int | None: ...
    def get(self, webhook_id: int) -> dict[str, Any] | None: ...


class ExceptionRepo(Protocol):
    def open(
        self,
        *,
        exception_id: str,
        kind: str,
        merchant_id: str | None,
        subject_type: str,
        subject_id: str,
        reason: str,
        now: dt.datetime,
    ) -> bool: ...
    def resolve(
        self,
        *,
        exception_id: str,
        note: str,
        by: str,
        now: dt.datetime,
        merchant_id: str | None = None,
    ) -> bool: ...
    def resolve_for_subject(
        self, *, subject_id: str, kinds: list[str], note: str, now: dt.datetime
    ) -> int: ...
    def get(self, exception_id: str) -> dict[str, Any] | None: ...
    def page(
        self,
        *,
        merchant_id: str | None,
        status: str | None,
        kind: str | None,
        opened_before: dt.datetime | None,
        after_id: str | None,
        limit: int,
    ) -> list[dict[str, Any]]: ...


class HealthRepo(Protocol):
    def record_call(
        self,
        *,
        provider: str,
        operation: str,
        outcome: str,
        latency_ms: int,
        http_status: int | None,
        now: dt.datetime,
    ) -> None: ...
    def window(self, provider: str, *, since: dt.datetime) -> Window: ...
    def latencies_ms(self, provider: str, *, since: dt.datetime) -> list[int]: ...
    def outcome_counts(self, provider: str, *, since: dt.datetime) -> dict[str, int]: ...
    def circuit(self, provider: str, *, for_update: bool = False) -> Circuit | None: ...
    def save_circuit(self, provider: str, circuit: Circuit) -> None: ...
    def prune_calls(self, *, before: dt.datetime) -> int: ...


class RoutingRepo(Protocol):
    def add(self, rule: RoutingRule, *, merchant_id: str, now: dt.datetime) -> None: ...
    def for_merchant(self, merchant_id: str) -> list[RoutingRule]: ...
    def remove(self, *, merchant_id: str, rule_id: str) -> bool: ...


class RefundRepo(Protocol):
    def add(self, refund: Refund, *, idempotency_key: str | None) -> None: ...
    def get(self, refund_id: str, *, merchant_id: str | None = None) -> Refund | None: ...
    def by_idempotency_key(self, merchant_id: str, key: str) -> Refund | None: ...
    def for_payment(self, payment_id: str) -> list[Refund]: ...
    def save(self, refund: Refund) -> None: ...
    def page(
        self, *, merchant_id: str, limit: int, after: Refund | None, payment_id: str | None
    ) -> list[Refund]: ...


class PayoutRepo(Protocol):
    def add(self, payout: Payout, *, idempotency_key: str | None) -> None: ...
    def get(
        self, payout_id: str, *, merchant_id: str | None = None, for_update: bool = False
    ) -> Payout | None: ...
    def by_idempotency_key(self, merchant_id: str, key: str) -> Payout | None: ...
    def save(self, payout: Payout) -> None: ...
    def page(
        self, *, merchant_id: str, limit: int, after: Payout | None, status: PayoutStatus | None
    ) -> list[Payout]: ...
    def stale(self, status: PayoutStatus, *, before: dt.datetime, limit: int) -> list[Payout]: ...


class PricingRepo(Protocol):
    def add(self, rule: PricingRule, *, merchant_id: str, now: dt.datetime) -> None: ...
    def for_merchant(self, merchant_id: str) -> list[PricingRule]: ...


class ReconRepo(Protocol):
    def file_by_hash(self, sha256: str) -> dict[str, Any] | None: ...
    def store_file(
        self,
        *,
        file_id: str,
        provider: str,
        format: str,
        name: str,
        sha256: str,
        content: bytes,
        now: dt.datetime,
    ) -> None: ...
    def mark_file(self, file_id: str, *, status: str, error: str | None = None) -> None: ...
    def add_lines(self, file_id: str, lines: list[SettlementLine]) -> list[int | None]: ...
    def ledger_records(self, provider: str) -> list[dict[str, Any]]: ...
    def settlement_batches(self) -> list[dict[str, Any]]: ...
    def add_run(
        self,
        *,
        run_id: str,
        file_id: str,
        provider: str,
        summary: dict[str, Any],
        warnings: list[str],
        now: dt.datetime,
    ) -> None: ...
    def add_items(self, run_id: str, items: list[dict[str, Any]]) -> None: ...
    def run_for_file(self, file_id: str) -> dict[str, Any] | None: ...
    def run(self, run_id: str) -> dict[str, Any] | None: ...
    def items(
        self, run_id: str, *, klass: str | None, after_id: int | None, limit: int
    ) -> list[dict[str, Any]]: ...


class OutboundRepo(Protocol):
    def add_endpoint(self, row: dict[str, Any]) -> None: ...
    def endpoint(
        self, endpoint_id: str, *, merchant_id: str | None = None
    ) -> dict[str, Any] | None: ...
    def endpoints(
        self, merchant_id: str, *, enabled_only: bool = False
    ) -> list[dict[str, Any]]: ...
    def update_endpoint(self, endpoint_id: str, **values: Any) -> None: ...
    def delete_endpoint(self, endpoint_id: str) -> None: ...
    def add_delivery(self, row: dict[str, Any]) -> None: ...
    def deliveries(
        self, endpoint_id: str, *, after_id: int | None, limit: int
    ) -> list[dict[str, Any]]: ...
    def event(self, event_id: str, *, merchant_id: str | None = None) -> dict[str, Any] | None: ...
    def events_page(
        self,
        merchant_id: str,
        *,
        type: str | None,
        created_gte: dt.datetime | None,
        created_lt: dt.datetime | None,
        before_seq: int | None,
        limit: int,
    ) -> list[dict[str, Any]]: ...


class WebhookTransport(Protocol):
    """Signs and posts one outbound webhook; never raises for the receiver's failures."""

    def send(
        self, *, url: str, secrets: list[str], msg_id: str, timestamp: dt.datetime, body: str
    ) -> tuple[int | None, int, str]:
        """(status code or None when nothing came back, latency in ms, response excerpt or error)."""
        ...


class Matcher(Protocol):
    """Pairs statement lines with ledger records; returns (line, record, class) triples."""

    def match(
        self, lines: list[dict[str, object]], records: list[dict[str, object]]
    ) -> list[tuple[int | None, int | None, str]]: ...


class StatementParser(Protocol):
    def __call__(
        self,
        format_name: str,
        data: bytes,
        *,
        provider: str,
        source_name: str,
        profile: str | None = None,
    ) -> Any: ...


class Vault(Protocol):
    """Encryption at rest for sensitive documents (payout destinations)."""

    def seal(self, document: dict[str, str]) -> str: ...
    def open(self, sealed: str) -> dict[str, str]: ...


class UnitOfWork(Protocol):
    """One database transaction; rolled back on exit unless `commit()` was called."""

    payments: PaymentRepo
    attempts: AttemptRepo
    merchants: MerchantRepo
    ledger: LedgerRepo
    events: EventRepo
    timeline: TimelineRepo
    jobs: JobRepo
    idempotency: IdempotencyRepo
    webhooks: WebhookRepo
    exceptions: ExceptionRepo
    health: HealthRepo
    routing: RoutingRepo
    refunds: RefundRepo
    payouts: PayoutRepo
    pricing: PricingRepo
    recon: ReconRepo
    outbound: OutboundRepo

    def __enter__(self) -> UnitOfWork: ...
    def __exit__(self, *args: object) -> None: ...
    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work; `read_only` ones never write and never wait for writers."""
        ...
