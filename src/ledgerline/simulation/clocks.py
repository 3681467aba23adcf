"""A virtual clock and seeded ids: what makes one seed replay exactly."""

from __future__ import annotations

import datetime as dt
import random

EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class VirtualClock:
    """Time moves only when the simulation says so."""

    def __init__(self, start: dt.datetime = EPOCH) -> None:
        self._now = start

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        assert seconds >= 0, seconds
        self._now += dt.timedelta(seconds=seconds)


class SeededIds:
    """Ids from a seeded generator, ordered by a counter so they sort by creation."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._counter = 0

    def new(self, prefix: str, *, now: dt.datetime | None = None) -> str:
        self._counter += 1
        return f"{prefix}_{self._counter:010d}{self._rng.getrandbits(40):010x}"

    def token(self) -> str:
        return f"{self._rng.getrandbits(128):032x}"
