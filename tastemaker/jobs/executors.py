"""Executors run jobs: `inline` at once (tests), `thread` in a pool (embedded default)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

log = logging.getLogger(__name__)


class Executor(Protocol):
    def submit(self, job_id: int) -> None: ...
    def drain(self, timeout: float | None = None) -> None:
        """Wait for the jobs submitted so far (tests, shutdown)."""
    def shutdown(self) -> None: ...


class InlineExecutor:
    """Runs each job in the caller's thread before submit() returns."""

    def __init__(self, run: Callable[[int], None]) -> None:
        self._run = run

    def submit(self, job_id: int) -> None:
        self._run(job_id)

    def drain(self, timeout: float | None = None) -> None:
        return None

    def shutdown(self) -> None:
        return None


class ThreadExecutor:
    """Runs jobs on a small thread pool inside the server process."""

    def __init__(self, run: Callable[[int], None], workers: int = 2) -> None:
        self._run = run
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="tastemaker-job")
        self._futures: list[Future] = []

    def submit(self, job_id: int) -> None:
        self._futures = [f for f in self._futures if not f.done()]
        self._futures.append(self._pool.submit(self._guarded, job_id))

    def _guarded(self, job_id: int) -> None:
        try:
            self._run(job_id)
        except Exception:
            log.exception("job %s failed outside its task", job_id)

    def drain(self, timeout: float | None = None) -> None:
        for future in list(self._futures):
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def make_executor(spec: str, run: Callable[[int], None], workers: int) -> Executor:
    if spec == "inline":
        return InlineExecutor(run)
    if spec == "thread":
        return ThreadExecutor(run, workers)
    if spec.startswith("ray"):
        raise ValueError("The ray executor is not supported yet; use 'thread' or 'inline'.")
    raise ValueError(f"Unknown executor {spec!r}: use 'thread' or 'inline'.")
