"""The payments API as a merchant's engineer uses it."""

from __future__ import annotations

import pytest

VISA = {"amount": 1999, "currency": "usd", "payment_method": "pm_card_visa"}


def _error(response) -> dict:
    body = response.json()
    assert set(body["error"]) == {
        "type",
        "code",
        "message",
        "message_zh",
        "param",
        "retryable",
        "request_id",
    }
    assert body["error"]["request_id"] == response.headers["request-id"]
    return body["error"]


def test_create_and_confirm_a_payment_succeeds_and_posts_to_pending(client, auth):
    created = client.post("/v1/payments", json=VISA, headers=auth)
    assert created.status_code == 200, created.text
    payment = created.json()
    assert payment["id"].startswith("pay_") and payment["object"] == "payment"
    assert payment["status"] == "requires_confirmation" and payment["attempts"] == []

    confirmed = client.post(f"/v1/payments/{payment['id']}/confirm", headers=auth).json()
    assert confirmed["status"] == "succeeded"
    [attempt] = confirmed["attempts"]
    assert attempt["status"] == "succeeded" and attempt["provider"] == "sim_a"
    assert attempt["provider_reference"]

    balance = client.get("/v1/balance", headers=auth).json()
    assert balance["pending"] == [{"amount": 1999, "currency": "usd"}]
    assert balance["available"] == [{"amount": 0, "currency": "usd"}]


@pytest.mark.parametrize(
    ("method", "code"),
    [("pm_card_declined", "card_declined"), ("pm_card_insufficient_funds", "insufficient_funds")],
)
def test_declines_are_final_with_catalog_errors_in_both_languages(client, auth, method, code):
    payment = client.post(
        "/v1/payments", json={**VISA, "payment_method": method, "confirm": True}, headers=auth
    ).json()
    assert payment["status"] == "failed"
    assert len(payment["attempts"]) == 1, "a decline is never retried at another provider"
    assert payment["last_error"]["code"] == code
    assert payment["last_error"]["message_zh"] and payment["last_error"]["payer_guidance_zh"]
    assert client.get("/v1/balance", headers=auth).json()["pending"] == []


def test_lost_response_leaves_an_unknown_attempt_never_a_guess(client, auth, engine_app):
    payment = client.post(
        "/v1/payments",
        json={**VISA, "payment_method": "pm_card_lost_response", "confirm": True},
        headers=auth,
    ).json()
    assert payment["status"] == "processing"
    assert [a["status"] for a in payment["attempts"]] == ["unknown"]


def test_provider_down_is_unknown_until_the_inquiry_proves_nothing_happened(client, auth):
    payment = client.post(
        "/v1/payments",
        json={**VISA, "payment_method": "pm_card_provider_down", "confirm": True},
        headers=auth,
    ).json()
    assert payment["status"] in ("processing", "succeeded")
    assert payment["attempts"][0]["provider"] == "sim_a"
    assert payment["attempts"][0]["status"] in ("unknown", "failed")
    assert payment["status"] != "failed"


def test_cancel_only_before_confirmation(client, auth):
    payment = client.post("/v1/payments", json=VISA, headers=auth).json()
    canceled = client.post(f"/v1/payments/{payment['id']}/cancel", headers=auth).json()
    assert canceled["status"] == "canceled"
    again = client.post(f"/v1/payments/{payment['id']}/confirm", headers=auth)
    assert again.status_code == 409 and _error(again)["code"] == "payment_state_invalid"


def test_timeline_tells_the_whole_story_in_order(client, auth):
    payment = client.post("/v1/payments", json={**VISA, "confirm": True}, headers=auth).json()
    timeline = client.get(f"/v1/payments/{payment['id']}/timeline", headers=auth).json()
    kinds = [item["kind"] for item in timeline["data"]]
    assert kinds[0] == "created"
    assert (
        kinds.index("attempt_created")
        < kinds.index("provider_response")
        < kinds.index("ledger_entry")
    )
    assert kinds[-1] == "state_change"
    [entry] = timeline["ledger_entries"]
    assert {p["side"] for p in entry["postings"]} == {"debit", "credit"}


def test_another_merchants_payment_is_a_404(client, auth, other_auth):
    payment = client.post("/v1/payments", json=VISA, headers=auth).json()
    for path in (f"/v1/payments/{payment['id']}", f"/v1/payments/{payment['id']}/timeline"):
        response = client.get(path, headers=other_auth)
        assert response.status_code == 404 and _error(response)["code"] == "resource_missing"
    response = client.post(f"/v1/payments/{payment['id']}/confirm", headers=other_auth)
    assert response.status_code == 404
    assert client.get("/v1/payments", headers=other_auth).json()["data"] == []


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "api_key_missing"),
        ("Bearer sk_test_nope", "api_key_invalid"),
        ("Basic abc", "api_key_missing"),
    ],
)
def test_missing_or_unknown_keys_are_401_in_the_error_shape(client, header, code):
    headers = {"Authorization": header} if header else {}
    response = client.get("/v1/payments", headers=headers)
    assert response.status_code == 401 and _error(response)["code"] == code


def test_list_is_newest_first_with_cursor_pagination_and_filters(client, auth):
    ids = [client.post("/v1/payments", json=VISA, headers=auth).json()["id"] for _ in range(5)]
    client.post(f"/v1/payments/{ids[0]}/cancel", headers=auth)
    first = client.get("/v1/payments?limit=2", headers=auth).json()
    assert first["has_more"] and [p["id"] for p in first["data"]] == ids[::-1][:2]
    second = client.get(
        f"/v1/payments?limit=2&starting_after={first['data'][-1]['id']}", headers=auth
    ).json()
    third = client.get(
        f"/v1/payments?limit=2&starting_after={second['data'][-1]['id']}", headers=auth
    ).json()
    assert [p["id"] for p in second["data"] + third["data"]] == ids[::-1][2:]
    assert not third["has_more"]
    canceled = client.get("/v1/payments?status=canceled", headers=auth).json()["data"]
    assert [p["id"] for p in canceled] == [ids[0]]
    future = client.get("/v1/payments?created[gte]=4102444800", headers=auth).json()["data"]
    assert future == []
    bad = client.get("/v1/payments?starting_after=pay_nope", headers=auth)
    assert bad.status_code == 400 and _error(bad)["code"] == "pagination_cursor_invalid"
