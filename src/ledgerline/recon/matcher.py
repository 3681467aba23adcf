"""The matcher: statement lines against our ledger records, with polars joins.

Passes, each only over what the previous left unmatched: (1) provider reference, (2) our
reference, (3) amount + currency + date window when exactly one candidate fits on both sides.
Then the leftovers are classified. Pure data in, classes out: no I/O, no database.

Columns — lines: line (int), provider_reference, our_reference, amount (int, minor units),
currency, day (date), duplicate (bool). Records: record (int), provider_reference,
our_reference, amount, currency, day, ok (bool: our side says it succeeded).
"""

from __future__ import annotations

import polars as pl

MATCH_CLASSES = ("matched", "amount_mismatch", "currency_mismatch", "status_mismatch")


def _pair(lines: pl.DataFrame, records: pl.DataFrame, key: str) -> pl.DataFrame:
    """Small-pass pairing on `key` (the leftovers after the provider-reference join)."""
    left = lines.filter(pl.col(key).is_not_null()).select("line", key, "amount", "currency")
    right = records.filter(pl.col(key).is_not_null()).select(
        "record",
        key,
        pl.col("amount").alias("r_amount"),
        pl.col("currency").alias("r_currency"),
        "ok",
    )
    # One record per reference: a second line on it is a duplicate, not a second match.
    return left.join(right, on=key, how="inner").unique(
        subset=["record"], keep="first", maintain_order=True
    )


def _classify(pairs: pl.DataFrame) -> pl.DataFrame:
    return pairs.with_columns(
        pl.when(~pl.col("ok"))
        .then(pl.lit("status_mismatch"))
        .when(pl.col("currency") != pl.col("r_currency"))
        .then(pl.lit("currency_mismatch"))
        .when(pl.col("amount") != pl.col("r_amount"))
        .then(pl.lit("amount_mismatch"))
        .otherwise(pl.lit("matched"))
        .alias("class")
    ).select("line", "record", "class")


def match(lines: pl.DataFrame, records: pl.DataFrame, *, window_days: int = 3) -> pl.DataFrame:
    """Every line gets a class; records matched by none are returned with line = null and class
    `unmatched_record` (the caller decides whether the settlement window has passed)."""
    duplicates = lines.filter(pl.col("duplicate")).select(
        "line",
        pl.lit(None, pl.Int64).alias("record"),
        pl.lit("duplicate_in_statement").alias("class"),
    )
    pairs, fresh, records = _by_provider_reference(lines.filter(~pl.col("duplicate")), records)
    results = [pairs]
    # Only the few lines and records left by the first pass reach the slower passes.
    found = _classify(_pair(fresh, records, "our_reference"))
    results.append(found)
    fresh = fresh.join(found.select("line"), on="line", how="anti")
    records = records.join(found.select("record"), on="record", how="anti")
    by_amount = _by_amount(fresh, records, window_days)
    fresh = fresh.join(by_amount.select("line"), on="line", how="anti")
    records = records.join(by_amount.select("record"), on="record", how="anti")
    missing = fresh.select(
        "line", pl.lit(None, pl.Int64).alias("record"), pl.lit("missing_in_ledger").alias("class")
    )
    left_over = records.select(
        pl.lit(None, pl.Int64).alias("line"), "record", pl.lit("unmatched_record").alias("class")
    )
    frames = [*results, by_amount, duplicates, missing, left_over]
    return pl.concat([f.cast({"line": pl.Int64, "record": pl.Int64}) for f in frames])


