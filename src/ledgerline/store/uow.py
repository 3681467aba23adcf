"""Unit of work: one database transaction, committed only when `commit()` is called."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine

from ledgerline.store.engine import READ_ONLY
from ledgerline.store.jobs import JobQueue
from ledgerline.store.ledger_repo import LedgerRepository
from ledgerline.store.money_repo import PayoutRepository, PricingRepository, RefundRepository
from ledgerline.store.payments_repo import AttemptRepository, MerchantRepository, PaymentRepository
from ledgerline.store.recon_repo import ReconRepository
from ledgerline.store.records_repo import EventRepository, IdempotencyRepository, TimelineRepository
from ledgerline.store.resilience_repo import (
    ExceptionRepository,
    ProviderHealthRepository,
    RoutingRepository,
    WebhookRepository,
)
from ledgerline.store.webhooks_out_repo import OutboundRepository


class SqlUnitOfWork:
    """`with uow: ...; uow.commit()` — leaving the block without commit rolls everything back."""

    payments: PaymentRepository
    attempts: AttemptRepository
    merchants: MerchantRepository
    ledger: LedgerRepository
    events: EventRepository
    timeline: TimelineRepository
    jobs: JobQueue
    idempotency: IdempotencyRepository
    webhooks: WebhookRepository
    exceptions: ExceptionRepository
    health: ProviderHealthRepository
    routing: RoutingRepository
    refunds: RefundRepository
    payouts: PayoutRepository
    pricing: PricingRepository
    recon: ReconRepository
    outbound: OutboundRepository

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._connection: Connection | None = None

    def __enter__(self) -> SqlUnitOfWork:
        assert self._connection is None, "a unit of work is not re-entrant"
        connection = self._engine.connect()
        if self._read_only:
            connection.execution_options(**{READ_ONLY: True})
        connection.begin()
        self._connection = connection
        self.payments = PaymentRepository(connection, lock=connection.dialect.name == "postgresql")
        self.attempts = AttemptRepository(connection)
        self.merchants = MerchantRepository(connection)
        self.ledger = LedgerRepository(connection)
        self.events = EventRepository(connection)
        self.timeline = TimelineRepository(connection)
        self.jobs = JobQueue(connection)
        self.idempotency = IdempotencyRepository(connection)
        self.webhooks = WebhookRepository(connection)
        self.exceptions = ExceptionRepository(connection)
        self.health = ProviderHealthRepository(connection)
        self.routing = RoutingRepository(connection)
        self.refunds = RefundRepository(connection)
        self.payouts = PayoutRepository(connection)
        self.pricing = PricingRepository(connection)
        self.recon = ReconRepository(connection)
        self.outbound = OutboundRepository(connection)
        return self

    def commit(self) -> None:
        assert self._connection is not None
        assert not self._read_only, "a read-only unit of work has nothing to commit"
        self._connection.commit()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        assert connection is not None
        try:
            if connection.in_transaction():
                connection.rollback()
        finally:
            connection.close()


class SqlUnitOfWorkFactory:
    """Makes a fresh unit of work per use case step; the `UnitOfWorkFactory` port."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, read_only=read_only)
