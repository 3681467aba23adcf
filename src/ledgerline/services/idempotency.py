"""Idempotent POSTs: the first response per (merchant, key) is stored and replayed.

Same key and same request → the stored response, byte for byte. Same key, different request →
`idempotency_key_reused`. Same key while the first is still running → `idempotency_key_in_use`.
A request that died mid-way leaves its key locked; after `lock_s` a retry takes it over, and the
use case itself recognises work already done (e.g. a payment created under that key).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ledgerline.domain.errors import LedgerlineError
from ledgerline.services.deps import Deps

KEY_LENGTH_MAX = 255
LOCK_S = 60.0  # longer than any request may take: provider timeouts are a few seconds
KEEP_S = 48 * 3600  # keys replay for at least 24 h; two days covers a weekend retry


@dataclass(frozen=True, slots=True)
class Replay:
    status: int
    body: str


def fingerprint(*, method: str, path: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def validate_key(key: str) -> str:
    if not (1 <= len(key) <= KEY_LENGTH_MAX) or not key.isprintable():
        raise LedgerlineError("idempotency_key_invalid", param="Idempotency-Key")
    return key


def begin(deps: Deps, *, merchant_id: str, key: str, request_fingerprint: str) -> Replay | None:
    """Replay a finished request, refuse a conflicting one, or lock the key for this one."""
    now = deps.clock.now()
    with deps.uow() as uow:
        stored = uow.idempotency.get(merchant_id, key)
        if stored is not None and stored.fingerprint != request_fingerprint:
            raise LedgerlineError("idempotency_key_reused", param="Idempotency-Key")
        if stored is not None and stored.status == "done":
            assert stored.response_status is not None and stored.response_body is not None
            return Replay(status=stored.response_status, body=stored.response_body)
        locked = uow.idempotency.try_lock(
            merchant_id=merchant_id,
            key=key,
            fingerprint=request_fingerprint,
            now=now,
            stale_before=now - dt.timedelta(seconds=LOCK_S),
        )
        if not locked:
            raise LedgerlineError("idempotency_key_in_use", param="Idempotency-Key")
        uow.commit()
    return None


def finish(deps: Deps, *, merchant_id: str, key: str, status: int, body: str) -> None:
    with deps.uow() as uow:
        uow.idempotency.finish(
            merchant_id=merchant_id, key=key, response_status=status, response_body=body
        )
        uow.commit()


def release(deps: Deps, *, merchant_id: str, key: str) -> None:
    """Our own failure: let the client retry the key instead of replaying an error."""
    with deps.uow() as uow:
        uow.idempotency.release(merchant_id=merchant_id, key=key)
        uow.commit()
