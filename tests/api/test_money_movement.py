"""Refunds, payouts with holds, fees and balances, as a merchant's engineer and finance team see them."""

from __future__ import annotations

from sqlalchemy import text

from ledgerline.services import pricing, settlement

VISA = {"amount": 10_000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
IBAN = {"type": "iban", "iban": "DE89 3704 0044 0532 0130 00", "holder_name": "Acme GmbH"}


def _paid_and_settled(client, auth, engine_app, amount: int = 10_000) -> dict:
    payment = client.post("/v1/payments", json={**VISA, "amount": amount}, headers=auth).json()
    assert payment["status"] == "succeeded"
    settlement.settle_payment(
        engine_app.deps, payment_id=payment["id"], evidence="test settlement file"
    )
    return payment


def _balance(client, auth) -> dict:
    b = client.get("/v1/balance", headers=auth).json()
    return {
        k: {x["currency"]: x["amount"] for x in b[k]} for k in ("available", "pending", "reserved")
    }


def _verify(engine_app) -> None:
    from ledgerline.services.verify import verify

    failed = {
        r.name: r.findings
        for r in verify(engine_app.audit)
        if not r.passed and r.name != "no_dead_jobs"
    }
    assert failed == {}


def test_fees_follow_the_merchants_pricing_rounded_half_up(client, auth, engine_app):
    payment = client.post("/v1/payments", json={**VISA, "confirm": False}, headers=auth).json()
    with engine_app.engine.connect() as c:
        merchant = c.execute(
            text("SELECT merchant_id FROM payments WHERE id = :p"), {"p": payment["id"]}
        ).scalar_one()
    pricing.set_pricing(
        engine_app.deps,
        merchant_id=merchant,
        bps=290,
        fixed_minor=30,
        currency="USD",
        provider=None,
        method_prefix=None,
    )
    confirmed = client.post(f"/v1/payments/{payment['id']}/confirm", headers=auth).json()
    # 2.9% of 100.00 = 2.90, plus 0.30
    assert (confirmed["fee"], confirmed["net"]) == (320, 9680)
    odd = client.post("/v1/payments", json={**VISA, "amount": 1050}, headers=auth).json()
    assert odd["fee"] == 30 + 30  # 2.9% of 10.50 = 30.45 → 30 (half up: .45 rounds down)
    assert _balance(client, auth)["pending"] == {"usd": 9680 + 1050 - 60}
    _verify(engine_app)


def test_partial_refunds_up_to_the_captured_amount_and_no_further(client, auth, engine_app):
    payment = _paid_and_settled(client, auth, engine_app)
    first = client.post(
        "/v1/refunds", json={"payment": payment["id"], "amount": 3000}, headers=auth
    ).json()
    assert (first["status"], first["amount"], first["outcome"]) == ("succeeded", 3000, "succeeded")
    too_much = client.post(
        "/v1/refunds", json={"payment": payment["id"], "amount": 7001}, headers=auth
    )
    assert (
        too_much.status_code == 400 and too_much.json()["error"]["code"] == "refund_exceeds_payment"
    )
    rest = client.post("/v1/refunds", json={"payment": payment["id"]}, headers=auth).json()
    assert rest["amount"] == 7000 and rest["status"] == "succeeded"
    nothing_left = client.post(
        "/v1/refunds", json={"payment": payment["id"], "amount": 1}, headers=auth
    )
    assert nothing_left.status_code == 400
    assert _balance(client, auth)["available"] == {"usd": 0}
    listed = client.get(f"/v1/refunds?payment={payment['id']}", headers=auth).json()["data"]
    assert [r["id"] for r in listed] == [rest["id"], first["id"]]
    _verify(engine_app)


def test_a_payment_that_did_not_succeed_cannot_be_refunded(client, auth):
    declined = client.post(
        "/v1/payments", json={**VISA, "payment_method": "pm_card_declined"}, headers=auth
    ).json()
    response = client.post("/v1/refunds", json={"payment": declined["id"]}, headers=auth)
    assert (
        response.status_code == 409 and response.json()["error"]["code"] == "payment_state_invalid"
    )
    assert client.get("/v1/refunds", headers=auth).json()["data"] == []


def test_a_refund_whose_answer_is_lost_is_resolved_by_inquiry(
    client, auth, engine_app, simulator, run_worker_until
):
    payment = _paid_and_settled(client, auth, engine_app)
    simulator.set_faults({"sim_a": {"timeout_after_rate": 1.0}})
    refund = client.post(
        "/v1/refunds", json={"payment": payment["id"], "amount": 500}, headers=auth
    ).json()
    assert (refund["status"], refund["outcome"]) == ("pending", "unknown")
    simulator.set_faults({"sim_a": {}})
    run_worker_until(
        engine_app,
        lambda: (
            client.get(f"/v1/refunds/{refund['id']}", headers=auth).json()["status"] != "pending"
        ),
    )
    assert client.get(f"/v1/refunds/{refund['id']}", headers=auth).json()["status"] == "succeeded"
    assert len([r for r in simulator.records() if r["kind"] == "refund"]) == 1
    _verify(engine_app)


def test_insufficient_balance_refuses_a_payout_and_reserves_nothing(client, auth, engine_app):
    client.post("/v1/payments", json=VISA, headers=auth)  # pending only: not yet settled
    response = client.post(
        "/v1/payouts", json={"amount": 100, "currency": "usd", "destination": IBAN}, headers=auth
    )
    assert (
        response.status_code == 402 and response.json()["error"]["code"] == "insufficient_balance"
    )
    assert _balance(client, auth)["reserved"] == {"usd": 0}
    assert client.get("/v1/payouts", headers=auth).json()["data"] == []


def test_a_payout_holds_then_pays_and_its_destination_is_never_stored_in_clear(
    client, auth, engine_app, run_worker_until
):
    _paid_and_settled(client, auth, engine_app)
    payout = client.post(
        "/v1/payouts", json={"amount": 4000, "currency": "usd", "destination": IBAN}, headers=auth
    ).json()
    assert payout["status"] == "pending" and payout["destination"] == {
        "type": "iban",
        "account": "••••3000",
    }
    assert _balance(client, auth) == {
        "available": {"usd": 6000},
        "pending": {"usd": 0},
        "reserved": {"usd": 4000},
    }
    run_worker_until(
        engine_app,
        lambda: client.get(f"/v1/payouts/{payout['id']}", headers=auth).json()["status"] == "paid",
    )
    assert _balance(client, auth)["reserved"] == {"usd": 0}
    with engine_app.engine.connect() as c:
        stored = " ".join(str(v) for v in c.execute(text("SELECT * FROM payouts")).one())
    assert "DE89370400440532013000" not in stored and "Acme GmbH" not in stored
    kinds = [
        t["type"]
        for t in client.get("/v1/balance_transactions?limit=100", headers=auth).json()["data"]
    ]
    assert kinds[:2] == ["payout_paid", "payout_held"]
    _verify(engine_app)


def test_cancel_failure_and_return_each_release_the_money_once(
    client, auth, engine_app, simulator, run_worker_until
):
    from ledgerline.services import payouts

    _paid_and_settled(client, auth, engine_app)
    body = {"amount": 1000, "currency": "usd", "destination": IBAN}
    canceled = client.post("/v1/payouts", json=body, headers=auth).json()
    assert (
        client.post(f"/v1/payouts/{canceled['id']}/cancel", headers=auth).json()["status"]
        == "canceled"
    )
    simulator.set_faults({"sim_bank": {"decline_rate": 1.0}})
    failing = client.post("/v1/payouts", json=body, headers=auth).json()
    run_worker_until(
        engine_app,
        lambda: (
            client.get(f"/v1/payouts/{failing['id']}", headers=auth).json()["status"] == "failed"
        ),
    )
    simulator.set_faults({"sim_bank": {}})
    paid = client.post("/v1/payouts", json=body, headers=auth).json()
    run_worker_until(
        engine_app,
        lambda: client.get(f"/v1/payouts/{paid['id']}", headers=auth).json()["status"] == "paid",
    )
    payouts.return_payout(engine_app.deps, payout_id=paid["id"], reason="account closed")
    assert _balance(client, auth) == {
        "available": {"usd": 10_000},
        "pending": {"usd": 0},
        "reserved": {"usd": 0},
    }
    too_late = client.post(f"/v1/payouts/{paid['id']}/cancel", headers=auth)
    assert (
        too_late.status_code == 409 and too_late.json()["error"]["code"] == "payout_state_invalid"
    )
    _verify(engine_app)


def test_bad_destinations_name_the_field(client, auth):
    cases = [
        ({**IBAN, "iban": "DE89 3704 0044 0532 0130 01"}, "destination.iban"),
        (
            {"type": "cn_bank_card", "card_number": "6222020200112233440", "holder_name": "张三"},
            "destination.card_number",
        ),
        ({**IBAN, "holder_name": ""}, "destination.holder_name"),
        ({"type": "paypal", "holder_name": "x"}, "destination.type"),
    ]
    for destination, param in cases:
        response = client.post(
            "/v1/payouts",
            json={"amount": 1, "currency": "usd", "destination": destination},
            headers=auth,
        )
        assert (
            response.status_code == 400
            and response.json()["error"]["code"] == "destination_invalid"
        )
        assert response.json()["error"]["param"] == param


def test_a_valid_chinese_bank_card_is_accepted(client, auth, engine_app):
    _paid_and_settled(client, auth, engine_app, amount=50_000)
    card = {"type": "cn_bank_card", "card_number": "6222 0202 0011 2233 446", "holder_name": "张三"}
    response = client.post(
        "/v1/payouts", json={"amount": 100, "currency": "usd", "destination": card}, headers=auth
    )
    assert response.status_code == 200, response.text
    assert response.json()["destination"]["account"].endswith("3446")