def _by_provider_reference(
    lines: pl.DataFrame, records: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """One full join on the provider reference, over the few columns it needs and planned lazily
    so it runs once: matched pairs, and the ids each side has left (whole rows fetched after)."""
    left = lines.lazy().select("line", "provider_reference", "amount", "currency")
    right = records.lazy().select(
        "record",
        "provider_reference",
        pl.col("amount").alias("r_amount"),
        pl.col("currency").alias("r_currency"),
        "ok",
    )
    joined = left.filter(pl.col("provider_reference").is_not_null()).join(
        right.filter(pl.col("provider_reference").is_not_null()),
        on="provider_reference",
        how="full",
        coalesce=True,
    )
    both = joined.filter(
        pl.col("line").is_not_null() & pl.col("record").is_not_null()
    ).with_columns(
        # The earliest line of the statement is the one that counts: deterministic whatever the join order.
        (pl.col("line") == pl.col("line").min().over("record")).alias("first"),
        pl.len().over("record").alias("parts"),
        pl.col("amount").sum().over("record").alias("parts_amount"),
    )
    # Several lines on one record either split it (many-to-one: their amounts add up to it) or
    # repeat it: then the first is matched and the others are duplicates, never second matches.
    split = (pl.col("parts") > 1) & (pl.col("parts_amount") == pl.col("r_amount"))
    pairs = both.select(
        "line",
        pl.when(pl.col("first") | split).then(pl.col("record")).alias("record"),
        pl.when(split & pl.col("ok") & (pl.col("currency") == pl.col("r_currency")))
        .then(pl.lit("matched"))
        .when(~pl.col("first") & ~split)
        .then(pl.lit("duplicate_in_statement"))
        .when(~pl.col("ok"))
        .then(pl.lit("status_mismatch"))
        .when(pl.col("currency") != pl.col("r_currency"))
        .then(pl.lit("currency_mismatch"))
        .when(pl.col("amount") != pl.col("r_amount"))
        .then(pl.lit("amount_mismatch"))
        .otherwise(pl.lit("matched"))
        .alias("class"),
    )
    line_ids = pl.concat(
        [
            joined.filter(pl.col("record").is_null()).select("line"),
            left.filter(pl.col("provider_reference").is_null()).select("line"),
        ]
    )
    record_ids = pl.concat(
        [
            joined.filter(pl.col("line").is_null()).select("record"),
            right.filter(pl.col("provider_reference").is_null()).select("record"),
        ]
    )
    done, lines_left, records_left = pl.collect_all([pairs, line_ids, record_ids])
    return (
        done,
        lines.join(lines_left, on="line", how="semi"),
        records.join(records_left, on="record", how="semi"),
    )


def _by_amount(lines: pl.DataFrame, records: pl.DataFrame, window_days: int) -> pl.DataFrame:
    """Amount + currency + day within the window, kept only when the pairing is unambiguous."""
    candidates = (
        lines.select("line", "amount", "currency", "day")
        .join(
            records.filter(pl.col("ok")).select(
                "record", "amount", "currency", pl.col("day").alias("r_day")
            ),
            on=["amount", "currency"],
            how="inner",
        )
        .filter((pl.col("day") - pl.col("r_day")).dt.total_days().abs() <= window_days)
    )
    unique_line = (
        candidates.group_by("line").agg(pl.len().alias("n")).filter(pl.col("n") == 1).select("line")
    )
    unique_record = (
        candidates.group_by("record")
        .agg(pl.len().alias("n"))
        .filter(pl.col("n") == 1)
        .select("record")
    )
    chosen = candidates.join(unique_line, on="line", how="semi").join(
        unique_record, on="record", how="semi"
    )
    return chosen.select("line", "record", pl.lit("matched").alias("class"))


LINE_SCHEMA = {
    "line": pl.Int64,
    "provider_reference": pl.Utf8,
    "our_reference": pl.Utf8,
    "amount": pl.Int64,
    "currency": pl.Utf8,
    "day": pl.Date,
    "duplicate": pl.Boolean,
}
RECORD_SCHEMA = {
    "record": pl.Int64,
    "provider_reference": pl.Utf8,
    "our_reference": pl.Utf8,
    "amount": pl.Int64,
    "currency": pl.Utf8,
    "day": pl.Date,
    "ok": pl.Boolean,
}


class PolarsMatcher:
    """The `Matcher` port: rows in, (line, record, class) triples out."""

    def __init__(self, window_days: int = 3) -> None:
        self.window_days = window_days

    def match(
        self, lines: list[dict[str, object]], records: list[dict[str, object]]
    ) -> list[tuple[int | None, int | None, str]]:
        frame_lines = pl.DataFrame(lines, schema=LINE_SCHEMA)
        frame_records = pl.DataFrame(records, schema=RECORD_SCHEMA)
        result = match(frame_lines, frame_records, window_days=self.window_days)
        return list(result.iter_rows())
