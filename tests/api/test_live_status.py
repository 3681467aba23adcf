"""The payment stream (SSE) and the payer's status page."""

from __future__ import annotations

VISA = {"amount": 1999, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}


def _events(text: str) -> list[str]:
    return [line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("event: ")]


def test_the_stream_sends_every_state_change_then_ends(client, auth):
    payment = client.post("/v1/payments", json=VISA, headers=auth).json()
    with client.stream("GET", f"/v1/payments/{payment['id']}/stream", headers=auth) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    assert _events(text) == ["payment.created", "payment.processing", "payment.succeeded", "end"]


def test_the_stream_resumes_after_the_last_event_id(client, auth):
    payment = client.post("/v1/payments", json=VISA, headers=auth).json()
    with client.stream("GET", f"/v1/payments/{payment['id']}/stream", headers=auth) as response:
        first_id = next(line for line in response.iter_lines() if line.startswith("id: ")).split(
            ": "
        )[1]
    with client.stream(
        "GET", f"/v1/payments/{payment['id']}/stream", headers={**auth, "Last-Event-ID": first_id}
    ) as response:
        text = "".join(response.iter_text())
    assert _events(text) == ["payment.processing", "payment.succeeded", "end"]


def test_another_merchants_stream_is_a_404(client, auth, other_auth):
    payment = client.post("/v1/payments", json=VISA, headers=auth).json()
    assert client.get(f"/v1/payments/{payment['id']}/stream", headers=other_auth).status_code == 404


def test_the_payer_page_speaks_the_payers_language_and_says_what_to_do(client, auth):
    paid = client.post("/v1/payments", json=VISA, headers=auth).json()
    declined = client.post(
        "/v1/payments", json={**VISA, "payment_method": "pm_card_declined"}, headers=auth
    ).json()
    english = client.get(paid["status_url"], headers={"Accept-Language": "en-GB,en"})
    assert (
        english.status_code == 200
        and "Payment succeeded" in english.text
        and "19.99 USD" in english.text
    )
    chinese = client.get(declined["status_url"], headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "支付失败" in chinese.text and "请联系发卡行" in chinese.text
    assert "sk_test" not in chinese.text and "metadata" not in chinese.text


def test_a_wrong_token_is_a_404_like_a_missing_payment(client, auth):
    paid = client.post("/v1/payments", json=VISA, headers=auth).json()
    assert client.get(f"/pay/{paid['id']}?token=guess").status_code == 404
    assert client.get(f"/pay/{paid['id']}/stream?token=guess").status_code == 404
    assert client.get(f"/pay/{paid['id']}").status_code == 404
