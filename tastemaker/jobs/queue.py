"""This server's share of the job table: claim pending jobs while a lane has free workers, renew the leases of the
jobs it runs, and take over jobs whose server's lease ran out."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from .executors import Executor

log = logging.getLogger(__name__)


class JobQueue:
    """One per server process. Each lane ("heavy", "light") has its own executor and number of workers, so a
    deployment never waits behind a training. Several servers over one store (PostgreSQL) split the work: a job is
    claimed by exactly one of them (`Store.claim_next`), and its lease, renewed every third of `lease_s` while it
    runs, tells the others when its server has died."""

    def __init__(self, store: Any, executors: Mapping[str, Executor], workers: Mapping[str, int], owner: str,
                 lease_s: float, reclaim: Callable[[float], list[int]], poll_s: float = 1.0) -> None:
        self.store, self.executors, self.owner = store, dict(executors), owner
        self.workers = {lane: max(1, int(n)) for lane, n in workers.items()}
        self.lease_s, self.poll_s, self._reclaim = float(lease_s), float(poll_s), reclaim
        self.running: dict[str, set[int]] = {lane: set() for lane in self.executors}
        self._wake = threading.Condition()
        self._stopped = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="tastemaker-jobs", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """A job was added: look for work now rather than at the next poll."""
        with self._wake:
            self._wake.notify_all()

    def done(self, job_id: int) -> None:
        """An executor finished running a job (whatever its outcome): its worker is free."""
        with self._wake:
            for ids in self.running.values():
                ids.discard(job_id)
            self._wake.notify_all()

    def in_flight(self) -> set[int]:
        with self._wake:
            return set().union(*self.running.values())

    def _loop(self) -> None:
        next_beat = next_reap = 0.0
        while not self._stopped:
            now = time.time()
            try:
                if now >= next_beat:
                    self._renew()
                    next_beat = now + self.lease_s / 3
                if now >= next_reap:
                    self._reclaim(now)
                    next_reap = now + self.poll_s
                self._claim()
            except Exception:  # the store is unreachable for a moment: keep going, the leases say who owns what
                log.exception("job queue: could not look for work")
            with self._wake:
                if not self._stopped:
                    self._wake.wait(timeout=min(self.poll_s, max(0.01, next_beat - time.time())))

    def _renew(self) -> None:
        mine = self.in_flight()
        if not mine:
            return
        kept = self.store.renew_leases(self.owner, mine, self.lease_s)
        for job_id in mine - kept:
            log.warning("job %s: this server lost its lease (another server took it over); its run will stop",
                        job_id)

    def _claim(self) -> None:
        for lane, executor in self.executors.items():
            while not self._stopped:
                with self._wake:
                    if len(self.running[lane]) >= self.workers[lane]:
                        break
                job = self.store.claim_next(self.owner, [lane], self.lease_s)
                if job is None:
                    break
                with self._wake:
                    self.running[lane].add(job["id"])
                try:
                    executor.submit(job["id"])
                except Exception:  # the executor refused it (shutting down): the lease will run out, then a retry
                    log.exception("job %s: could not be handed to its executor", job["id"])
                    self.done(job["id"])

    def drain(self, timeout: float | None = None) -> None:
        """Wait until this server has nothing pending or running (tests, benchmarks)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.in_flight() or self.store.jobs(["pending"], lanes=list(self.executors)):
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"jobs still pending or running after {timeout} s")
            self.wake()
            time.sleep(0.02)

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
