"""Inbound webhooks (stored first, verified, deduplicated, never moving a state back) and the
exception queue a person works from."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time

from sqlalchemy import text

from ledgerline.services import sweeper
from ledgerline.services.deps import ProcessingPolicy
from tests.fixtures_app import FAST_POLICY, WEBHOOK_SECRET

VISA = {"amount": 1999, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}


def _signed(
    event: dict, *, secret: str = WEBHOOK_SECRET, at: float | None = None
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event).encode()
    t = int(at if at is not None else time.time())
    signature = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Sim-Signature": f"t={t},v1={signature}", "Content-Type": "application/json"}


def _event(attempt: dict, status: str, event_id: str = "evt_1") -> dict:
    record = {
        "kind": "charge",
        "provider": attempt["provider"],
        "idempotency_key": attempt["id"],
        "status": status,
        "id": attempt["provider_reference"] or "ch_x",
        "decline_code": None if status == "succeeded" else "card_declined",
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    return {"id": event_id, "type": f"charge.{status}", "data": record}


def _stored(engine_app) -> list[tuple[str, str | None]]:
    with engine_app.engine.connect() as c:
        return [
            tuple(r)
            for r in c.execute(text("SELECT status, reason FROM inbound_webhooks ORDER BY id"))
        ]


def test_a_bad_signature_is_a_401_recorded_and_changes_nothing(client, auth, engine_app):
    payment = client.post("/v1/payments", json=VISA, headers=auth).json()
    body, headers = _signed(_event(payment["attempts"][0], "declined"), secret="wrong")
    response = client.post("/v1/providers/sim_a/webhooks", content=body, headers=headers)
    assert response.status_code == 401 and response.json()["error"]["code"] == "webhook_rejected"
    assert _stored(engine_app) == [("rejected", "signature_invalid")]
    assert client.get(f"/v1/payments/{payment['id']}", headers=auth).json()["status"] == "succeeded"


def test_a_stale_timestamp_is_rejected(client, auth, engine_app):
    payment = client.post("/v1/payments", json=VISA, headers=auth).json()
    body, headers = _signed(_event(payment["attempts"][0], "succeeded"), at=time.time() - 600)
    assert (
        client.post("/v1/providers/sim_a/webhooks", content=body, headers=headers).status_code
        == 401
    )
    assert _stored(engine_app) == [("rejected", "timestamp_stale")]


def test_duplicates_are_recognised_and_a_late_contrary_webhook_moves_nothing_back(
    client, auth, engine_app, run_worker_until
):
    payment = client.post("/v1/payments", json=VISA, headers=auth).json()
    attempt = payment["attempts"][0]
    body, headers = _signed(_event(attempt, "succeeded", "evt_a"))
    first = client.post("/v1/providers/sim_a/webhooks", content=body, headers=headers).json()
    again = client.post("/v1/providers/sim_a/webhooks", content=body, headers=headers).json()
    assert (first["duplicate"], again["duplicate"]) == (False, True)
    contrary, headers = _signed(_event(attempt, "declined", "evt_b"))
    assert (
        client.post("/v1/providers/sim_a/webhooks", content=contrary, headers=headers).status_code
        == 200
    )
    run_worker_until(engine_app, lambda: all(s != "queued" for s, _ in _stored(engine_app)))

    assert client.get(f"/v1/payments/{payment['id']}", headers=auth).json()["status"] == "succeeded"
    assert [s for s, _ in _stored(engine_app)] == ["processed", "duplicate", "processed"]
    [exception] = client.get("/v1/exceptions", headers=auth).json()["data"]
    assert exception["kind"] == "conflicting_evidence" and attempt["id"] in exception["reason"]


def test_a_webhook_resolves_an_unknown_attempt_before_the_inquiry_does(
    make_app, client, auth, run_worker_until
):
    slow = ProcessingPolicy(route=("sim_a", "sim_b"), inquiry_delays_s=(3600,))
    app = make_app(slow)
    from fastapi.testclient import TestClient

    from ledgerline.api.app import create_app

    with TestClient(create_app(app)) as slow_client:
        payment = slow_client.post(
            "/v1/payments", json={**VISA, "payment_method": "pm_card_lost_response"}, headers=auth
        ).json()
        attempt = payment["attempts"][0]
        assert attempt["status"] == "unknown"
        body, headers = _signed(
            _event(attempt | {"provider_reference": "ch_from_webhook"}, "succeeded", "evt_c")
        )
        slow_client.post("/v1/providers/sim_a/webhooks", content=body, headers=headers)
        run_worker_until(
            app,
            lambda: (
                slow_client.get(f"/v1/payments/{payment['id']}", headers=auth).json()["status"]
                == "succeeded"
            ),
        )
        final = slow_client.get(f"/v1/payments/{payment['id']}", headers=auth).json()
    assert final["attempts"][0]["evidence"] == "webhook"


def test_stuck_unknown_outcomes_become_exceptions_that_close_when_resolved(
    make_app, auth, run_worker_until
):
    from fastapi.testclient import TestClient

    from ledgerline.api.app import create_app

    policy = ProcessingPolicy(
        route=("sim_a", "sim_b"), inquiry_delays_s=(3600,), unknown_sla_s=0, processing_sla_s=0
    )
    app = make_app(policy)
    with TestClient(create_app(app)) as c:
        payment = c.post(
            "/v1/payments", json={**VISA, "payment_method": "pm_card_lost_response"}, headers=auth
        ).json()
        sweeper.sweep(app.deps)
        open_ = c.get("/v1/exceptions?kind=unknown_outcome", headers=auth).json()["data"]
        assert [e["subject"]["id"] for e in open_] == [payment["id"]]
        assert "No other attempt will start" in open_[0]["reason"]
        assert open_[0]["subject"]["timeline_url"] == f"/v1/payments/{payment['id']}/timeline"
        # Evidence arrives (the inquiry, run now): the payment ends and its exceptions close themselves.
        fast = make_app(FAST_POLICY)
        from ledgerline.services import processing

        processing.inquire_attempt(fast.deps, payment["attempts"][0]["id"])
        assert c.get("/v1/exceptions", headers=auth).json()["data"] == []
        closed = c.get("/v1/exceptions?status=resolved", headers=auth).json()["data"]
        assert {e["kind"] for e in closed} == {"unknown_outcome", "stuck_processing"}
        assert all(e["resolution_note"].startswith("resolved automatically") for e in closed)


def test_a_person_resolves_an_exception_with_a_note_once(client, auth, engine_app):
    payment = client.post("/v1/payments", json=VISA, headers=auth).json()
    attempt = payment["attempts"][0]
    contrary, headers = _signed(_event(attempt, "declined", "evt_d"))
    client.post("/v1/providers/sim_a/webhooks", content=contrary, headers=headers)
    from ledgerline.services import webhooks

    with engine_app.engine.connect() as c:
        webhook_id = c.execute(text("SELECT id FROM inbound_webhooks")).scalar_one()
    webhooks.process(engine_app.deps, webhook_id=webhook_id)
    [exception] = client.get("/v1/exceptions", headers=auth).json()["data"]
    empty = client.post(
        f"/v1/exceptions/{exception['id']}/resolve", json={"note": ""}, headers=auth
    )
    assert empty.status_code == 400
    done = client.post(
        f"/v1/exceptions/{exception['id']}/resolve",
        json={"note": "provider confirmed success"},
        headers=auth,
    )
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    twice = client.post(
        f"/v1/exceptions/{exception['id']}/resolve", json={"note": "again"}, headers=auth
    )
    assert (
        twice.status_code == 409 and twice.json()["error"]["code"] == "exception_already_resolved"
    )
    timeline = client.get(f"/v1/payments/{payment['id']}/timeline", headers=auth).json()["data"]
    assert (
        timeline[-1]["kind"] == "exception_resolved"
        and "provider confirmed success" in timeline[-1]["summary"]
    )


def test_exceptions_are_per_merchant(client, auth, other_auth, engine_app):
    payment = client.post("/v1/payments", json=VISA, headers=auth).json()
    contrary, headers = _signed(_event(payment["attempts"][0], "declined", "evt_e"))
    client.post("/v1/providers/sim_a/webhooks", content=contrary, headers=headers)
    from ledgerline.services import webhooks

    with engine_app.engine.connect() as c:
        webhook_id = c.execute(text("SELECT id FROM inbound_webhooks")).scalar_one()
    webhooks.process(engine_app.deps, webhook_id=webhook_id)
    [exception] = client.get("/v1/exceptions", headers=auth).json()["data"]
    assert client.get("/v1/exceptions", headers=other_auth).json()["data"] == []
    stolen = client.post(
        f"/v1/exceptions/{exception['id']}/resolve", json={"note": "not mine"}, headers=other_auth
    )
    assert stolen.status_code == 404


def test_a_success_reported_for_a_failed_attempt_is_refunded_automatically(
    client, auth, engine_app, simulator, run_worker_until
):
    """The provider broke its word: it said no, then charged anyway. The payer gets the money back."""
    import httpx

    declined = client.post(
        "/v1/payments", json={**VISA, "payment_method": "pm_card_declined"}, headers=auth
    ).json()
    attempt = declined["attempts"][0]
    real = httpx.post(
        f"{simulator.base_url}/sim_a/v1/charges",
        headers={"Idempotency-Key": "rogue"},
        json={"amount_minor": 1999, "currency": "USD", "payment_method": "pm_card_visa"},
    ).json()
    body, headers = _signed(
        _event(attempt | {"provider_reference": real["id"]}, "succeeded", "evt_rogue")
    )
    assert (
        client.post("/v1/providers/sim_a/webhooks", content=body, headers=headers).status_code
        == 200
    )
    run_worker_until(engine_app, lambda: any(r["kind"] == "refund" for r in simulator.records()))
    run_worker_until(
        engine_app,
        lambda: client.get("/v1/refunds", headers=auth).json()["data"][0]["status"] == "succeeded",
    )

    [refund] = client.get("/v1/refunds", headers=auth).json()["data"]
    assert (refund["amount"], refund["reason"], refund["payment"]) == (
        1999,
        "duplicate",
        declined["id"],
    )
    assert client.get(f"/v1/payments/{declined['id']}", headers=auth).json()["status"] == "failed"
    [exception] = client.get("/v1/exceptions", headers=auth).json()["data"]
    assert exception["kind"] == "conflicting_evidence" and refund["id"] in exception["reason"]
    from ledgerline.services.verify import verify

    assert [r.name for r in verify(engine_app.audit) if not r.passed] == []
