"""The HTTP API: a FastAPI application over the services."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from ledgerline import __version__
from ledgerline.api import errors
from ledgerline.api.middleware import RequestIdAndBodyLimit
from ledgerline.api.routes_events import router as events_router
from ledgerline.api.routes_exceptions import router as exceptions_router
from ledgerline.api.routes_money import router as money_router
from ledgerline.api.routes_payer import router as payer_router
from ledgerline.api.routes_payments import router as payments_router
from ledgerline.api.routes_providers import router as providers_router
from ledgerline.api.routes_recon import router as recon_router
from ledgerline.bootstrap import App


def create_app(app: App) -> FastAPI:
    api = FastAPI(
        title="Ledgerline",
        version=__version__,
        description="Payments that are never lost, duplicated, or left silently stuck.",
    )
    api.state.deps = app.deps
    api.state.ledgerline = app
    errors.install(api)
    api.include_router(payer_router)
    api.add_middleware(RequestIdAndBodyLimit, body_max_bytes=app.settings.request_body_max_bytes)
    for router in (
        payments_router,
        money_router,
        providers_router,
        exceptions_router,
        recon_router,
        events_router,
    ):
        api.include_router(router)

    @api.get("/health", summary="Liveness and database reachability")
    def health() -> dict[str, Any]:
        with app.deps.uow(read_only=True) as uow:
            uow.merchants.exists("health-check")  # one round trip to the database
        return {"status": "ok", "database": app.engine.dialect.name, "version": __version__}

    return api
