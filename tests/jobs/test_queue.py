"""The job queue: servers sharing one store split the jobs, a job runs once at a time, a dead server's job is
taken over when its lease runs out and the dead run's late result is dropped."""
from __future__ import annotations

import threading
import time

import pytest

from tastemaker import jobs
from tastemaker.context import Context
from tastemaker.jobs import runner
from tastemaker.jobs.executors import ThreadExecutor
from tastemaker.jobs.queue import JobQueue
from tastemaker.lake import open_lake
from tastemaker.settings import Settings
from tastemaker.store import open_store

KIND = "queued_thing"
RUNS: list[tuple[str, int]] = []
RELEASE = threading.Event()
LOST: list[str] = []


@jobs.task("test:queued", KIND)
def queued(ctx, arn, payload, progress):
    RUNS.append((ctx.account_id, int(arn.rsplit("/", 1)[1])))
    time.sleep(0.01)
    return {"ran_by": ctx.account_id}


@jobs.task("test:blocking", KIND)
def blocking(ctx, arn, payload, progress):
    """The first run blocks (its server 'dies' meanwhile); a run on another server returns at once."""
    RUNS.append((ctx.account_id, 0))
    if ctx.account_id != "a":
        return {"ran_by": ctx.account_id}
    while not RELEASE.is_set():
        if progress.stop_requested():
            LOST.append("a" if progress.lost else "stopped")
            raise jobs.StopRequested()
        time.sleep(0.05)
    return {"ran_by": ctx.account_id}


def _context(tmp_path, store, owner: str) -> Context:
    return Context(settings=Settings(data_dir=tmp_path), store=store, lake=open_lake((tmp_path / "lake").as_uri()),
                   submit=lambda *a: 0, region="us-east-1", account_id=owner)


def _queue(tmp_path, store, owner: str, lease_s: float = 30.0, workers: int = 2) -> JobQueue:
    ctx = _context(tmp_path, store, owner)
    box: dict[str, JobQueue] = {}

    def run(job_id: int) -> None:
        runner.run_claimed(ctx, store.get_job(job_id), owner)

    executor = ThreadExecutor(run, workers, on_done=lambda job_id: box["q"].done(job_id))
    box["q"] = JobQueue(store, {"heavy": executor}, {"heavy": workers}, owner, lease_s,
                        lambda now: runner.reclaim(ctx, now), poll_s=0.1)
    return box["q"]


@pytest.fixture
def store(tmp_path):
    st = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield st
    st.close()


def _things(store, kind: str, count: int) -> list[int]:
    ids = []
    for k in range(count):
        arn = f"arn:aws:personalize:us-east-1:0:thing/{k}"
        store.insert(KIND, {"arn": arn, "name": str(k), "status": "CREATE PENDING"})
        ids.append(store.add_job(kind, arn, {}))
    return ids


def test_two_servers_split_the_jobs_and_run_each_once(tmp_path, store):
    RUNS.clear()
    ids = _things(store, "test:queued", 40)
    queues = [_queue(tmp_path, store, owner) for owner in ("a", "b")]
    for q in queues:
        q.start()
    try:
        queues[0].drain(timeout=60)
        queues[1].drain(timeout=60)
    finally:
        for q in queues:
            q.stop()
    assert sorted(k for _, k in RUNS) == list(range(40))  # every job once
    assert {owner for owner, _ in RUNS} == {"a", "b"}  # both servers worked
    assert {store.get_job(i)["state"] for i in ids} == {"done"}
    assert {r["status"] for r in store.list(KIND)} == {"ACTIVE"}


def test_a_dead_servers_job_is_taken_over_and_its_late_result_dropped(tmp_path, store):
    RUNS.clear(), LOST.clear(), RELEASE.clear()
    [job_id] = _things(store, "test:blocking", 1)
    arn = store.get_job(job_id)["arn"]
    a = _queue(tmp_path, store, "a", lease_s=0.6)
    a.start()
    deadline = time.monotonic() + 10
    while RUNS != [("a", 0)]:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    a.stop()  # server a 'dies': its run goes on, but nobody renews its lease
    b = _queue(tmp_path, store, "b", lease_s=0.6)
    b.start()
    try:
        deadline = time.monotonic() + 20
        while store.get_job(job_id)["state"] != "done":  # b takes it over once a's lease ran out
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert [owner for owner, _ in RUNS] == ["a", "b"]
        assert store.get(KIND, arn)["ran_by"] == "b" and store.get_job(job_id)["attempts"] == 2
        deadline = time.monotonic() + 10
        while not LOST:  # a's run notices it lost the job and stops
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert LOST == ["a"]
        assert store.get(KIND, arn)["status"] == "ACTIVE" and store.get(KIND, arn)["ran_by"] == "b"
        assert store.get_job(job_id)["state"] == "done"
    finally:
        RELEASE.set()
        b.stop()


def test_a_job_that_loses_its_server_twice_fails_with_a_reason(tmp_path, store):
    [job_id] = _things(store, "test:queued", 1)
    arn = store.get_job(job_id)["arn"]
    ctx = _context(tmp_path, store, "x")
    for owner in ("a", "b"):
        claimed = store.claim_next(owner, ["heavy"], 0.0)
        assert claimed["id"] == job_id
        runner.reclaim(ctx, claimed["lease_until"] + 1)
    record = store.get(KIND, arn)
    assert record["status"] == "CREATE FAILED" and "twice" in record["failure_reason"]
    assert store.get_job(job_id)["state"] == "failed"
