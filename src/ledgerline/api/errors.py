"""One error shape for every failure: `{"error": {type, code, message, message_zh, param, retryable, request_id}}`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledgerline.domain.errors import LedgerlineError, spec_for

log = logging.getLogger(__name__)


def error_body(
    code: str, *, request_id: str, param: str | None = None, detail: str | None = None
) -> dict[str, Any]:
    spec = spec_for(code)
    message, message_zh = spec.message, spec.message_zh
    if detail:
        message, message_zh = f"{message} ({detail})", f"{message_zh}（{detail}）"
    return {
        "error": {
            "type": spec.type.value,
            "code": code,
            "message": message,
            "message_zh": message_zh,
            "param": param,
            "retryable": spec.retryable,
            "request_id": request_id,
        }
    }


def error_response(exc: LedgerlineError, request_id: str) -> tuple[int, dict[str, Any]]:
    body = error_body(exc.code, request_id=request_id, param=exc.param, detail=exc.detail)
    return exc.spec.http_status, body


def request_id_of(request: Request) -> str:
    return str(getattr(request.state, "request_id", "req_unknown"))


_PYDANTIC_CODES = {
    "missing": "parameter_missing",
    "extra_forbidden": "parameter_unknown",
    "json_invalid": "body_malformed",
    "model_attributes_type": "body_malformed",
}


def _validation_code(error: dict[str, Any], param: str | None) -> str:
    code = _PYDANTIC_CODES.get(str(error.get("type")), "parameter_invalid")
    if code == "parameter_invalid" and param == "amount":
        return "amount_invalid"
    if error.get("type") == "model_type" and not param:
        return "body_malformed"  # a JSON array or string where an object belongs
    return code


def install(app: FastAPI) -> None:
    @app.exception_handler(LedgerlineError)
    async def _expected(request: Request, exc: LedgerlineError) -> JSONResponse:
        status, body = error_response(exc, request_id_of(request))
        return JSONResponse(body, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        location = [
            str(part)
            for part in first.get("loc", ())
            if part not in ("body", "query", "path", "header")
        ]
        param = ".".join(location) or None
        code = _validation_code(first, param)
        detail = str(first.get("msg", ""))
        body = error_body(code, request_id=request_id_of(request), param=param, detail=detail)
        return JSONResponse(body, status_code=spec_for(code).http_status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "resource_missing", 405: "resource_missing", 413: "body_too_large"}
        code = codes.get(exc.status_code, "parameter_invalid")
        detail = None if exc.status_code == 413 else str(exc.detail)
        body = error_body(code, request_id=request_id_of(request), detail=detail)
        return JSONResponse(body, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error in %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body("internal_error", request_id=request_id_of(request)), status_code=500
        )
