"""`ledgerline simulate` as CI's end-to-end check: real processes, a chaos profile, small N."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_a_chaotic_day_ends_with_every_invariant_passing(tmp_path):
    env = dict(os.environ, LEDGERLINE_DATA_KEY_FILE=str(tmp_path / "data.key"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ledgerline",
            "simulate",
            "--payments",
            "30",
            "--concurrency",
            "4",
            "--profile",
            "chaos",
            "--seed",
            "7",
            "--database-url",
            f"sqlite:///{tmp_path / 'sim.db'}",
            "--report",
            str(tmp_path / "day.html"),
        ],
        capture_output=True,
        text=True,
        timeout=280,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    verdicts = [
        line.split(" ", 1)
        for line in result.stdout.splitlines()
        if line.startswith(("PASS", "FAIL"))
    ]
    assert verdicts and all(v[0] == "PASS" for v in verdicts), result.stdout
    assert "every charge the provider made is ours and posted" in result.stdout
    assert "final states:" in result.stdout and "faults injected by the simulator:" in result.stdout
    page = (tmp_path / "day.html").read_text()
    assert page.count("data:image/png;base64,") == 3  # throughput, states over time, latency
    assert "every payment final" in page
