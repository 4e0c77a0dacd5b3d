"""The job table of the SQL store: a queue whose jobs are claimed with a lease that their owner renews."""
from __future__ import annotations

import time
from collections.abc import Collection
from typing import Any

import orjson
import sqlalchemy as sa

from .base import Record, ResourceChange
from .tables import jobs


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def _job(row: Any) -> Record:
    return {**row, "payload": orjson.loads(row["payload"])}


class SqlJobs:
    """Job methods of SqlStore (it provides `_tx`, `_update_in` and `is_sqlite`)."""

    def add_job(self, kind: str, arn: str, payload: Record | None = None, lane: str = "heavy") -> int:
        now = time.time()
        with self._tx(write=True) as conn:
            result = conn.execute(jobs.insert().values(
                kind=kind, arn=arn, state="pending", attempts=0, payload=dumps(payload or {}),
                created=now, updated=now, lane=lane,
            ))
            return int(result.inserted_primary_key[0])

    def get_job(self, job_id: int) -> Record | None:
        with self._tx() as conn:
            row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).mappings().first()
        return _job(row) if row else None

    def claim_job(self, job_id: int, owner: str = "", lease_s: float = 60.0) -> Record | None:
        with self._tx(write=True) as conn:
            return self._claim(conn, job_id, owner, lease_s)

    def claim_next(self, owner: str, lanes: Collection[str], lease_s: float) -> Record | None:
        with self._tx(write=True) as conn:
            query = (sa.select(jobs.c.id).where(jobs.c.state == "pending", jobs.c.lane.in_(list(lanes)))
                     .order_by(jobs.c.id).limit(1))
            if not self.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            job_id = conn.execute(query).scalar()
            return None if job_id is None else self._claim(conn, job_id, owner, lease_s)

    def _claim(self, conn: Any, job_id: int, owner: str, lease_s: float) -> Record | None:
        now = time.time()
        done = conn.execute(
            jobs.update().where(jobs.c.id == job_id, jobs.c.state == "pending")
            .values(state="running", attempts=jobs.c.attempts + 1, updated=now, owner=owner,
                    lease_until=now + lease_s, started=now, progress=0.0, stage=None)
        )
        if done.rowcount != 1:
            return None
        return _job(conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).mappings().first())

    def renew_leases(self, owner: str, job_ids: Collection[int], lease_s: float) -> set[int]:
        if not job_ids:
            return set()
        mine = sa.and_(jobs.c.owner == owner, jobs.c.state == "running", jobs.c.id.in_(list(job_ids)))
        with self._tx(write=True) as conn:
            conn.execute(jobs.update().where(mine).values(lease_until=time.time() + lease_s))
            return {int(i) for i in conn.execute(sa.select(jobs.c.id).where(mine)).scalars()}

    def expired_jobs(self, now: float) -> list[Record]:
        query = sa.select(jobs).where(jobs.c.state == "running",
                                      sa.or_(jobs.c.lease_until.is_(None), jobs.c.lease_until < now))
        with self._tx() as conn:
            return [_job(r) for r in conn.execute(query.order_by(jobs.c.id)).mappings().all()]

    def transition(self, job_id: int, state: str, message: str | None = None, *, owner: str | None = None,
                   expired_before: float | None = None, resource: ResourceChange | None = None) -> Record | None:
        with self._tx(write=True) as conn:
            query = sa.select(jobs).where(jobs.c.id == job_id)
            if not self.is_sqlite:
                query = query.with_for_update()
            row = conn.execute(query).mappings().first()
            if row is None or not _may_move(row, owner, expired_before):
                return None
            if resource is not None:
                kind, arn, changes, expect = resource
                self._update_in(conn, kind, arn, changes, expect, missing_ok=True)
            keep_owner = state == "running"
            conn.execute(jobs.update().where(jobs.c.id == job_id).values(
                state=state, message=message, updated=time.time(),
                owner=row["owner"] if keep_owner else None, lease_until=row["lease_until"] if keep_owner else None))
            return _job(row)

    def report_progress(self, job_id: int, owner: str | None, fraction: float, stage: str | None) -> bool:
        mine = sa.and_(jobs.c.id == job_id, jobs.c.state == "running")
        if owner is not None:
            mine = sa.and_(mine, jobs.c.owner == owner)
        values = {"progress": max(0.0, min(1.0, float(fraction)))}
        if stage is not None:
            values["stage"] = stage[:256]
        with self._tx(write=True) as conn:
            return conn.execute(jobs.update().where(mine).values(**values)).rowcount == 1

    def jobs_of(self, arns: Collection[str]) -> dict[str, Record]:
        if not arns:
            return {}
        latest = (sa.select(sa.func.max(jobs.c.id)).where(jobs.c.arn.in_(list(arns)))
                  .group_by(jobs.c.arn).scalar_subquery())
        with self._tx() as conn:
            rows = conn.execute(sa.select(jobs).where(jobs.c.id.in_(latest))).mappings().all()
        return {r["arn"]: _job(r) for r in rows}

    def finish_job(self, job_id: int, state: str, message: str | None = None) -> None:
        with self._tx(write=True) as conn:
            conn.execute(jobs.update().where(jobs.c.id == job_id)
                         .values(state=state, message=message, updated=time.time(), owner=None, lease_until=None))

    def jobs(self, states: Collection[str], lanes: Collection[str] | None = None) -> list[Record]:
        query = sa.select(jobs).where(jobs.c.state.in_(list(states)))
        if lanes is not None:
            query = query.where(jobs.c.lane.in_(list(lanes)))
        with self._tx() as conn:
            rows = conn.execute(query.order_by(jobs.c.id)).mappings().all()
        return [_job(r) for r in rows]


def _may_move(row: Any, owner: str | None, expired_before: float | None) -> bool:
    """A running job moves only for its owner, or for anyone once its lease ran out; a pending one for anyone who
    names no owner (a job cancelled or failed before it started)."""
    if row["state"] == "pending":
        return owner is None
    if row["state"] != "running":
        return False
    if owner is not None:
        return row["owner"] == owner
    if expired_before is not None:
        return row["lease_until"] is None or row["lease_until"] < expired_before
    return False
