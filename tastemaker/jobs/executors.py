"""Executors run jobs: `inline` at once (tests), `thread` in a pool (embedded default), `ray` as Ray tasks
(ray_executor.py); each also runs the independent pieces of one job (HPO trials) with `map`."""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import Any, Protocol

log = logging.getLogger(__name__)

FanOut = Callable[[Callable[[Any], Any], Sequence[Any], int], list[Any]]
"""fan_out(fn, items, parallel) -> results in order: an executor's `map`, as jobs receive it (ctx.fan_out)."""


class Executor(Protocol):
    def submit(self, job_id: int) -> None:
        """Run a job this server has claimed; `on_done(job_id)` is called when the run ends, however it ended."""
    def map(self, fn: Callable[[Any], Any], items: Sequence[Any], parallel: int) -> list[Any]:
        """fn over items, at most `parallel` at once, results in the items' order; the first exception is
        raised (pieces not yet started are not run). Called from inside a job: never waits on job workers."""
    def drain(self, timeout: float | None = None) -> None:
        """Wait for the jobs submitted so far (tests, shutdown)."""
    def shutdown(self) -> None: ...


def map_in_order(fn: Callable[[Any], Any], items: Sequence[Any], parallel: int = 1) -> list[Any]:
    """The inline `map`: one piece after the other in the caller's thread."""
    return [fn(item) for item in items]


def map_on_threads(fn: Callable[[Any], Any], items: Sequence[Any], parallel: int) -> list[Any]:
    """`parallel` pieces at once on threads of their own (a job waiting on pieces queued behind other jobs could
    deadlock a job pool); the first failure is raised and the pieces not started yet are not run."""
    if max(1, int(parallel)) == 1 or len(items) <= 1:
        return map_in_order(fn, items)
    with ThreadPoolExecutor(max_workers=min(int(parallel), len(items)), thread_name_prefix="tastemaker-piece") as pool:
        futures = [pool.submit(fn, item) for item in items]
        wait(futures, return_when=FIRST_EXCEPTION)
        for future in futures:
            future.cancel()  # the pieces not started yet; running ones end before the pool closes
    failed = [f for f in futures if not f.cancelled() and f.exception() is not None]
    if failed:
        raise failed[0].exception()
    return [f.result() for f in futures]


class InlineExecutor:
    """Runs each job in the caller's thread before submit() returns."""

    def __init__(self, run: Callable[[int], None], on_done: Callable[[int], None] | None = None) -> None:
        self._run = run
        self._on_done = on_done

    def submit(self, job_id: int) -> None:
        try:
            self._run(job_id)
        finally:
            if self._on_done is not None:
                self._on_done(job_id)

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any], parallel: int) -> list[Any]:
        return map_in_order(fn, items)

    def drain(self, timeout: float | None = None) -> None:
        return None

    def shutdown(self) -> None:
        return None


class ThreadExecutor:
    """Runs jobs on a small thread pool inside the server process."""

    def __init__(self, run: Callable[[int], None], workers: int = 2,
                 on_done: Callable[[int], None] | None = None, name: str = "tastemaker-job") -> None:
        self._run = run
        self._on_done = on_done
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix=name)
        self._futures: list[Future] = []

    def submit(self, job_id: int) -> None:
        self._futures = [f for f in self._futures if not f.done()]
        self._futures.append(self._pool.submit(self._guarded, job_id))

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any], parallel: int) -> list[Any]:
        return map_on_threads(fn, items, parallel)

    def _guarded(self, job_id: int) -> None:
        try:
            self._run(job_id)
        except Exception:
            log.exception("job %s failed outside its task", job_id)
        finally:
            if self._on_done is not None:
                self._on_done(job_id)

    def drain(self, timeout: float | None = None) -> None:
        for future in list(self._futures):
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def make_executor(spec: str, run: Callable[[int], None], workers: int,
                  on_lost: Callable[[int, str], None] | None = None,
                  on_done: Callable[[int], None] | None = None) -> Executor:
    """The executor `spec` names. `on_lost(job_id, reason)`: what an executor running jobs in other processes (ray)
    calls when a job's process ended before the job did; `on_done(job_id)`: called when any run ends."""
    if spec == "inline":
        return InlineExecutor(run, on_done)
    if spec == "thread":
        return ThreadExecutor(run, workers, on_done)
    if spec == "ray" or spec.startswith("ray:"):
        from .ray_executor import RayExecutor, parse_address

        return RayExecutor(run, workers, parse_address(spec), on_lost, on_done)
    raise ValueError(f"Unknown executor {spec!r}: use 'thread', 'inline', 'ray' or 'ray://host:port'.")
