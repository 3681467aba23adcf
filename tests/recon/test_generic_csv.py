"""The generic CSV parser: profiles, exact amounts, row-level errors, and a round-trip property."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.money import Money
from ledgerline.domain.settlement import Direction, LineType
from ledgerline.recon.parsers import generic_csv, parse
from ledgerline.recon.parsers.csv_profile import profile_from_toml

PROFILES = Path(__file__).resolve().parents[2] / "src" / "ledgerline" / "recon" / "profiles"
PSP = PROFILES / "example_psp_semicolon_decimal.toml"
PSP_FILE = (
    "Export PSP\n"
    "Konto 4711\n"
    "Buchungs-ID;Art;Transaktion;Referenz;Brutto;Gebühr;Netto;Valuta;Status\n"
    "b1;Zahlung;tx1;att_1;12,50;0,50;12,00;02.01.2026;ok\n"
).encode("latin-1")


def _csv(data: bytes, profile=PSP, name: str = "r.csv"):
    return parse("csv", data, provider="psp", source_name=name, profile=profile)


def _malformed(data: bytes, profile=PSP) -> LedgerlineError:
    with pytest.raises(LedgerlineError) as caught:
        _csv(data, profile)
    assert caught.value.code == "statement_malformed"
    return caught.value


def test_with_a_decimal_comma_a_point_is_refused_rather_than_guessed_as_thousands():
    error = _malformed(PSP_FILE.replace(b"12,50;", b"1.012,50;"))
    assert (error.param, error.reason) == ("r.csv:4", "amount_invalid")
    assert error.detail.startswith("Brutto: ")


def test_the_example_profile_reads_its_preamble_latin1_decimal_commas_and_day_first_dates():
    parsed = _csv(PSP_FILE)
    (line,) = parsed.lines
    assert (line.gross, line.fee, line.net) == (
        Money(1250, "EUR"),
        Money(50, "EUR"),
        Money(1200, "EUR"),
    )
    assert (line.value_date, line.line_identity, line.location) == (
        dt.date(2026, 1, 2),
        "psp/b1",
        "r.csv:4",
    )
    assert (line.provider_reference, line.our_reference, line.status) == ("tx1", "att_1", "ok")


def test_a_refund_is_money_out_whatever_sign_the_report_writes():
    data = PSP_FILE.replace(
        b"Zahlung;tx1;att_1;12,50;0,50;12,00", b"Erstattung;tx1;r_1;-5,00;0;-5,00"
    )
    (line,) = _csv(data).lines
    assert (line.line_type, line.direction, line.gross) == (
        LineType.REFUND,
        Direction.DEBIT,
        Money(500, "EUR"),
    )


def test_a_row_with_the_wrong_number_of_columns_is_rejected_with_its_line():
    error = _malformed(PSP_FILE.replace(b";ok\n", b"\n"))
    assert (error.param, error.detail) == ("r.csv:4", "8 fields, expected 9")


def test_a_too_precise_amount_is_rejected_never_rounded():
    data = PSP_FILE.replace(b"12,50;0,50;12,00", b"12,505;0,50;12,005")
    assert _malformed(data).reason == "amount_too_precise"


def test_gross_fee_and_net_must_agree():
    data = PSP_FILE.replace(b"12,50;0,50;12,00", b"12,50;0,50;12,10")
    error = _malformed(data)
    assert (error.param, error.detail) == (
        "r.csv:4",
        "Netto: gross 12.50 EUR − fee 0.50 EUR ≠ net 12.10 EUR",
    )


def test_an_unknown_type_and_a_bad_date_name_their_column():
    assert _malformed(PSP_FILE.replace(b"Zahlung", b"Storno")).detail.startswith(
        "Art: unknown type"
    )
    data = PSP_FILE.replace(b"02.01.2026", b"2026-01-02")
    assert _malformed(data).detail.startswith("Valuta: ")


def test_a_missing_required_column_is_rejected_at_the_header():
    error = _malformed(PSP_FILE.replace(b";Status\n", b";Zustand\n"))
    assert (error.param, error.detail) == ("r.csv:3", "missing columns: Status")


@pytest.mark.parametrize(
    ("toml", "where"),
    [
        (
            'delimiter = ","\n[columns]\ntype = "t"\ngross = "g"\ndate = "d"\n[types]\nx = "payment"',
            "p:columns",
        ),
        (
            'currency = "EUR"\n[columns]\ntype = "t"\ngross = "g"\ndate = "d"\n[types]\nx = "gift"',
            "p:types.x",
        ),
        ('currency = "EUR"\ncolumn = 1\n[columns]\ntype = "t"\n[types]\nx = "payment"', "p"),
        (
            'currency = "EUR"\namounts = "float"\n[columns]\ntype = "t"\ngross = "g"\ndate = "d"\n[types]\nx = "payment"',
            "p:amounts",
        ),
    ],
)
def test_a_bad_profile_is_refused_with_what_is_wrong(toml, where):
    with pytest.raises(LedgerlineError) as caught:
        profile_from_toml(toml, name="p")
    assert (caught.value.code, caught.value.param) == ("statement_profile_invalid", where)


def test_the_csv_format_needs_a_profile_and_a_missing_one_is_named():
    with pytest.raises(LedgerlineError) as caught:
        parse("csv", b"a\n", provider="psp", source_name="r.csv")
    assert caught.value.code == "statement_profile_invalid"
    with pytest.raises(LedgerlineError) as caught:
        parse("csv", b"a\n", provider="psp", source_name="r.csv", profile="no_such_profile")
    assert (caught.value.code, caught.value.param) == (
        "statement_profile_invalid",
        "no_such_profile",
    )


MINOR_TSV = profile_from_toml(
    'delimiter = "\\t"\namounts = "minor"\n'
    '[columns]\nline_id = "id"\ntype = "kind"\nprovider_reference = "ref"\nour_reference = "ours"\n'
    'gross = "gross"\nfee = "fee"\nnet = "net"\ncurrency = "ccy"\ndate = "day"\n'
    '[types]\ncharge = "payment"\nrefund = "refund"\npayout = "payout"\n',
    name="tsv",
)
KINDS = {"charge": LineType.PAYMENT, "refund": LineType.REFUND, "payout": LineType.PAYOUT}
rows = st.lists(
    st.tuples(
        st.sampled_from(sorted(KINDS)),
        st.integers(0, 10**12),  # net
        st.integers(0, 10**6),  # fee
        st.sampled_from(["USD", "JPY", "EUR", "BHD"]),
        st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)),
        st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(rows)
def test_any_rows_written_with_a_profile_read_back_as_the_same_lines(generated):
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(["id", "kind", "ref", "ours", "gross", "fee", "net", "ccy", "day"])
    for i, (kind, net, fee, currency, day, ours) in enumerate(generated):
        writer.writerow(
            [f"l{i}", kind, f"tx{i}", ours, net + fee, fee, net, currency, day.isoformat()]
        )
    parsed = generic_csv.parse(
        out.getvalue().encode(), provider="p", source_name="g.tsv", profile=MINOR_TSV
    )
    assert [
        (x.line_type, x.gross, x.fee, x.net, x.value_date, x.our_reference, x.line_identity)
        for x in parsed.lines
    ] == [
        (
            KINDS[kind],
            Money(net + fee, currency),
            Money(fee, currency),
            Money(net, currency),
            day,
            ours.strip() or None,
            f"p/l{i}",
        )
        for i, (kind, net, fee, currency, day, ours) in enumerate(generated)
    ]
    assert parsed.warnings == []
