"""The simulator's export and the generic CSV profile read the same file to the same lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerline.domain.errors import LedgerlineError
from ledgerline.recon.parsers import parse

PROFILE = (
    Path(__file__).resolve().parents[2]
    / "src"
    / "ledgerline"
    / "recon"
    / "profiles"
    / "simulator.toml"
)
HEADER = "line_id,type,provider_reference,our_reference,idempotency_key,gross_minor,fee_minor,net_minor,currency,value_date,status\n"

rows = st.lists(
    st.tuples(
        st.sampled_from(["payment", "refund", "payout"]),
        st.integers(1, 10**9),
        st.integers(0, 10**6),
        st.sampled_from(["USD", "JPY", "EUR"]),
    ),
    min_size=1,
    max_size=30,
)


def _file(generated) -> bytes:
    body = "".join(
        f"l{i},{kind},ch_{i},pay_{i},att_{i},{gross + fee},{fee},{gross},{currency},2026-11-0{1 + i % 9},settled\n"
        for i, (kind, gross, fee, currency) in enumerate(generated)
    )
    return (HEADER + body).encode()


@given(rows)
def test_the_dedicated_parser_and_the_csv_profile_agree_line_for_line(generated):
    data = _file(generated)
    direct = parse("simulator", data, provider="sim_a", source_name="s.csv").lines
    profiled = parse("csv", data, provider="sim_a", source_name="s.csv", profile=PROFILE).lines
    assert [
        (line.line_identity, line.gross, line.fee, line.net, line.direction, line.value_date)
        for line in direct
    ] == [
        (line.line_identity, line.gross, line.fee, line.net, line.direction, line.value_date)
        for line in profiled
    ]


@pytest.mark.parametrize(
    ("line", "param"),
    [
        ("l1,payment,ch,,k,100,3,96,USD,2026-11-01,settled", "s.csv:2"),  # gross − fee ≠ net
        ("l1,payment,ch,,k,100,3,97,USD,2026-13-01,settled", "s.csv:2"),
        ("l1,payment,ch,,k,100,3,97,USD", "s.csv:2"),
        ("l1,gift,ch,,k,100,3,97,USD,2026-11-01,settled", "s.csv:2:type"),
    ],
)
def test_bad_lines_name_their_place(line, param):
    with pytest.raises(LedgerlineError) as raised:
        parse("simulator", (HEADER + line + "\n").encode(), provider="sim_a", source_name="s.csv")
    assert raised.value.code == "statement_malformed" and raised.value.param == param


def test_an_unknown_format_is_a_clear_error():
    with pytest.raises(LedgerlineError) as raised:
        parse("qif", b"", provider="x", source_name="x")
    assert raised.value.code == "statement_format_unknown"
