import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from ledgerline.domain.circuit import (
    Circuit,
    CircuitPolicy,
    CircuitState,
    Window,
    admits,
    after_call,
    on_route,
)

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
POLICY = CircuitPolicy(window_s=60, calls_min=10, failure_ratio_open=0.5, cooldown_s=30)
CLOSED = Circuit(CircuitState.CLOSED, T0, "")


def test_a_closed_circuit_opens_when_half_the_recent_calls_failed():
    opened = after_call(
        CLOSED, healthy=False, window=Window(calls=10, failures=5), now=T0, policy=POLICY
    )
    assert opened.state is CircuitState.OPEN and "5 of 10 calls failed" in opened.reason
    assert not admits(opened)


def test_too_few_calls_never_open_it():
    assert (
        after_call(CLOSED, healthy=False, window=Window(calls=9, failures=9), now=T0, policy=POLICY)
        == CLOSED
    )


def test_an_open_circuit_lets_a_probe_through_after_its_cooldown_and_the_probe_decides():
    opened = Circuit(CircuitState.OPEN, T0, "down")
    assert on_route(opened, now=T0 + dt.timedelta(seconds=29), policy=POLICY) is opened
    probing = on_route(opened, now=T0 + dt.timedelta(seconds=30), policy=POLICY)
    assert probing.state is CircuitState.HALF_OPEN and admits(probing)
    window = Window(calls=20, failures=20)
    assert (
        after_call(probing, healthy=True, window=window, now=T0, policy=POLICY).state
        is CircuitState.CLOSED
    )
    assert (
        after_call(probing, healthy=False, window=window, now=T0, policy=POLICY).state
        is CircuitState.OPEN
    )


@given(
    st.integers(min_value=0, max_value=1000),
    st.integers(min_value=0, max_value=1000),
    st.booleans(),
)
def test_a_closed_circuit_opens_exactly_when_the_window_crosses_the_threshold(
    calls, failures, healthy
):
    failures = min(failures, calls)
    state = after_call(
        CLOSED, healthy=healthy, window=Window(calls, failures), now=T0, policy=POLICY
    ).state
    expected_open = calls >= POLICY.calls_min and failures / calls >= POLICY.failure_ratio_open
    assert (state is CircuitState.OPEN) == expected_open
