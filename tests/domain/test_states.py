import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerline.domain.errors import LedgerlineError
from ledgerline.domain.states import (
    ATTEMPT_TERMINAL,
    ATTEMPT_TRANSITIONS,
    PAYMENT_TERMINAL,
    PAYMENT_TRANSITIONS,
    AttemptStatus,
    PaymentStatus,
    rank,
    transition_to,
)

TABLES = [
    (PAYMENT_TRANSITIONS, PaymentStatus.REQUIRES_CONFIRMATION),
    (ATTEMPT_TRANSITIONS, AttemptStatus.PENDING),
]


def test_terminal_states_are_exactly_the_final_outcomes():
    assert PAYMENT_TERMINAL == {
        PaymentStatus.SUCCEEDED,
        PaymentStatus.FAILED,
        PaymentStatus.CANCELED,
    }
    assert ATTEMPT_TERMINAL == {AttemptStatus.SUCCEEDED, AttemptStatus.FAILED}


def test_unknown_attempt_resolves_only_by_evidence_to_success_or_failure():
    assert ATTEMPT_TRANSITIONS[AttemptStatus.UNKNOWN] == {
        AttemptStatus.SUCCEEDED,
        AttemptStatus.FAILED,
    }
    with pytest.raises(LedgerlineError) as raised:
        transition_to(AttemptStatus.UNKNOWN, AttemptStatus.PENDING, ATTEMPT_TRANSITIONS)
    assert raised.value.code == "transition_invalid"


def test_a_late_webhook_cannot_move_a_succeeded_payment_back():
    for target in PaymentStatus:
        with pytest.raises(LedgerlineError):
            transition_to(PaymentStatus.SUCCEEDED, target, PAYMENT_TRANSITIONS)


@pytest.mark.parametrize(("table", "start"), TABLES)
@given(data=st.data())
def test_random_event_sequences_only_ever_move_forward(table, start, data):
    """Drive random targets at the machine: accepted ones raise the rank, refused ones change nothing."""
    status = start
    for _ in range(data.draw(st.integers(min_value=1, max_value=20))):
        target = data.draw(st.sampled_from(sorted(table)))
        try:
            new = transition_to(status, target, table)
        except LedgerlineError:
            assert target not in table[status]
            continue
        assert rank(new, table) > rank(status, table)
        status = new
    assert status in table


@pytest.mark.parametrize(("table", "start"), TABLES)
def test_every_state_is_reachable_and_the_graph_has_no_cycles(table, start):
    reached, frontier = {start}, [start]
    while frontier:
        for nxt in table[frontier.pop()]:
            if nxt not in reached:
                reached.add(nxt)
                frontier.append(nxt)
    assert reached == set(table)
    for source, targets in table.items():
        for target in targets:
            assert rank(target, table) > rank(source, table)
