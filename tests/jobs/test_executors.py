"""Contract tests every executor passes: jobs run and drain, `map` keeps order, honours its parallelism, raises
the first failure and never deadlocks when a job fans out on a pool of one worker."""
from __future__ import annotations

import threading
import time

import pytest

from tastemaker.jobs.executors import InlineExecutor, ThreadExecutor, make_executor

KINDS = ["inline", "thread"]


@pytest.fixture(params=KINDS)
def make(request):
    made = []

    def build(run=lambda job_id: None, workers: int = 2):
        executor = make_executor(request.param, run, workers)
        made.append(executor)
        return executor

    yield build
    for executor in made:
        executor.shutdown()


def test_make_executor_builds_each_kind_and_names_the_unknown():
    assert isinstance(make_executor("inline", print, 1), InlineExecutor)
    thread = make_executor("thread", print, 1)
    assert isinstance(thread, ThreadExecutor)
    thread.shutdown()
    with pytest.raises(ValueError, match="'ray' \\(local\\) or 'ray://host:port'"):
        make_executor("ray:head", print, 1)  # Ray itself: tests/jobs/test_ray_executor.py
    with pytest.raises(ValueError, match="Unknown executor 'celery'"):
        make_executor("celery", print, 1)


def test_submitted_jobs_run_and_drain_waits_for_them(make):
    ran: list[int] = []

    def run(job_id: int) -> None:
        time.sleep(0.02)
        ran.append(job_id)

    executor = make(run)
    for job_id in range(5):
        executor.submit(job_id)
    executor.drain(timeout=10)
    assert sorted(ran) == [0, 1, 2, 3, 4]


def test_map_returns_results_in_the_items_order(make):
    executor = make()

    def slow_square(x: int) -> int:
        time.sleep(0.01 * (5 - x))  # later items end first
        return x * x

    assert executor.map(slow_square, [0, 1, 2, 3, 4], 3) == [0, 1, 4, 9, 16]
    assert executor.map(slow_square, [], 3) == []
    assert executor.map(slow_square, [2], 1) == [4]


def test_map_runs_at_most_parallel_pieces_at_once(make):
    executor = make()
    lock, running, most = threading.Lock(), [0], [0]

    def piece(x: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return x

    assert executor.map(piece, list(range(8)), 3) == list(range(8))
    assert 1 <= most[0] <= 3
    if isinstance(executor, ThreadExecutor):
        assert most[0] == 3  # the thread executor does use the parallelism it is given
    most[0] = 0
    executor.map(piece, list(range(4)), 1)
    assert most[0] == 1


def test_map_raises_the_first_failure_and_does_not_start_every_piece(make):
    executor = make()
    started: list[int] = []

    def piece(x: int) -> int:
        started.append(x)
        time.sleep(0.02)
        if x == 1:
            raise KeyError(f"piece {x}")
        return x

    with pytest.raises(KeyError, match="piece 1"):
        executor.map(piece, list(range(20)), 2)
    assert 1 in started and len(started) < 20


def test_a_job_that_fans_out_on_a_one_worker_pool_ends(make):
    results: list[list[int]] = []

    def run(job_id: int) -> None:
        results.append(executor.map(lambda x: x + job_id, [1, 2, 3], 3))

    executor = make(run, workers=1)
    executor.submit(10)
    executor.submit(20)
    executor.drain(timeout=10)
    assert sorted(results) == [[11, 12, 13], [21, 22, 23]]
