"""Reconciliation at scale: N statement lines against N ledger records with 0.5% discrepancies.

    python -m bench.recon [--rows 10000000]

Generates both sides as Parquet files once, then runs, each in a fresh process so that peak
memory is its own: the engine's matcher (every class, duplicates flagged) and, as the engine
limit, a bare polars inner join of the same two files on the provider reference. Prints wall
time, lines/s, peak RSS and the ratio engine/bare.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

DISCREPANCY_SHARE = 0.005


def generate(rows: int, folder: Path) -> dict[str, int]:
    """Ledger records 0..rows-1; statement lines mostly the same, with four kinds of damage."""
    day = dt.date(2026, 11, 1)
    ids = pl.int_range(0, rows, eager=True)
    records = pl.DataFrame(
        {
            "record": ids,
            "provider_reference": "ch_" + ids.cast(pl.Utf8).str.zfill(10),
            "our_reference": "att_" + ids.cast(pl.Utf8).str.zfill(10),
            "amount": (ids * 7919 % 100_000 + 100).cast(pl.Int64),
            "currency": pl.Series(["USD"] * rows, dtype=pl.Categorical),
            "day": pl.Series([day] * rows),
            "ok": pl.Series([True] * rows),
        }
    )
    bad = int(rows * DISCREPANCY_SHARE) // 4
    lines = (
        records.drop("record", "ok")
        .with_row_index("line")
        .with_columns(pl.col("line").cast(pl.Int64))
    )
    lines = lines.with_columns(
        pl.when(pl.col("line") < bad)
        .then(pl.col("amount") + 1)
        .otherwise(pl.col("amount"))
        .alias("amount")
    )
    lines = lines.filter(
        (pl.col("line") < bad) | (pl.col("line") >= 2 * bad)
    )  # missing_in_statement
    extra = lines.head(
        bad
    ).with_columns(  # missing_in_ledger: charges we know nothing of, at amounts no
        ("ch_x" + pl.col("line").cast(pl.Utf8)).alias("provider_reference"),  # record has either
        pl.lit(None, pl.Utf8).alias("our_reference"),
        (pl.col("amount") + 10_000_000).alias("amount"),
        (pl.col("line") + rows).alias("line"),
    )
    repeated = lines.slice(2 * bad, bad).with_columns(
        (pl.col("line") + 2 * rows).alias("line")
    )  # same lines again
    statement = pl.concat([lines, extra, repeated]).with_columns(
        pl.col("provider_reference").alias("identity")
    )
    records.write_parquet(folder / "records.parquet")
    statement.write_parquet(folder / "lines.parquet")
    return {"records": records.height, "lines": statement.height, "per_kind": bad}


def run_engine(folder: Path) -> dict[str, object]:
    from ledgerline.recon.matcher import match

    started = time.perf_counter()
    # Lines already stored from earlier files arrive flagged (the database's unique line
    # identity decides); within one file a repeated line lands on a record already matched and
    # is classed duplicate_in_statement by the matcher itself.
    lines = (
        pl.read_parquet(folder / "lines.parquet")
        .drop("identity")
        .with_columns(pl.lit(False).alias("duplicate"))
    )
    records = pl.read_parquet(folder / "records.parquet")
    result = match(lines, records, window_days=3)
    counts = dict(result.group_by("class").len().iter_rows())
    return {"seconds": time.perf_counter() - started, "counts": counts}


def run_bare(folder: Path) -> dict[str, object]:
    started = time.perf_counter()
    lines = pl.read_parquet(folder / "lines.parquet")
    records = pl.read_parquet(folder / "records.parquet")
    joined = lines.join(records, on="provider_reference", how="inner")
    return {"seconds": time.perf_counter() - started, "counts": {"joined": joined.height}}


def _phase(name: str, folder: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.recon", "--phase", name, "--folder", str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--phase", choices=["engine", "bare"])
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    if args.phase:
        result = run_engine(args.folder) if args.phase == "engine" else run_bare(args.folder)
        result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="ledgerline-recon-bench-") as tmp:
        folder = Path(tmp)
        sizes = generate(args.rows, folder)
        engine, bare = _phase("engine", folder), _phase("bare", folder)
    lines = sizes["lines"]
    print(
        f"{sizes['records']:,} records, {lines:,} lines, {sizes['per_kind']:,} of each discrepancy kind"
    )
    for name, r in (("engine", engine), ("bare join", bare)):
        print(
            f"{name:<10} {r['seconds']:>8.2f} s {lines / float(r['seconds']):>14,.0f} lines/s "
            f"{r['peak_rss_mib']:>9,.0f} MiB peak"
        )
    print(f"ratio engine / bare join: {float(engine['seconds']) / float(bare['seconds']):.2f}")
    print(f"classes: {engine['counts']}")


if __name__ == "__main__":
    main()
