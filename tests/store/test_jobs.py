"""The durable job queue on both databases: leases, expiry, idempotent enqueue."""

import datetime as dt

import pytest

from ledgerline.store.engine import make_engine
from ledgerline.store.uow import SqlUnitOfWorkFactory

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def uow(database_url):
    engine = make_engine(database_url)
    yield SqlUnitOfWorkFactory(engine)
    engine.dispose()


def _enqueue(uow, key, *, run_at=T0, attempts_max=3):
    with uow() as u:
        u.jobs.enqueue(
            kind="k",
            dedupe_key=key,
            payload={"n": key},
            run_at=run_at,
            now=T0,
            attempts_max=attempts_max,
        )
        u.commit()


def _claim(uow, owner, now, limit=10, lease_s=30):
    with uow() as u:
        jobs = u.jobs.claim(owner=owner, now=now, lease_s=lease_s, limit=limit)
        u.commit()
    return jobs


def test_a_claimed_job_is_not_claimed_again_until_its_lease_expires(uow):
    _enqueue(uow, "a")
    [job] = _claim(uow, "w1", T0)
    assert job.attempts == 1 and job.payload == {"n": "a"}
    assert _claim(uow, "w2", T0 + dt.timedelta(seconds=29)) == []
    [again] = _claim(uow, "w2", T0 + dt.timedelta(seconds=31))
    assert again.id == job.id and again.attempts == 2


def test_jobs_are_not_claimed_before_they_are_due(uow):
    _enqueue(uow, "later", run_at=T0 + dt.timedelta(minutes=5))
    assert _claim(uow, "w", T0) == []
    assert len(_claim(uow, "w", T0 + dt.timedelta(minutes=5))) == 1


def test_enqueue_is_idempotent_per_dedupe_key_and_revives_finished_jobs(uow):
    _enqueue(uow, "a")
    _enqueue(uow, "a")
    [job] = _claim(uow, "w", T0)
    with uow() as u:
        u.jobs.finish(job, owner="w", now=T0)
        u.commit()
    assert _claim(uow, "w", T0 + dt.timedelta(hours=1)) == []
    _enqueue(uow, "a", run_at=T0 + dt.timedelta(hours=2))
    [revived] = _claim(uow, "w", T0 + dt.timedelta(hours=2))
    assert revived.id == job.id and revived.attempts == 1


def test_finishing_needs_the_current_lease(uow):
    _enqueue(uow, "a")
    [job] = _claim(uow, "w1", T0)
    [stolen] = _claim(uow, "w2", T0 + dt.timedelta(seconds=31))
    with uow() as u:
        u.jobs.finish(job, owner="w1", now=T0)  # the first worker woke up late: ignored
        u.commit()
    with uow() as u:
        assert "a" in u.jobs.due_keys()
        u.jobs.finish(stolen, owner="w2", now=T0)
        u.commit()
    with uow() as u:
        assert "a" not in u.jobs.due_keys()


def test_a_job_out_of_attempts_is_parked_dead_not_deleted(uow):
    _enqueue(uow, "a", attempts_max=1)
    [job] = _claim(uow, "w", T0)
    with uow() as u:
        u.jobs.retry_later(job, owner="w", run_at=T0, error="boom", now=T0, dead=True)
        u.commit()
    assert _claim(uow, "w", T0 + dt.timedelta(days=1)) == []
    with uow() as u:
        assert u.jobs.counts() == {"dead": 1}


def test_claim_batches_are_bounded_and_ordered_by_due_time(uow):
    for i in range(5):
        _enqueue(uow, f"j{i}", run_at=T0 - dt.timedelta(seconds=i))
    jobs = _claim(uow, "w", T0, limit=3)
    assert [j.dedupe_key for j in jobs] == ["j4", "j3", "j2"]
