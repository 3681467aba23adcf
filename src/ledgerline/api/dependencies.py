"""Request-scoped dependencies: the wired services and the authenticated merchant."""

from __future__ import annotations

from fastapi import Request

from ledgerline.services import merchants
from ledgerline.services.deps import Deps
from ledgerline.services.merchants import Principal


def deps_of(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


def principal(request: Request) -> Principal:
    """The merchant behind `Authorization: Bearer sk_…`; 401 in the error shape otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    token = secret.strip() if scheme.lower() == "bearer" else None
    return merchants.authenticate(deps_of(request), secret=token or None)
