"""Events API and outbound webhooks, end to end with a real receiver."""

from __future__ import annotations

import datetime as dt
import json

from standardwebhooks.webhooks import Webhook

from ledgerline.services import deliveries
from tests.notify.test_transport import Receiver

VISA = {"amount": 1999, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}


def test_events_list_newest_first_with_type_filter_and_cursor(client, auth):
    payment = client.post("/v1/payments", json=VISA, headers=auth).json()
    events = client.get("/v1/events?limit=100", headers=auth).json()["data"]
    assert [e["type"] for e in events] == [
        "payment.succeeded",
        "payment.processing",
        "payment.created",
    ]
    assert events[0]["data"]["object"]["id"] == payment["id"]
    only = client.get("/v1/events?type=payment.created", headers=auth).json()["data"]
    assert [e["type"] for e in only] == ["payment.created"]
    page = client.get(f"/v1/events?limit=1&starting_after={events[0]['id']}", headers=auth).json()
    assert [e["id"] for e in page["data"]] == [events[1]["id"]] and page["has_more"]
    assert (
        client.get(f"/v1/events/{events[2]['id']}", headers=auth).json()["type"]
        == "payment.created"
    )


def test_subscribed_events_are_delivered_signed_and_every_attempt_is_recorded(
    client, auth, engine_app, run_worker_until
):
    with Receiver() as receiver:
        endpoint = client.post(
            "/v1/webhook_endpoints",
            json={"url": receiver.url, "enabled_events": ["payment.succeeded"]},
            headers=auth,
        ).json()
        assert endpoint["secret"].startswith("whsec_")
        assert "secret" not in client.get("/v1/webhook_endpoints", headers=auth).json()["data"][0]
        client.post("/v1/payments", json=VISA, headers=auth)
        run_worker_until(engine_app, lambda: len(receiver.received) == 1)
        [(headers, body)] = receiver.received
        delivered = Webhook(endpoint["secret"]).verify(body, headers)
        assert (
            delivered["type"] == "payment.succeeded" and delivered["data"]["status"] == "succeeded"
        )
        receiver.status = 500
        events = client.get("/v1/events?type=payment.succeeded", headers=auth).json()["data"]
        client.post(f"/v1/events/{events[0]['id']}/redeliver", headers=auth)
        run_worker_until(engine_app, lambda: len(receiver.received) == 2)
    log = client.get(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries", headers=auth).json()[
        "data"
    ]
    assert [(d["status_code"], d["succeeded"]) for d in log] == [(500, False), (200, True)]


def test_failures_follow_the_retry_schedule_and_410_disables_the_endpoint(client, auth, engine_app):
    from sqlalchemy import text

    with Receiver() as receiver:
        receiver.status = 503
        endpoint = client.post(
            "/v1/webhook_endpoints", json={"url": receiver.url}, headers=auth
        ).json()
        client.post("/v1/payments", json={**VISA, "confirm": False}, headers=auth)
        event = client.get("/v1/events", headers=auth).json()["data"][0]
        deliveries.deliver(
            engine_app.deps, endpoint_id=endpoint["id"], event_id=event["id"], attempt=1
        )
        with engine_app.engine.connect() as c:
            run_at, attempt = c.execute(
                text("SELECT run_at, payload FROM jobs WHERE kind = 'webhook.deliver'")
            ).one()
        attempt = json.loads(attempt) if isinstance(attempt, str) else attempt  # raw JSON column
        assert attempt["attempt"] == 2
        run_at = dt.datetime.fromisoformat(str(run_at)).replace(
            tzinfo=dt.UTC
        )  # raw column, naive UTC
        assert (
            abs((run_at - dt.datetime.now(dt.UTC)).total_seconds() - 5) < 3
        )  # the schedule's second step: 5 s
        receiver.status = 410
        deliveries.deliver(
            engine_app.deps, endpoint_id=endpoint["id"], event_id=event["id"], attempt=2
        )
    [shown] = client.get("/v1/webhook_endpoints", headers=auth).json()["data"]
    assert shown["status"] == "disabled" and "410" in shown["disabled_reason"]
    assert client.get("/v1/events?type=webhook_endpoint.disabled", headers=auth).json()["data"]


def test_bad_endpoints_are_refused(client, auth):
    for body, param in (
        ({"url": "ftp://x"}, "url"),
        ({"url": "https://x.test", "enabled_events": ["nope"]}, "enabled_events"),
    ):
        response = client.post("/v1/webhook_endpoints", json=body, headers=auth)
        assert response.status_code == 400 and response.json()["error"]["param"] == param
