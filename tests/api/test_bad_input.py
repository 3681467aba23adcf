"""Bad input gets a clear error with a stable code and the offending field, and writes nothing."""

from __future__ import annotations

import pytest

VISA = {"amount": 1999, "currency": "usd", "payment_method": "pm_card_visa"}


@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        ({**VISA, "amount": 0}, "amount_not_positive", "amount"),
        ({**VISA, "amount": -5}, "amount_not_positive", "amount"),
        ({**VISA, "amount": 2**63}, "amount_too_large", "amount"),
        ({**VISA, "amount": 12.5}, "amount_invalid", "amount"),
        ({**VISA, "amount": "1999"}, "amount_invalid", "amount"),
        ({**VISA, "currency": "usdx"}, "currency_unsupported", "currency"),
        ({**VISA, "currency": "xxx"}, "currency_unsupported", "currency"),
        (
            {"amount_decimal": "12.345", "currency": "usd", "payment_method": "pm_card_visa"},
            "amount_too_precise",
            "amount_decimal",
        ),
        (
            {"amount_decimal": "100.5", "currency": "jpy", "payment_method": "pm_card_visa"},
            "amount_too_precise",
            "amount_decimal",
        ),
        ({**VISA, "amount_decimal": "19.99"}, "parameter_missing", "amount"),
        ({**VISA, "surprise": 1}, "parameter_unknown", "surprise"),
        ({"currency": "usd", "payment_method": "pm_card_visa"}, "parameter_missing", "amount"),
        ({"amount": 5, "payment_method": "pm_card_visa"}, "parameter_missing", "currency"),
        ({**VISA, "payment_method": "card 4242"}, "payment_method_unsupported", "payment_method"),
        ({**VISA, "confirm": "yes"}, "parameter_invalid", "confirm"),
        ({**VISA, "customer": {"email": "not-an-email"}}, "parameter_invalid", "customer.email"),
        ({**VISA, "metadata": {"k": 5}}, "parameter_invalid", "metadata.k"),
        ([1, 2], "body_malformed", None),
    ],
)
def test_invalid_payment_bodies_are_refused_and_nothing_is_written(client, auth, body, code, param):
    response = client.post("/v1/payments", json=body, headers=auth)
    assert 400 <= response.status_code < 500, response.text
    error = response.json()["error"]
    assert (error["code"], error["param"]) == (code, param)
    assert error["message"] and error["message_zh"]
    assert client.get("/v1/payments", headers=auth).json()["data"] == []


def test_malformed_json_is_a_400_body_malformed(client, auth):
    response = client.post(
        "/v1/payments",
        content=b'{"amount": 19',
        headers={**auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "body_malformed"


def test_an_oversized_body_is_a_413_before_anything_runs(client, auth):
    huge = {**VISA, "description": "x" * 100_000}
    response = client.post("/v1/payments", json=huge, headers=auth)
    assert response.status_code == 413 and response.json()["error"]["code"] == "body_too_large"
    assert client.get("/v1/payments", headers=auth).json()["data"] == []


def test_list_limits_are_validated(client, auth):
    for limit in (0, 101):
        response = client.get(f"/v1/payments?limit={limit}", headers=auth)
        assert response.status_code == 400 and response.json()["error"]["param"] == "limit"


def test_unknown_paths_answer_in_the_error_shape(client, auth):
    response = client.get("/v1/nothing-here", headers=auth)
    assert response.status_code == 404 and response.json()["error"]["code"] == "resource_missing"
