"""Idempotency-Key: replay the first response, refuse a different body, survive a restart."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from ledgerline.api.app import create_app
from ledgerline.bootstrap import build

VISA = {"amount": 1999, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}


def test_same_key_same_body_replays_the_first_response_and_charges_once(client, auth, simulator):
    headers = {**auth, "Idempotency-Key": "order-1"}
    first = client.post("/v1/payments", json=VISA, headers=headers)
    second = client.post("/v1/payments", json=VISA, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert second.headers.get("idempotent-replayed") == "true"
    assert len(client.get("/v1/payments", headers=auth).json()["data"]) == 1
    assert len([r for r in simulator.records() if r["kind"] == "charge"]) == 1


def test_same_key_different_body_is_a_409(client, auth):
    headers = {**auth, "Idempotency-Key": "order-2"}
    client.post("/v1/payments", json=VISA, headers=headers)
    response = client.post("/v1/payments", json={**VISA, "amount": 2000}, headers=headers)
    assert (
        response.status_code == 409 and response.json()["error"]["code"] == "idempotency_key_reused"
    )


def test_keys_are_per_merchant(client, auth, other_auth):
    a = client.post("/v1/payments", json=VISA, headers={**auth, "Idempotency-Key": "same"}).json()
    b = client.post(
        "/v1/payments", json=VISA, headers={**other_auth, "Idempotency-Key": "same"}
    ).json()
    assert a["id"] != b["id"]


def test_a_declined_result_is_replayed_not_recharged(client, auth, simulator):
    headers = {**auth, "Idempotency-Key": "order-3"}
    body = {**VISA, "payment_method": "pm_card_declined"}
    first = client.post("/v1/payments", json=body, headers=headers).json()
    second = client.post("/v1/payments", json=body, headers=headers).json()
    assert first == second and first["status"] == "failed"
    assert len([r for r in simulator.records() if r["kind"] == "charge"]) == 1


def test_replay_works_after_a_restart(engine_app, auth):
    headers = {**auth, "Idempotency-Key": "order-4"}
    with TestClient(create_app(engine_app)) as first_process:
        first = first_process.post("/v1/payments", json=VISA, headers=headers)
    restarted = build(engine_app.settings, policy=engine_app.deps.policy)
    with TestClient(create_app(restarted)) as second_process:
        second = second_process.post("/v1/payments", json=VISA, headers=headers)
    restarted.close()
    assert first.content == second.content


def test_a_concurrent_request_with_a_key_in_flight_is_a_409_in_use(client, auth, simulator):
    simulator.set_faults({"sim_a": {"latency_ms": 800}})
    headers = {**auth, "Idempotency-Key": "order-5"}
    results: list[int] = []
    thread = threading.Thread(
        target=lambda: results.append(
            client.post("/v1/payments", json=VISA, headers=headers).status_code
        )
    )
    thread.start()
    try:
        import time

        time.sleep(0.3)
        response = client.post("/v1/payments", json=VISA, headers=headers)
    finally:
        thread.join()
    assert (
        response.status_code == 409 and response.json()["error"]["code"] == "idempotency_key_in_use"
    )
    assert response.json()["error"]["retryable"] is True
    assert results == [200]
