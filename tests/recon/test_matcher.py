"""The matcher's classes do not depend on the order of lines or records."""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import given
from hypothesis import strategies as st

from ledgerline.recon.matcher import PolarsMatcher

DAY = dt.date(2026, 11, 1)


def _case(seed: int, size: int):
    rng = random.Random(seed)
    records = [
        {
            "record": i,
            "provider_reference": f"ch{i}",
            "our_reference": f"att{i}",
            "amount": 100 + i,
            "currency": "USD",
            "day": DAY,
            "ok": rng.random() > 0.1,
        }
        for i in range(size)
    ]
    lines = []
    for i in range(size):
        roll = rng.random()
        if roll < 0.1:
            continue  # missing in statement
        amount = 100 + i + (1 if roll > 0.9 else 0)
        ref = f"ch{i}" if roll < 0.7 else None
        lines.append(
            {
                "provider_reference": ref,
                "our_reference": f"att{i}" if ref is None else None,
                "amount": amount,
                "currency": "USD",
                "day": DAY,
                "duplicate": False,
            }
        )
    lines.append(
        {
            "provider_reference": "ch_orphan",
            "our_reference": None,
            "amount": 10**9,
            "currency": "USD",
            "day": DAY,
            "duplicate": False,
        }
    )
    return lines, records


def _classes(lines, records):
    """(line's reference, record id, class) for every result, in a canonical order."""
    numbered = [dict(line, line=i) for i, line in enumerate(lines)]
    result = PolarsMatcher().match(numbered, records)
    named = [
        (
            (lines[i]["provider_reference"] or lines[i]["our_reference"]) if i is not None else "",
            r,
            c,
        )
        for i, r, c in result
    ]
    return sorted(named, key=lambda t: (t[0], -1 if t[1] is None else t[1], t[2]))


@given(st.integers(0, 10_000), st.integers(1, 40), st.randoms())
def test_classes_are_independent_of_order(seed, size, shuffle):
    lines, records = _case(seed, size)
    expected = _classes(lines, records)
    shuffled_lines, shuffled_records = list(lines), list(records)
    shuffle.shuffle(shuffled_lines)
    shuffle.shuffle(shuffled_records)
    assert _classes(shuffled_lines, shuffled_records) == expected
    assert sum(1 for _, _, c in expected if c != "unmatched_record") == len(lines)


def _row(line, reference, amount):
    return {
        "line": line,
        "provider_reference": reference,
        "our_reference": None,
        "amount": amount,
        "currency": "USD",
        "day": DAY,
        "duplicate": False,
    }


def test_lines_that_add_up_to_one_record_split_it_and_a_repeat_is_a_duplicate():
    records = [
        {
            "record": 1,
            "provider_reference": "ch1",
            "our_reference": None,
            "amount": 100,
            "currency": "USD",
            "day": DAY,
            "ok": True,
        },
        {
            "record": 2,
            "provider_reference": "ch2",
            "our_reference": None,
            "amount": 100,
            "currency": "USD",
            "day": DAY,
            "ok": True,
        },
    ]
    lines = [_row(0, "ch1", 60), _row(1, "ch1", 40), _row(2, "ch2", 100), _row(3, "ch2", 100)]
    assert sorted(PolarsMatcher().match(lines, records), key=str) == [
        (0, 1, "matched"),
        (1, 1, "matched"),
        (2, 2, "matched"),
        (3, None, "duplicate_in_statement"),
    ]
