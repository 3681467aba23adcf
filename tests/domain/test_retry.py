import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerline.domain.retry import backoff_delay_s


@given(st.integers(min_value=1, max_value=200), st.floats(min_value=0, max_value=0.999999))
def test_backoff_stays_between_half_and_all_of_its_capped_nominal_delay(attempt, jitter):
    delay = backoff_delay_s(attempt, base_s=1, cap_s=3600, jitter=jitter)
    nominal = min(3600, 2 ** (attempt - 1))
    assert nominal / 2 <= delay <= nominal


def test_backoff_grows_exponentially_until_the_cap():
    delays = [backoff_delay_s(n, base_s=1, cap_s=60, jitter=0) for n in range(1, 10)]
    assert delays[:7] == [0.5, 1, 2, 4, 8, 16, 30]
    assert delays[7:] == [30, 30]


def test_out_of_range_jitter_is_a_programmer_error():
    with pytest.raises(AssertionError):
        backoff_delay_s(1, base_s=1, cap_s=2, jitter=1.0)
