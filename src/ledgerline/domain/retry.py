"""Backoff schedules. Randomness is passed in so simulations replay exactly."""

from __future__ import annotations


def backoff_delay_s(attempt: int, *, base_s: float, cap_s: float, jitter: float) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random.

    `attempt` counts from 1; `jitter` is a number in [0, 1) drawn by the caller. Keeping half
    the delay fixed stops a crowd of retries from collapsing onto the same instant while still
    guaranteeing each retry waits at least half its nominal time.
    """
    assert attempt >= 1 and 0 <= jitter < 1 and 0 < base_s <= cap_s, (
        attempt,
        jitter,
        base_s,
        cap_s,
    )
    nominal_s = min(cap_s, base_s * float(2 ** min(attempt - 1, 62)))
    return nominal_s / 2 + nominal_s / 2 * jitter
