"""ASGI middleware: request ids and a hard limit on request body size."""

from __future__ import annotations

import json
import secrets
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledgerline.api.errors import error_body


class RequestIdAndBodyLimit:
    """Gives each request an id (echoed as `Request-Id`) and refuses bodies over the limit
    with 413 before any handler sees them, whether or not Content-Length was declared."""

    def __init__(self, app: ASGIApp, *, body_max_bytes: int) -> None:
        self.app = app
        self.body_max_bytes = body_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = f"req_{secrets.token_hex(12)}"
        scope.setdefault("state", {})["request_id"] = request_id
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.body_max_bytes:
            await self._too_large(send, request_id)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.body_max_bytes:
                    # Raised inside the route's body read, so the app's handler renders it.
                    raise HTTPException(status_code=413)
            return message

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"request-id", request_id.encode()))
            await send(message)

        await self.app(scope, limited_receive, send_with_id)

    @staticmethod
    async def _too_large(send: Send, request_id: str) -> None:
        body: dict[str, Any] = error_body("body_too_large", request_id=request_id)
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"request-id", request_id.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
