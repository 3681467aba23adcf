import datetime as dt

import pytest

from ledgerline.store.engine import make_engine
from ledgerline.store.uow import SqlUnitOfWorkFactory

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
STALE = dt.timedelta(seconds=60)


@pytest.fixture
def uow(database_url):
    engine = make_engine(database_url)
    yield SqlUnitOfWorkFactory(engine)
    engine.dispose()


def _lock(uow, now):
    with uow() as u:
        ok = u.idempotency.try_lock(
            merchant_id="m", key="k", fingerprint="f", now=now, stale_before=now - STALE
        )
        u.commit()
    return ok


def test_only_one_request_holds_a_key_until_it_goes_stale(uow):
    assert _lock(uow, T0)
    assert not _lock(uow, T0 + dt.timedelta(seconds=59))
    assert _lock(uow, T0 + dt.timedelta(seconds=61))


def test_a_finished_key_keeps_its_response_and_is_never_relocked(uow):
    assert _lock(uow, T0)
    with uow() as u:
        u.idempotency.finish(
            merchant_id="m", key="k", response_status=200, response_body='{"id":"pay_1"}'
        )
        u.commit()
    assert not _lock(uow, T0 + dt.timedelta(days=1))
    with uow() as u:
        stored = u.idempotency.get("m", "k")
    assert (stored.status, stored.response_status, stored.response_body) == (
        "done",
        200,
        '{"id":"pay_1"}',
    )


def test_keys_are_scoped_per_merchant(uow):
    assert _lock(uow, T0)
    with uow() as u:
        assert u.idempotency.try_lock(
            merchant_id="other", key="k", fingerprint="g", now=T0, stale_before=T0 - STALE
        )
        u.commit()
