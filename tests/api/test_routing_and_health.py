"""Routing rules per merchant, shared circuit breakers and the provider status endpoint."""

from __future__ import annotations

VISA = {"amount": 1999, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}


def test_a_routing_rule_sends_matching_payments_to_its_providers(client, auth):
    rule = client.post(
        "/v1/routing_rules",
        json={"priority": 1, "currency": "eur", "providers": [{"name": "sim_b", "weight": 1}]},
        headers=auth,
    )
    assert rule.status_code == 200, rule.text
    eur = client.post("/v1/payments", json={**VISA, "currency": "eur"}, headers=auth).json()
    usd = client.post("/v1/payments", json=VISA, headers=auth).json()
    assert eur["attempts"][0]["provider"] == "sim_b" and usd["attempts"][0]["provider"] == "sim_a"
    assert [r["id"] for r in client.get("/v1/routing_rules", headers=auth).json()["data"]] == [
        rule.json()["id"]
    ]
    assert (
        client.delete(f"/v1/routing_rules/{rule.json()['id']}", headers=auth).json()["deleted"]
        is True
    )
    again = client.post("/v1/payments", json={**VISA, "currency": "eur"}, headers=auth).json()
    assert again["attempts"][0]["provider"] == "sim_a"


def test_a_rule_naming_an_unknown_provider_is_refused(client, auth):
    response = client.post(
        "/v1/routing_rules", json={"priority": 1, "providers": [{"name": "acme_pay"}]}, headers=auth
    )
    assert response.status_code == 400 and response.json()["error"]["param"] == "providers"


def test_a_failing_provider_opens_its_circuit_and_payments_go_straight_to_the_next(
    client, auth, simulator
):
    simulator.set_faults({"sim_a": {"unavailable_rate": 1.0}})
    for _ in range(10):
        paid = client.post("/v1/payments", json=VISA, headers=auth).json()
        assert paid["status"] == "succeeded"
    providers = {p["name"]: p for p in client.get("/v1/providers", headers=auth).json()["data"]}
    assert providers["sim_a"]["circuit"]["state"] == "open"
    assert "calls failed" in providers["sim_a"]["circuit"]["reason"]
    assert providers["sim_a"]["outcomes"] == {"retryable": 10}
    assert (
        providers["sim_b"]["circuit"]["state"] == "closed"
        and providers["sim_b"]["success_rate"] == 1.0
    )
    after = client.post("/v1/payments", json=VISA, headers=auth).json()
    assert [a["provider"] for a in after["attempts"]] == ["sim_b"], (
        "an open circuit is skipped, not tried"
    )


def test_provider_status_reports_latency_and_open_attempts(client, auth):
    client.post("/v1/payments", json=VISA, headers=auth)
    client.post(
        "/v1/payments", json={**VISA, "payment_method": "pm_card_lost_response"}, headers=auth
    )
    sim_a = next(
        p for p in client.get("/v1/providers", headers=auth).json()["data"] if p["name"] == "sim_a"
    )
    assert sim_a["calls"] == 2 and sim_a["unknown"] == 1 and sim_a["in_flight"] == 0
    assert (
        sim_a["latency_ms"]["p50"] is not None
        and sim_a["latency_ms"]["p99"] >= sim_a["latency_ms"]["p50"]
    )


def test_the_sweeper_keeps_only_a_day_of_provider_calls(client, auth, engine_app):
    import datetime as dt

    from sqlalchemy import func, select, update

    from ledgerline.services import sweeper
    from ledgerline.store.tables import provider_calls

    client.post("/v1/payments", json=VISA, headers=auth)
    client.post("/v1/payments", json=VISA, headers=auth)
    with engine_app.engine.begin() as c:
        oldest = select(func.min(provider_calls.c.id)).scalar_subquery()
        c.execute(
            update(provider_calls)
            .where(provider_calls.c.id == oldest)
            .values(at=dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
        )
    sweeper.sweep(engine_app.deps)
    with engine_app.engine.connect() as c:
        assert c.execute(select(func.count()).select_from(provider_calls)).scalar_one() == 1
