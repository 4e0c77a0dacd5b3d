"""SQLAlchemy Core implementation of the Store: SQLite by default, PostgreSQL by URL."""
from __future__ import annotations

import threading
import time
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection

from ..errors import already_exists, not_found
from .base import Record

from .migrate import upgrade
from .sql_jobs import SqlJobs, dumps
from .tables import events, meta, records, resources, tags


_dumps = dumps


class SqlStore(SqlJobs):
    """One schema for SQLite and PostgreSQL. SQLite runs in WAL mode with write transactions
    taken IMMEDIATE so that read-modify-write updates never race."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            path = url.split(":///", 1)[1] if ":///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine = sa.create_engine(
                url, connect_args={"check_same_thread": False, "timeout": 30},
                isolation_level="AUTOCOMMIT",
            )
            sa_event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = sa.create_engine(url, pool_pre_ping=True)
        upgrade(self.engine, meta)
        self._lock = threading.RLock()

    @contextmanager
    def _tx(self, write: bool = False) -> Iterator[Connection]:
        if not self.is_sqlite:
            with self.engine.begin() as conn:
                yield conn
            return
        with self.engine.connect() as conn:
            if write:
                self._lock.acquire()
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield conn
                except BaseException:
                    conn.exec_driver_sql("ROLLBACK")
                    raise
                conn.exec_driver_sql("COMMIT")
            finally:
                if write:
                    self._lock.release()

    # ---- resources -------------------------------------------------------------------------
    def insert(self, kind: str, record: Record) -> None:
        with self._tx(write=True) as conn:
            if conn.execute(sa.select(resources.c.arn).where(resources.c.arn == record["arn"])).first():
                raise already_exists(record["arn"])
            seq = conn.execute(sa.select(sa.func.coalesce(sa.func.max(resources.c.seq), 0))).scalar_one()
            conn.execute(resources.insert().values(arn=record["arn"], kind=kind, seq=seq + 1, body=_dumps(record)))

    def find(self, kind: str, arn: str) -> Record | None:
        with self._tx() as conn:
            row = conn.execute(
                sa.select(resources.c.body).where(resources.c.arn == arn, resources.c.kind == kind)
            ).first()
        return orjson.loads(row[0]) if row else None

    def get(self, kind: str, arn: str) -> Record:
        found = self.find(kind, arn)
        if found is None:
            raise not_found(arn)
        return found

    def list(self, kind: str, **where: Any) -> list[Record]:
        with self._tx() as conn:
            rows = conn.execute(
                sa.select(resources.c.body).where(resources.c.kind == kind).order_by(resources.c.seq)
            ).all()
        out = [orjson.loads(r[0]) for r in rows]
        return [r for r in out if all(r.get(k) == v for k, v in where.items() if v is not None)]

    def update(
        self, kind: str, arn: str, changes: Record, *, expect_status: Collection[str] | None = None
    ) -> Record | None:
        with self._tx(write=True) as conn:
            return self._update_in(conn, kind, arn, changes, expect_status)

    def _update_in(self, conn: Connection, kind: str, arn: str, changes: Record,
                   expect_status: Collection[str] | None, missing_ok: bool = False) -> Record | None:
        """`update` inside an open write transaction (a job's final transition updates its resource with it)."""
        query = sa.select(resources.c.body).where(resources.c.arn == arn, resources.c.kind == kind)
        if not self.is_sqlite:
            query = query.with_for_update()
        row = conn.execute(query).first()
        if row is None:
            if missing_ok:
                return None
            raise not_found(arn)
        record = orjson.loads(row[0])
        if expect_status is not None and record.get("status") not in expect_status:
            return None
        record.update(changes)
        if "last_updated_date_time" not in changes:
            record["last_updated_date_time"] = time.time()
        conn.execute(resources.update().where(resources.c.arn == arn).values(body=_dumps(record)))
        return record

    def delete(self, kind: str, arn: str) -> bool:
        with self._tx(write=True) as conn:
            gone = conn.execute(resources.delete().where(resources.c.arn == arn, resources.c.kind == kind)).rowcount
            conn.execute(tags.delete().where(tags.c.arn == arn))
        return bool(gone)

    # ---- tags ------------------------------------------------------------------------------
    def get_tags(self, arn: str) -> dict[str, str]:
        with self._tx() as conn:
            rows = conn.execute(sa.select(tags.c.key, tags.c.value).where(tags.c.arn == arn)).all()
        return {k: v for k, v in rows}

    def set_tags(self, arn: str, new: dict[str, str]) -> None:
        with self._tx(write=True) as conn:
            for key, value in new.items():
                conn.execute(tags.delete().where(tags.c.arn == arn, tags.c.key == key))
                conn.execute(tags.insert().values(arn=arn, key=key, value=value))

    def remove_tags(self, arn: str, keys: Iterable[str]) -> None:
        with self._tx(write=True) as conn:
            conn.execute(tags.delete().where(tags.c.arn == arn, tags.c.key.in_(list(keys))))

    # ---- real-time data --------------------------------------------------------------------
    def append_events(self, rows: list[Record]) -> int:
        if not rows:
            return 0
        values = [{**r, "properties": _dumps(r.get("properties") or {})} for r in rows]
        with self._tx(write=True) as conn:
            keys = {(r["dataset_group_arn"], r["event_id"]) for r in values}
            existing = {
                (a, e) for a, e in conn.execute(
                    sa.select(events.c.dataset_group_arn, events.c.event_id).where(
                        events.c.dataset_group_arn == values[0]["dataset_group_arn"],
                        events.c.event_id.in_([k[1] for k in keys]),
                    )
                ).all()
            }
            fresh, seen = [], set(existing)
            for v in values:
                key = (v["dataset_group_arn"], v["event_id"])
                if key not in seen:
                    seen.add(key)
                    fresh.append(v)
            if fresh:
                conn.execute(events.insert(), fresh)
        return len(fresh)

    def events(self, dataset_group_arn: str, *, user_id: str | None = None, after_id: int = 0) -> list[Record]:
        query = sa.select(events).where(events.c.dataset_group_arn == dataset_group_arn, events.c.id > after_id)
        if user_id is not None:
            query = query.where(events.c.user_id == user_id)
        with self._tx() as conn:
            rows = conn.execute(query.order_by(events.c.id)).mappings().all()
        return [{**r, "properties": orjson.loads(r["properties"]) if r["properties"] else {}} for r in rows]

    def recent_events(self, dataset_group_arn: str, *, limit: int = 50, user_id: str | None = None) -> list[Record]:
        query = sa.select(events).where(events.c.dataset_group_arn == dataset_group_arn)
        if user_id is not None:
            query = query.where(events.c.user_id == user_id)
        with self._tx() as conn:
            rows = conn.execute(query.order_by(events.c.id.desc()).limit(max(0, int(limit)))).mappings().all()
        return [{**r, "properties": orjson.loads(r["properties"]) if r["properties"] else {}} for r in rows]

    def count_events(self, dataset_group_arn: str, since: float = 0.0) -> int:
        query = sa.select(sa.func.count()).select_from(events).where(
            events.c.dataset_group_arn == dataset_group_arn, events.c.timestamp >= since)
        with self._tx() as conn:
            return int(conn.execute(query).scalar_one())

    def event_times(self, dataset_group_arn: str, since: float) -> list[float]:
        query = sa.select(events.c.timestamp).where(events.c.dataset_group_arn == dataset_group_arn,
                                                    events.c.timestamp >= since)
        with self._tx() as conn:
            return [float(t) for t in conn.execute(query).scalars()]

    def max_event_id(self, dataset_group_arn: str | None = None) -> int:
        query = sa.select(sa.func.coalesce(sa.func.max(events.c.id), 0))
        if dataset_group_arn is not None:
            query = query.where(events.c.dataset_group_arn == dataset_group_arn)
        with self._tx() as conn:
            return int(conn.execute(query).scalar_one())

    def put_records(self, dataset_arn: str, rows: list[tuple[str, Record]]) -> None:
        now = time.time()
        with self._tx(write=True) as conn:
            for record_id, props in rows:
                conn.execute(records.delete().where(records.c.dataset_arn == dataset_arn, records.c.record_id == record_id))
                conn.execute(records.insert().values(dataset_arn=dataset_arn, record_id=record_id, properties=_dumps(props), updated=now))

    def records(self, dataset_arn: str) -> list[Record]:
        with self._tx() as conn:
            rows = conn.execute(
                sa.select(records.c.record_id, records.c.properties, records.c.updated)
                .where(records.c.dataset_arn == dataset_arn).order_by(records.c.updated)
            ).all()
        return [{"record_id": rid, "properties": orjson.loads(p), "updated": u} for rid, p, u in rows]

    def delete_live_data(self, *, dataset_group_arn: str | None = None, dataset_arn: str | None = None) -> None:
        with self._tx(write=True) as conn:
            if dataset_group_arn:
                conn.execute(events.delete().where(events.c.dataset_group_arn == dataset_group_arn))
            if dataset_arn:
                conn.execute(records.delete().where(records.c.dataset_arn == dataset_arn))

    def delete_user_data(self, dataset_group_arn: str, user_ids: Collection[str],
                         dataset_arn: str | None = None) -> int:
        ids, removed = list(user_ids), 0
        with self._tx(write=True) as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                removed += conn.execute(events.delete().where(
                    events.c.dataset_group_arn == dataset_group_arn, events.c.user_id.in_(chunk))).rowcount or 0
                if dataset_arn:
                    removed += conn.execute(records.delete().where(
                        records.c.dataset_arn == dataset_arn, records.c.record_id.in_(chunk))).rowcount or 0
        return removed

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
