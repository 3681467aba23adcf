"""Outbound signatures follow Standard Webhooks exactly (the upstream test vector), and a real
receiver verifies them with the official library."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from ledgerline.notify.transport import HttpWebhookTransport

VECTORS = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "samples"
    / "standard_webhooks"
    / "vectors.json"
)


class Receiver:
    """A real HTTP server on loopback that records what it receives and answers as told."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *args: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


@pytest.mark.skipif(not VECTORS.exists(), reason="standard webhooks vectors not found")
def test_signatures_match_the_upstream_vector():
    vector = json.loads(VECTORS.read_text())["sign_vectors"][0]
    moment = dt.datetime.fromtimestamp(vector["timestamp"], dt.UTC)
    assert (
        Webhook(vector["secret"]).sign(vector["msg_id"], moment, vector["payload"])
        == vector["expected_signature"]
    )


def test_a_receiver_verifies_our_delivery_with_the_official_library(receiver):
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    transport = HttpWebhookTransport()
    now = dt.datetime.now(dt.UTC)
    status, latency_ms, excerpt = transport.send(
        url=receiver.url,
        secrets=[secret],
        msg_id="evt_1",
        timestamp=now,
        body='{"type":"payment.succeeded"}',
    )
    transport.close()
    assert (status, excerpt) == (200, "ok") and latency_ms >= 0
    [(headers, body)] = receiver.received
    assert headers["webhook-id"] == "evt_1"
    assert Webhook(secret).verify(body, headers) == {"type": "payment.succeeded"}


def test_during_a_rotation_both_secrets_sign(receiver):
    old, new = (
        "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsec_" + "dGhpcyBpcyBhIG5ldyBzZWNyZXQ=",
    )
    transport = HttpWebhookTransport()
    transport.send(
        url=receiver.url,
        secrets=[new, old],
        msg_id="evt_2",
        timestamp=dt.datetime.now(dt.UTC),
        body="{}",
    )
    transport.close()
    [(headers, body)] = receiver.received
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):  # a receiver holding either secret accepts it
        assert Webhook(secret).verify(body, headers) == {}


def test_an_unreachable_endpoint_is_an_outcome_not_an_exception():
    transport = HttpWebhookTransport()
    status, _, error = transport.send(
        url="http://127.0.0.1:9/x",
        secrets=["whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        msg_id="evt_3",
        timestamp=dt.datetime.now(dt.UTC),
        body="{}",
    )
    transport.close()
    assert status is None and "ConnectError" in error
