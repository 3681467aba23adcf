"""Merchants and their secret API keys (stored only as hashes)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ledgerline.domain.errors import LedgerlineError
from ledgerline.services.deps import Deps
from ledgerline.services.ports import UnitOfWork

SCOPES = frozenset(
    {
        "payments:read",
        "payments:write",
        "payouts:read",
        "payouts:write",
        "balance:read",
        "exceptions:read",
        "exceptions:write",
        "providers:read",
    }
)
ALL_SCOPES = ",".join(sorted(SCOPES))
NAME_LENGTH_MAX = 200


@dataclass(frozen=True, slots=True)
class NewKey:
    key_id: str
    merchant_id: str
    secret: str  # shown once, never stored
    scopes: str


@dataclass(frozen=True, slots=True)
class Principal:
    merchant_id: str
    scopes: frozenset[str]

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise LedgerlineError("api_key_scope_insufficient", detail=f"needs {scope}")


def hash_secret(secret: str) -> str:
    # Keys are long random tokens, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_merchant(deps: Deps, *, name: str) -> NewKey:
    """A merchant plus its first secret key with every scope."""
    name = name.strip()
    if not name or len(name) > NAME_LENGTH_MAX:
        raise LedgerlineError(
            "parameter_invalid", param="name", detail=f"1 to {NAME_LENGTH_MAX} characters"
        )
    now = deps.clock.now()
    merchant_id = deps.ids.new("mer", now=now)
    with deps.uow() as uow:
        uow.merchants.add(merchant_id=merchant_id, name=name, now=now)
        key = _add_key(deps, uow=uow, merchant_id=merchant_id, scopes=ALL_SCOPES)
        uow.commit()
    return key


def create_key(deps: Deps, *, merchant_id: str, scopes: list[str] | None = None) -> NewKey:
    chosen = sorted(set(scopes or SCOPES))
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown:
        raise LedgerlineError(
            "parameter_invalid", param="scope", detail=f"unknown scope {unknown[0]!r}"
        )
    with deps.uow() as uow:
        if not uow.merchants.exists(merchant_id):
            raise LedgerlineError("merchant_not_found", param="merchant_id", detail=merchant_id)
        key = _add_key(deps, uow=uow, merchant_id=merchant_id, scopes=",".join(chosen))
        uow.commit()
    return key


def _add_key(deps: Deps, *, uow: UnitOfWork, merchant_id: str, scopes: str) -> NewKey:
    now = deps.clock.now()
    secret = f"sk_test_{deps.ids.token()}"
    key_id = deps.ids.new("key", now=now)
    uow.merchants.add_key(
        key_id=key_id,
        merchant_id=merchant_id,
        secret_hash=hash_secret(secret),
        hint=secret[-4:],
        scopes=scopes,
        now=now,
    )
    return NewKey(key_id=key_id, merchant_id=merchant_id, secret=secret, scopes=scopes)


def authenticate(deps: Deps, *, secret: str | None) -> Principal:
    """The merchant behind a bearer secret; raises `api_key_missing` / `api_key_invalid`."""
    if not secret:
        raise LedgerlineError("api_key_missing")
    with deps.uow(read_only=True) as uow:
        found = uow.merchants.key_by_hash(hash_secret(secret))
    if found is None or found[2]:
        raise LedgerlineError("api_key_invalid")
    return Principal(merchant_id=found[0], scopes=frozenset(found[1].split(",")))
