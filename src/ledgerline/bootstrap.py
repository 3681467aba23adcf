"""The composition root: the one place that builds engines, connectors and services."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from ledgerline.config import Settings
from ledgerline.notify.transport import HttpWebhookTransport
from ledgerline.providers.registry import build_simulator_registry
from ledgerline.recon.matcher import PolarsMatcher
from ledgerline.recon.parsers import parse as parse_statement
from ledgerline.services.deps import Deps, ProcessingPolicy
from ledgerline.services.ports import Clock, ConnectorRegistry
from ledgerline.store.audit_queries import SqlLedgerAudit
from ledgerline.store.engine import make_engine
from ledgerline.store.ids import IdFactory, SystemClock
from ledgerline.store.migrate import upgrade
from ledgerline.store.uow import SqlUnitOfWorkFactory
from ledgerline.store.vault import Vault, key_from_file


@dataclass(frozen=True, slots=True)
class App:
    settings: Settings
    engine: Engine
    deps: Deps
    audit: SqlLedgerAudit

    def close(self) -> None:
        """Release connections: the database pool and the providers' HTTP clients."""
        for resource in (self.deps.providers, self.deps.webhook_transport):
            close = getattr(resource, "close", None)
            if close is not None:
                close()
        self.engine.dispose()


def build(
    settings: Settings | None = None,
    *,
    providers: ConnectorRegistry | None = None,
    clock: Clock | None = None,
    policy: ProcessingPolicy | None = None,
    migrate: bool = False,
) -> App:
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    if providers is None:
        secrets = {
            name: settings.simulator_webhook_secret for name in ("sim_a", "sim_b", "sim_bank")
        }
        providers = build_simulator_registry(
            settings.simulator_url, secrets, settings.provider_timeout_s
        )
    deps = Deps(
        uow=SqlUnitOfWorkFactory(engine),
        providers=providers,
        clock=clock or SystemClock(),
        ids=IdFactory(),
        policy=policy or ProcessingPolicy(route=tuple(settings.route)),
        vault=Vault(settings.data_key or key_from_file(Path(settings.data_key_file))),
        matcher=PolarsMatcher(),
        parse_statement=parse_statement,
        webhook_transport=HttpWebhookTransport(),
    )
    return App(settings=settings, engine=engine, deps=deps, audit=SqlLedgerAudit(engine))
