"""The simulator's settlement export, the parser registry, and identity properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import Money
from ledgerline.domain.settlement import Direction, LineType
from ledgerline.recon.parsers import PARSERS, parse

HEADER = (
    "line_id,type,provider_reference,our_reference,idempotency_key,gross_minor,fee_minor,"
    "net_minor,currency,value_date,status\n"
)
ROW = "sim_a-20261101-000001,payment,ch_1,ord_1,att_1,1000,59,941,USD,2026-11-01,settled\n"


def _sim(body: str):
    return parse("simulator", (HEADER + body).encode(), provider="sim_a", source_name="s.csv")


def _malformed(body: str) -> LedgerlineError:
    with pytest.raises(LedgerlineError) as caught:
        _sim(body)
    assert caught.value.code == "statement_malformed"
    return caught.value


def test_a_payment_line_reads_with_our_attempt_id_as_our_reference():
    (line,) = _sim(ROW).lines
    assert (line.line_type, line.direction) == (LineType.PAYMENT, Direction.CREDIT)
    assert (line.gross, line.fee, line.net) == (
        Money(1000, "USD"),
        Money(59, "USD"),
        Money(941, "USD"),
    )
    assert (line.provider_reference, line.our_reference) == ("ch_1", "att_1")
    assert (line.line_identity, line.location) == ("sim_a/sim_a-20261101-000001", "s.csv:2")


def test_refunds_and_payouts_are_money_out():
    refund = ROW.replace("payment", "refund").replace("1000,59,941", "500,0,500")
    payout = ROW.replace("payment", "payout").replace("000001", "000002")
    assert [x.direction for x in _sim(refund + payout).lines] == [Direction.DEBIT] * 2


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (ROW.replace(",settled", ""), "", None),
        (ROW.replace("1000,59,941", "1000,59,940"), "net_minor", None),
        (ROW.replace("1000,", "10.00,"), "gross_minor", "amount_invalid"),
        (ROW.replace("USD", "XYZ"), "currency", "currency_unsupported"),
        (ROW.replace("2026-11-01", "2026-13-01"), "value_date", None),
        (ROW.replace("payment", "chargeback"), "type", None),
        (ROW.replace("1000,", ","), "gross_minor", None),
    ],
)
def test_a_bad_line_is_rejected_naming_its_line_and_column(row, column, reason):
    # The location is always file:line; the column, when one is to blame, leads the detail.
    error = _malformed(ROW.replace("000001", "000000") + row)
    assert (error.param, error.reason) == ("s.csv:3", reason)
    assert (
        error.detail.startswith(f"{column}: ") if column else "fields, expected 11" in error.detail
    )


def test_a_wrong_header_is_rejected():
    with pytest.raises(LedgerlineError) as caught:
        parse("simulator", b"id,amount\n1,2\n", provider="sim_a", source_name="s.csv")
    assert (caught.value.code, caught.value.param) == ("statement_malformed", "s.csv:1")


def test_every_format_is_registered_and_an_unknown_one_is_a_clear_error():
    assert sorted(PARSERS) == ["alipay", "bai2", "camt053", "csv", "mt940", "simulator", "wechat"]
    with pytest.raises(LedgerlineError) as caught:
        parse("qif", b"", provider="x", source_name="f")
    assert (caught.value.code, caught.value.param) == ("statement_format_unknown", "format")


def test_only_the_csv_format_takes_a_profile():
    with pytest.raises(LedgerlineError) as caught:
        parse("simulator", HEADER.encode(), provider="x", source_name="f", profile="simulator")
    assert caught.value.code == "statement_profile_invalid"


def test_the_simulator_export_and_its_csv_profile_read_the_same_lines():
    data = (HEADER + ROW).encode()
    as_csv = parse("csv", data, provider="sim_a", source_name="s.csv", profile="simulator")
    assert as_csv.lines == _sim(ROW).lines


lines = st.lists(
    st.tuples(
        st.sampled_from(["payment", "refund", "payout"]),
        st.integers(1, 10**9),
        st.integers(0, 10**6),
        st.sampled_from(["USD", "JPY", "EUR"]),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=50, deadline=None)
@given(lines, st.randoms(use_true_random=False))
def test_identities_do_not_depend_on_line_order(generated, rng):
    rows = [
        f"l{i},{kind},ch_{i},ord_{i},att_{i},{net + fee},{fee},{net},{ccy},2026-11-0{1 + i % 9},settled\n"
        for i, (kind, net, fee, ccy) in enumerate(generated)
    ]
    shuffled = list(rows)
    rng.shuffle(shuffled)

    def by_identity(body: list[str]) -> dict:
        return {
            x.line_identity: (x.line_type, x.gross, x.fee, x.net, x.our_reference)
            for x in _sim("".join(body)).lines
        }

    assert by_identity(rows) == by_identity(shuffled)
    assert len(by_identity(rows)) == len(rows)
