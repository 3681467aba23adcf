"""The HTML report of `ledgerline simulate`: the text report plus three charts (throughput over
time, final states over time, latency distribution), drawn with matplotlib into embedded PNGs."""

from __future__ import annotations

import base64
import html
import io
from collections import Counter
from pathlib import Path

from ledgerline.simulation.peak_day import Report

BUCKETS_MAX = 60  # a minute-long run shows per-second bars; longer runs are grouped


def _png(figure: object) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")  # type: ignore[attr-defined]
    return base64.b64encode(buffer.getvalue()).decode()


def write_html(report: Report, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a server
    from matplotlib import pyplot as plt

    finished = sorted(report.finished)
    span_s = max((t for t, _ in finished), default=1.0) or 1.0
    width_s = max(1.0, span_s / BUCKETS_MAX)
    buckets = int(span_s // width_s) + 1
    per_bucket: list[Counter[str]] = [Counter() for _ in range(buckets)]
    for at_s, status in finished:
        per_bucket[min(buckets - 1, int(at_s // width_s))][status] += 1
    xs = [i * width_s for i in range(buckets)]
    images = []
    figure, axis = plt.subplots(figsize=(7, 2.6))
    axis.bar(xs, [sum(c.values()) / width_s for c in per_bucket], width=width_s * 0.9, align="edge")
    axis.set(title="Throughput (payments/s)", xlabel="seconds since start")
    images.append(_png(figure))
    plt.close(figure)
    figure, axis = plt.subplots(figsize=(7, 2.6))
    bottom = [0.0] * buckets
    for status in sorted({s for _, s in finished}):
        heights = [c[status] for c in per_bucket]
        axis.bar(xs, heights, width=width_s * 0.9, align="edge", bottom=bottom, label=status)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axis.set(title="States of the payments answered, over time", xlabel="seconds since start")
    axis.legend(fontsize=8)
    images.append(_png(figure))
    plt.close(figure)
    figure, axis = plt.subplots(figsize=(7, 2.6))
    axis.hist(report.latencies_ms, bins=40)
    axis.set(title="Latency of create-and-confirm (ms)", xlabel="ms", ylabel="payments")
    images.append(_png(figure))
    plt.close(figure)
    body = "".join(f"<p>{html.escape(line)}</p>" for line in report.lines())
    charts = "".join(f'<img alt="chart" src="data:image/png;base64,{png}">' for png in images)
    path.write_text(
        f"<!doctype html><meta charset=utf-8><title>Ledgerline simulation</title>"
        f"<style>body{{font-family:system-ui;max-width:60rem;margin:2rem auto}}"
        f"p{{font-family:monospace;margin:.2rem 0}}</style><h1>Ledgerline simulation</h1>{body}{charts}",
        encoding="utf-8",
    )
