"""Assemble one running Tastemaker: settings -> store, lake, executor and the handler context."""
from __future__ import annotations

import functools
import json
import logging
import os
import socket
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .context import Context
from .folder_lock import FolderLock
from .jobs.executors import Executor, make_executor
from .jobs.queue import JobQueue
from .jobs.runner import fail_lost, lane_of, reclaim, recover, run_claimed, run_job
from .lake import open_lake
from .settings import Settings
from .store import open_store

log = logging.getLogger(__name__)


class Service:
    """Owns the backends; `context()` is what every request handler receives."""

    def __init__(self, settings: Settings, *, mode: str = "embedded") -> None:
        self.settings, self.mode = settings, mode
        self.lock = _folder_lock(settings, mode)  # first: a second server on the folder touches nothing
        try:
            self._open(settings)
        except BaseException:
            if self.lock is not None:
                self.lock.release()
            raise

    def _open(self, settings: Settings) -> None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        (settings.data_dir / "files").mkdir(exist_ok=True)  # the default place for files clients import or export
        self.store = open_store(settings.resolved_store_url())
        self.lake = open_lake(settings.resolved_lake_url())
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.executor: Executor = make_executor(settings.executor, self._job_runner(), settings.workers,
                                                on_lost=self._lost, on_done=self._done)
        light: Executor = make_executor("inline" if settings.executor == "inline" else "thread", self._run_claimed,
                                        settings.light_workers, on_done=self._done)
        self.queue = JobQueue(self.store, {"heavy": self.executor, "light": light},
                              {"heavy": settings.workers, "light": settings.light_workers}, self.owner,
                              settings.job_lease_seconds, self._reclaim)
        self._light = light
        self.base = Context(
            settings=settings, store=self.store, lake=self.lake, submit=self._submit,
            region=settings.region, account_id=settings.account_id, fan_out=self.executor.map,
        )
        self._started = False
        self._auto_trainer: Any = None

    def start(self) -> None:
        """Resume work left by a previous process, then accept new work (call it once the server listens)."""
        if self._started:
            return
        self._started = True
        self.base.serving.answers_requests = True  # a Ray worker's service does not
        if self.lock is not None:  # the only server of this store: whatever was running died with its process
            recover(self.base)
        if self.mode != "member":  # a group's parent swept before it started its members
            self._sweep()
        if self.settings.executor != "inline":
            from .serving.warmup import warm_campaigns

            warm_campaigns(self.base)  # on a thread of its own: the first requests after a restart are quick
            self.queue.start()
        else:
            for job in self.store.jobs(["pending"]):
                self._run(job["id"])
        if self.settings.auto_training_check_seconds > 0 and self.settings.executor != "inline":
            from .control.auto_training import AutoTrainer

            self._auto_trainer = AutoTrainer(self.base, self.settings.auto_training_check_seconds)
            self._auto_trainer.start()

    def prepare_group(self) -> None:
        """In the parent of a server group (`serve --processes N`): recover what an earlier process left, once,
        before the members start; the parent keeps the folder's lock and runs no jobs (the members do)."""
        if self.lock is not None:
            recover(self.base)
        self._sweep()

    def _sweep(self) -> None:
        """Remove what killed or failed imports left in the lake (partial Parquet versions of no dataset)."""
        from .control.imports import sweep_orphaned_imports

        try:
            removed = sweep_orphaned_imports(self.base)
        except Exception:  # a lake that cannot be listed now: the next start tries again
            log.exception("could not look for files left by interrupted imports")
            return
        if removed:
            log.info("removed %s partial file(s) left by interrupted or failed imports", removed)

    def context(self, region: str | None = None, account_id: str | None = None) -> Context:
        """What a request (or a job) of one account and region gets: its store sees only their resources."""
        return self.base.scoped(region, account_id)

    def _job_runner(self) -> Callable[[int], None]:
        """What the executor calls with a claimed job's id: this service's `_run_claimed`, or for an executor whose
        jobs run in other processes (ray) a picklable function of the settings, with every path made absolute."""
        if not self.settings.executor.startswith("ray"):
            return self._run_claimed
        return functools.partial(run_in_worker, self.settings.portable(), self.owner)

    def _job_context(self, job: dict[str, Any] | None) -> Context:
        """The scope of the job's resource, read from its ARN (`arn:aws:personalize:<region>:<account>:...`)."""
        parts = str((job or {}).get("arn", "")).split(":")
        if len(parts) >= 6 and parts[3] and parts[4]:
            return self.context(parts[3], parts[4])
        return self.context((job or {}).get("payload", {}).get("_region"))

    def _run(self, job_id: int) -> None:
        """Claim a pending job and run it here, now (the inline executor; tests)."""
        job = self.store.get_job(job_id)
        run_job(self._job_context(job), job_id, self.owner, self.settings.job_lease_seconds)

    def _run_claimed(self, job_id: int, owner: str | None = None) -> None:
        job = self.store.get_job(job_id)
        if job is None or job["state"] != "running" or job.get("owner") != (owner or self.owner):
            return  # taken over meanwhile
        run_claimed(self._job_context(job), job, owner or self.owner)

    def _reclaim(self, now: float) -> list[int]:
        return reclaim(self.base, now)

    def _done(self, job_id: int) -> None:
        self.queue.done(job_id)

    def _lost(self, job_id: int, reason: str) -> None:
        """A job whose worker process ended before it did: fail it (and its resource) with the reason."""
        try:
            fail_lost(self.base, job_id, reason, self.owner)
        except Exception:  # called from the executor's own thread: never let it die silently
            log.exception("could not record that job %s was lost", job_id)

    def _submit(self, kind: str, arn: str, payload: dict[str, Any] | None = None) -> int:
        region = arn.split(":")[3] if arn.count(":") >= 5 else None
        job_id = self.store.add_job(kind, arn, {**(payload or {}), "_region": region}, lane=lane_of(kind))
        if self.settings.executor == "inline":
            self._run(job_id)
        else:
            self.queue.wake()  # a worker process's service (not started) leaves it to the server's queue
        return job_id

    def drain(self, timeout: float | None = None) -> None:
        """Wait until the jobs submitted so far have ended (tests, benchmarks)."""
        if self.settings.executor != "inline":
            self.queue.drain(timeout)

    def close(self) -> None:
        if self._auto_trainer is not None:
            self._auto_trainer.stop()
        self.queue.stop()
        self.executor.shutdown()
        self._light.shutdown()
        self.store.close()
        if self.lock is not None:
            self.lock.release()


