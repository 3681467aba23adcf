"""The durable job queue: rows in the jobs table, claimed with leases.

A worker claims due jobs by setting a lease; a worker that dies simply lets its lease expire
and another claims the job again. Handlers are therefore written to be safe to run twice.
On PostgreSQL, claiming uses FOR UPDATE SKIP LOCKED so many workers never block each other;
on SQLite the claiming transaction holds the single write lock, which serializes claims.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ledgerline.services.ports import Job
from ledgerline.store.tables import jobs

# One claim transaction stays short on SQLite, where it holds the only write lock.
CLAIM_BATCH_MAX = 50
ERROR_TEXT_LENGTH_MAX = 2000


class JobQueue:
    def __init__(self, connection: Connection) -> None:
        self._c = connection
        self._pg = connection.dialect.name == "postgresql"

    def enqueue(
        self,
        *,
        kind: str,
        dedupe_key: str,
        payload: dict[str, Any],
        run_at: dt.datetime,
        now: dt.datetime,
        attempts_max: int,
    ) -> None:
        """Add a job unless one with `dedupe_key` is queued; a finished one is revived.

        Reviving lets the same subject be worked on again later (a second inquiry round)
        while still never having two live jobs for it.
        """
        values = dict(
            kind=kind,
            dedupe_key=dedupe_key,
            payload=payload,
            status="queued",
            run_at=run_at,
            attempts=0,
            attempts_max=attempts_max,
            created_at=now,
            updated_at=now,
        )
        dialect = postgresql if self._pg else sqlite
        stmt = dialect.insert(jobs).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[jobs.c.dedupe_key],
            set_=dict(
                status="queued",
                run_at=run_at,
                attempts=0,
                payload=payload,
                lease_owner=None,
                lease_expires_at=None,
                last_error=None,
                updated_at=now,
            ),
            where=jobs.c.status != "queued",
        )
        self._c.execute(stmt)

    def complete(self, dedupe_key: str, *, now: dt.datetime) -> None:
        self._c.execute(
            update(jobs)
            .where(jobs.c.dedupe_key == dedupe_key, jobs.c.status == "queued")
            .values(status="done", lease_owner=None, lease_expires_at=None, updated_at=now)
        )

    def claim(self, *, owner: str, now: dt.datetime, lease_s: float, limit: int) -> list[Job]:
        """Lease up to `limit` due jobs to `owner` until `now + lease_s`."""
        assert 0 < limit <= CLAIM_BATCH_MAX, limit
        due = and_(
            jobs.c.status == "queued",
            jobs.c.run_at <= now,
            or_(jobs.c.lease_expires_at.is_(None), jobs.c.lease_expires_at < now),
        )
        query = select(jobs).where(due).order_by(jobs.c.run_at, jobs.c.id).limit(limit)
        if self._pg:
            query = query.with_for_update(skip_locked=True)
        rows = self._c.execute(query).all()
        if not rows:
            return []
        expires = now + dt.timedelta(seconds=lease_s)
        self._c.execute(
            update(jobs)
            .where(jobs.c.id.in_([r.id for r in rows]))
            .values(
                lease_owner=owner,
                lease_expires_at=expires,
                attempts=jobs.c.attempts + 1,
                updated_at=now,
            )
        )
        return [
            Job(
                id=r.id,
                kind=r.kind,
                dedupe_key=r.dedupe_key,
                payload=dict(r.payload),
                attempts=r.attempts + 1,
                attempts_max=r.attempts_max,
                run_at=r.run_at,
            )
            for r in rows
        ]

    def finish(self, job: Job, *, owner: str, now: dt.datetime) -> None:
        """Mark a claimed job done, unless its lease passed to someone else meanwhile."""
        self._c.execute(
            update(jobs)
            .where(jobs.c.id == job.id, jobs.c.lease_owner == owner, jobs.c.status == "queued")
            .values(status="done", lease_owner=None, lease_expires_at=None, updated_at=now)
        )

    def retry_later(
        self, job: Job, *, owner: str, run_at: dt.datetime, error: str, now: dt.datetime, dead: bool
    ) -> None:
        """Release a claimed job to run again at `run_at`, or park it as dead."""
        self._c.execute(
            update(jobs)
            .where(jobs.c.id == job.id, jobs.c.lease_owner == owner)
            .values(
                status="dead" if dead else "queued",
                run_at=run_at,
                lease_owner=None,
                lease_expires_at=None,
                last_error=error[:ERROR_TEXT_LENGTH_MAX],
                updated_at=now,
            )
        )

    def due_keys(self) -> set[str]:
        """Dedupe keys of every queued job (due now or later)."""
        return {
            r.dedupe_key
            for r in self._c.execute(select(jobs.c.dedupe_key).where(jobs.c.status == "queued"))
        }

    def counts(self) -> dict[str, int]:
        rows = self._c.execute(select(jobs.c.status, func.count()).group_by(jobs.c.status))
        return {r[0]: int(r[1]) for r in rows}

    def next_run_at_except(self, dedupe_key: str) -> dt.datetime | None:
        """When the next queued job other than `dedupe_key` (a periodic one) is due."""
        query = (
            select(jobs.c.run_at)
            .where(jobs.c.status == "queued", jobs.c.dedupe_key != dedupe_key)
            .order_by(jobs.c.run_at)
            .limit(1)
        )
        return self._c.execute(query).scalar()

    def next_run_at(self) -> dt.datetime | None:
        query = (
            select(jobs.c.run_at).where(jobs.c.status == "queued").order_by(jobs.c.run_at).limit(1)
        )
        return self._c.execute(query).scalar()
