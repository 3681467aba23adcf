"""Unknown is a state: lost responses and silent providers are resolved by evidence only."""

from __future__ import annotations

import httpx

from ledgerline.domain.money import Money
from ledgerline.services import payments
from ledgerline.services.merchants import create_merchant


def _pay(app, method: str, amount_minor: int = 1999) -> dict:
    merchant = create_merchant(app.deps, name="m").merchant_id
    request = payments.NewPayment(
        amount=Money.of(amount_minor, "USD"), payment_method=method, confirm=True
    )
    return payments.create_payment(
        app.deps, merchant_id=merchant, request=request, idempotency_key=None
    ) | {"merchant_id": merchant}


def _current(app, paid: dict) -> dict:
    return payments.get_payment(app.deps, merchant_id=paid["merchant_id"], payment_id=paid["id"])


def test_lost_response_ends_succeeded_with_one_success_proven_by_inquiry(
    engine_app, simulator, run_worker_until
):
    paid = _pay(engine_app, "pm_card_lost_response")
    assert paid["status"] == "processing" and [a["status"] for a in paid["attempts"]] == ["unknown"]

    run_worker_until(engine_app, lambda: _current(engine_app, paid)["status"] != "processing")

    final = _current(engine_app, paid)
    assert final["status"] == "succeeded"
    [attempt] = final["attempts"]
    assert (attempt["status"], attempt["evidence"]) == ("succeeded", "inquiry")
    charges = [r for r in simulator.records() if r["kind"] == "charge"]
    assert [(r["idempotency_key"], r["id"]) for r in charges] == [
        (attempt["id"], attempt["provider_reference"])
    ]
    timeline = payments.payment_timeline(
        engine_app.deps, merchant_id=paid["merchant_id"], payment_id=paid["id"]
    )
    kinds = [i["kind"] for i in timeline["data"]]
    assert (
        kinds.index("attempt_unknown")
        < kinds.index("provider_inquiry")
        < kinds.index("ledger_entry")
    )
    assert len(timeline["ledger_entries"]) == 1


def test_provider_down_fails_over_only_after_the_inquiry_proves_no_charge(
    engine_app, simulator, run_worker_until
):
    paid = _pay(engine_app, "pm_card_provider_down")
    assert paid["status"] == "processing"
    assert [(a["provider"], a["status"]) for a in paid["attempts"]] == [("sim_a", "unknown")]

    run_worker_until(engine_app, lambda: _current(engine_app, paid)["status"] != "processing")

    final = _current(engine_app, paid)
    assert final["status"] == "succeeded"
    first, second = final["attempts"]
    assert (first["provider"], first["status"], first["evidence"]) == ("sim_a", "failed", "inquiry")
    assert (second["provider"], second["status"]) == ("sim_b", "succeeded")
    charges = [r for r in simulator.records() if r["kind"] == "charge"]
    assert [r["provider"] for r in charges] == ["sim_b"], "sim_a never charged"
    # The inquiry fenced the key: a delayed copy of the original request can never charge now.
    late = httpx.post(
        f"{simulator.base_url}/sim_a/v1/charges",
        headers={"Idempotency-Key": first["id"]},
        json={"amount_minor": 1999, "currency": "USD", "payment_method": "pm_card_visa"},
    )
    assert late.status_code == 409 and late.json()["error"]["code"] == "key_fenced"


def test_a_connection_refused_before_sending_fails_over_at_once(make_app, simulator):
    from ledgerline.services.deps import ProcessingPolicy

    app = make_app(ProcessingPolicy(route=("sim_a", "sim_b")))
    simulator.set_faults({"sim_a": {"unavailable_rate": 1.0}})
    paid = _pay(app, "pm_card_visa")
    assert paid["status"] == "succeeded"
    assert [(a["provider"], a["status"]) for a in paid["attempts"]] == [
        ("sim_a", "failed"),
        ("sim_b", "succeeded"),
    ]
    assert paid["attempts"][0]["error"]["code"] == "provider_unavailable"


def test_every_provider_refusing_fails_the_payment_saying_nothing_was_charged(make_app, simulator):
    from ledgerline.services.deps import ProcessingPolicy

    app = make_app(ProcessingPolicy(route=("sim_a", "sim_b"), attempts_per_payment_max=3))
    simulator.set_faults({"sim_a": {"outage": True}, "sim_b": {"outage": True}})
    paid = _pay(app, "pm_card_visa")
    assert paid["status"] == "failed" and len(paid["attempts"]) == 3
    assert paid["last_error"]["code"] == "provider_unavailable"
    assert "Nothing was charged" in paid["last_error"]["payer_guidance"]
    assert simulator.records() == []


def test_a_decline_is_never_retried_elsewhere(engine_app, simulator):
    paid = _pay(engine_app, "pm_card_insufficient_funds")
    assert paid["status"] == "failed" and len(paid["attempts"]) == 1
    assert len(simulator.records()) == 1