def _folder_lock(settings: Settings, mode: str) -> FolderLock | None:
    """A SQLite store has one server: lock the folder that holds its database. None for a shared store
    (PostgreSQL: several servers split the work through job leases)."""
    url = settings.resolved_store_url()
    if mode in ("worker", "member") or not url.startswith("sqlite") or ":memory:" in url or ":///" not in url:
        return None
    database = Path(url.split(":///", 1)[1])
    return FolderLock(database.parent / "server.lock").acquire(mode=mode)


_WORKER_SERVICES: dict[str, Service] = {}


def worker_service(settings: dict[str, Any]) -> Service:
    """In an executor's worker process (ray): a Service over the same store and lake as the server's, opened once
    per process and settings (it is not started and takes no folder lock: the server alone claims jobs, resumes
    them and runs automatic training; jobs submitted here wait in the store for the server's queue)."""
    key = json.dumps(settings, sort_keys=True)
    service = _WORKER_SERVICES.get(key)
    if service is None:
        service = _WORKER_SERVICES[key] = Service(Settings(**settings), mode="worker")
    return service


def run_in_worker(settings: dict[str, Any], owner: str, job_id: int) -> None:
    """Run a job the server (`owner`) claimed, in a worker process, exactly as the server would."""
    worker_service(settings)._run_claimed(job_id, owner)
