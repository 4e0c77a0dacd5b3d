"""An existing data folder keeps working: the store adds the columns a newer Tastemaker needs (Alembic)."""
from __future__ import annotations

import sqlite3

from tastemaker.store import open_store

OLD_JOBS = """CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, kind VARCHAR(64) NOT NULL,
arn VARCHAR(512) NOT NULL, state VARCHAR(16) NOT NULL, attempts INTEGER NOT NULL, payload BLOB NOT NULL,
message TEXT, created FLOAT NOT NULL, updated FLOAT NOT NULL)"""


def test_a_jobs_table_of_an_older_version_gains_lanes_and_leases(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # what 9414abf wrote: no lane, owner or lease
        conn.execute(OLD_JOBS)
        conn.execute("INSERT INTO jobs (kind, arn, state, attempts, payload, created, updated) "
                     "VALUES ('solution_version', 'arn:x', 'pending', 0, '{}', 1.0, 1.0)")
        conn.execute("INSERT INTO jobs (kind, arn, state, attempts, payload, created, updated) "
                     "VALUES ('dataset_import', 'arn:y', 'running', 1, '{}', 1.0, 1.0)")
    store = open_store(f"sqlite:///{path}")
    try:
        assert [j["id"] for j in store.expired_jobs(2.0)] == [2]  # a running job without a lease: its owner died
        job = store.claim_next("me", ["heavy"], 30)
        assert (job["id"], job["lane"], job["owner"]) == (1, "heavy", "me")
    finally:
        store.close()
    reopened = open_store(f"sqlite:///{path}")  # a second open changes nothing
    assert reopened.get_job(1)["owner"] == "me"
    reopened.close()
