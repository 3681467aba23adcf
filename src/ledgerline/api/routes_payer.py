"""The payer's status page: `/pay/{payment_id}?token=…`, no secret key, English or Chinese by
Accept-Language, updated live from the payment's event stream."""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from ledgerline.api.dependencies import deps_of
from ledgerline.api.sse import payment_stream
from ledgerline.services import live
from ledgerline.services.deps import Deps

router = APIRouter()
Wired = Annotated[Deps, Depends(deps_of)]

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{headline}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}}
.status{{font-size:1.6rem;margin:.5rem 0}} .amount{{color:#555}} .guidance{{margin-top:1rem}}</style></head>
<body><p class="amount">{amount}</p><p class="status" id="status" data-status="{status}">{headline}</p>
<p class="guidance">{guidance}</p>
<script>
const live = new EventSource({stream_url});
live.onmessage = () => location.reload();
["payment.succeeded", "payment.failed", "payment.canceled"].forEach(t => live.addEventListener(t, () => location.reload()));
live.addEventListener("end", () => live.close());
</script></body></html>"""


def _chinese(accept_language: str | None) -> bool:
    first = (accept_language or "").split(",")[0].strip().lower()
    return first.startswith("zh")


@router.get("/pay/{payment_id}", response_class=HTMLResponse, include_in_schema=False)
def payer_page(
    payment_id: str,
    deps: Wired,
    token: Annotated[str, Query(max_length=128)] = "",
    accept_language: Annotated[str | None, Header()] = None,
) -> HTMLResponse:
    payment = live.payment_for_payer(deps, payment_id=payment_id, token=token)
    chinese = _chinese(accept_language)
    view = live.payer_view(payment, chinese=chinese)
    stream_url = f'"/pay/{html.escape(payment_id)}/stream?token={html.escape(token)}"'
    return HTMLResponse(
        PAGE.format(
            lang="zh-CN" if chinese else "en",
            stream_url=stream_url,
            **{k: html.escape(v) for k, v in view.items()},
        )
    )


@router.get("/pay/{payment_id}/stream", include_in_schema=False)
def payer_stream(
    payment_id: str,
    request: Request,
    deps: Wired,
    token: Annotated[str, Query(max_length=128)] = "",
) -> StreamingResponse:
    live.payment_for_payer(deps, payment_id=payment_id, token=token)
    last = request.headers.get("last-event-id", "0")
    return StreamingResponse(
        payment_stream(
            deps, payment_id=payment_id, last_event_id=int(last) if last.isdigit() else 0
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store"},
    )
