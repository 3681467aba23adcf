"""Runs a POST handler under its Idempotency-Key (see services/idempotency.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import Request, Response

from ledgerline.api.errors import error_response, request_id_of
from ledgerline.domain.errors import LedgerlineError
from ledgerline.services import idempotency
from ledgerline.services.deps import Deps
from ledgerline.services.merchants import Principal

Handler = Callable[[str | None], tuple[int, dict[str, Any]]]


def _json(status: int, body: str, *, replayed: bool = False) -> Response:
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return Response(
        content=body, status_code=status, media_type="application/json", headers=headers
    )


def run_idempotent(
    request: Request, deps: Deps, who: Principal, body: Any, handler: Handler
) -> Response:
    """Call `handler(key)`; with an Idempotency-Key, store its first response and replay it.

    Expected errors that will not change on retry (4xx) are stored like successes; retryable
    ones and crashes release the key so the client can simply try again.
    """
    key = request.headers.get("idempotency-key")
    if key is None:
        status, payload = _call(request, handler, None)
        return _json(status, json.dumps(payload))
    key = idempotency.validate_key(key)
    fingerprint = idempotency.fingerprint(method=request.method, path=request.url.path, body=body)
    replay = idempotency.begin(
        deps, merchant_id=who.merchant_id, key=key, request_fingerprint=fingerprint
    )
    if replay is not None:
        return _json(replay.status, replay.body, replayed=True)
    try:
        status, payload = _call(request, handler, key)
    except BaseException:
        idempotency.release(deps, merchant_id=who.merchant_id, key=key)
        raise
    text = json.dumps(payload)
    if payload.get("error", {}).get("retryable"):
        idempotency.release(deps, merchant_id=who.merchant_id, key=key)
    else:
        idempotency.finish(deps, merchant_id=who.merchant_id, key=key, status=status, body=text)
    return _json(status, text)


def _call(request: Request, handler: Handler, key: str | None) -> tuple[int, dict[str, Any]]:
    try:
        return handler(key)
    except LedgerlineError as exc:
        return error_response(exc, request_id_of(request))
