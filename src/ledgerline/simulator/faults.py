"""Fault profiles: seeded, per provider, loadable from JSON."""

from __future__ import annotations

import math
import random
import threading

from pydantic import BaseModel, ConfigDict, Field

PROVIDERS = ("sim_a", "sim_b", "sim_bank")


class ProviderFaults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latency_ms: float = Field(0, ge=0, description="median latency")
    latency_p99_ms: float | None = Field(
        None, ge=0, description="if set, lognormal between median and p99"
    )
    decline_rate: float = Field(0, ge=0, le=1)
    timeout_before_rate: float = Field(0, ge=0, le=1, description="hang without executing")
    timeout_after_rate: float = Field(
        0, ge=0, le=1, description="execute, then hang: the response is lost"
    )
    error_5xx_rate: float = Field(0, ge=0, le=1, description="execute, then answer 500")
    unavailable_rate: float = Field(0, ge=0, le=1, description="503 processed:false, not executed")
    rate_limit_rate: float = Field(0, ge=0, le=1, description="429, not executed")
    outage: bool = Field(False, description="answer 503 processed:false to every operation")
    outage_windows_s: list[tuple[float, float]] = Field(
        default_factory=list, description="[start, end) since start"
    )
    webhook_drop_rate: float = Field(0, ge=0, le=1)
    webhook_duplicate_rate: float = Field(0, ge=0, le=1)
    webhook_reorder_rate: float = Field(
        0, ge=0, le=1, description="hold one event and send it after the next"
    )
    webhook_delay_s: float = Field(0, ge=0)


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = "custom"
    providers: dict[str, ProviderFaults] = Field(
        default_factory=lambda: {p: ProviderFaults() for p in PROVIDERS}
    )


def named_profile(name: str) -> Profile:
    calm = ProviderFaults()
    peak = ProviderFaults(
        latency_ms=40,
        latency_p99_ms=400,
        decline_rate=0.05,
        timeout_after_rate=0.01,
        timeout_before_rate=0.01,
        error_5xx_rate=0.01,
        rate_limit_rate=0.02,
        webhook_duplicate_rate=0.05,
        webhook_reorder_rate=0.05,
    )
    profiles = {
        "calm": {p: calm for p in PROVIDERS},
        "peak": {p: peak for p in PROVIDERS},
        "outage": {
            "sim_a": ProviderFaults(outage_windows_s=[(5.0, 65.0)], latency_ms=20),
            "sim_b": ProviderFaults(latency_ms=20),
            "sim_bank": ProviderFaults(latency_ms=20),
        },
        "chaos": {
            p: ProviderFaults(
                latency_ms=20,
                latency_p99_ms=800,
                decline_rate=0.1,
                timeout_before_rate=0.03,
                timeout_after_rate=0.05,
                error_5xx_rate=0.05,
                unavailable_rate=0.03,
                rate_limit_rate=0.03,
                webhook_drop_rate=0.1,
                webhook_duplicate_rate=0.1,
                webhook_reorder_rate=0.1,
                webhook_delay_s=2,
            )
            for p in PROVIDERS
        },
    }
    if name not in profiles:
        raise ValueError(f"unknown profile {name!r}; choose one of {', '.join(profiles)}")
    return Profile(name=name, providers=dict(profiles[name]))


class Dice:
    """One seeded generator per provider. Draws happen in request arrival order, so concurrent
    clients make the sequence depend on arrival; sequential clients replay exactly."""

    def __init__(self, seed: int) -> None:
        self._lock = threading.Lock()
        self._rngs = {p: random.Random(f"{seed}:{p}") for p in PROVIDERS}

    def chance(self, provider: str, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self._rngs[provider].random() < rate

    def latency_s(self, provider: str, faults: ProviderFaults) -> float:
        if (
            faults.latency_p99_ms is None
            or faults.latency_p99_ms <= faults.latency_ms
            or faults.latency_ms <= 0
        ):
            return faults.latency_ms / 1000
        sigma = (
            math.log(faults.latency_p99_ms / faults.latency_ms) / 2.326
        )  # z of the 99th percentile
        with self._lock:
            return self._rngs[provider].lognormvariate(math.log(faults.latency_ms), sigma) / 1000
