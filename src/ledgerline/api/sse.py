"""Server-Sent Events for one payment: every event, then the stream ends once the payment has."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

from ledgerline.services import live
from ledgerline.services.deps import Deps

POLL_S = 0.5  # the outbox is the source; half a second is live enough for a person watching
STREAM_S_MAX = 300.0  # a browser reconnects with Last-Event-ID; no stream holds a thread forever
HEARTBEAT_S = 15.0  # a comment line keeps proxies from closing an idle stream


def payment_stream(deps: Deps, *, payment_id: str, last_event_id: int = 0) -> Iterator[str]:
    started = seen_at = time.monotonic()
    after = last_event_id
    while time.monotonic() - started < STREAM_S_MAX:
        rows, ended = live.events_since(deps, payment_id=payment_id, after_seq=after)
        for row in rows:
            after = row["seq"]
            seen_at = time.monotonic()
            body = json.dumps(
                {"id": row["id"], "type": row["type"], "status": row["data"].get("status")}
            )
            yield f"id: {row['seq']}\nevent: {row['type']}\ndata: {body}\n\n"
        if ended and not rows:
            yield "event: end\ndata: {}\n\n"
            return
        if time.monotonic() - seen_at > HEARTBEAT_S:
            seen_at = time.monotonic()
            yield ": still waiting\n\n"
        time.sleep(POLL_S)
