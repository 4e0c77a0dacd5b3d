"""Assemble one running Tastemaker: settings -> store, lake, executor and the handler context."""
from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from .context import Context
from .jobs.executors import Executor, make_executor
from .jobs.runner import fail_lost, recover, run_job
from .lake import open_lake
from .settings import Settings
from .store import open_store

log = logging.getLogger(__name__)


class Service:
    """Owns the backends; `context()` is what every request handler receives."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = open_store(settings.resolved_store_url())
        self.lake = open_lake(settings.resolved_lake_url())
        self.executor: Executor = make_executor(settings.executor, self._job_runner(), settings.workers,
                                                on_lost=self._lost)
        self.base = Context(
            settings=settings, store=self.store, lake=self.lake, submit=self._submit,
            region=settings.region, account_id=settings.account_id, fan_out=self.executor.map,
        )
        self._started = False
        self._auto_trainer: Any = None

    def start(self) -> None:
        """Resume work left by a previous process, then accept new work."""
        if self._started:
            return
        self._started = True
        for job_id in recover(self.base):
            self.executor.submit(job_id)
        if self.settings.auto_training_check_seconds > 0 and self.settings.executor != "inline":
            from .control.auto_training import AutoTrainer

            self._auto_trainer = AutoTrainer(self.base, self.settings.auto_training_check_seconds)
            self._auto_trainer.start()

    def context(self, region: str | None = None) -> Context:
        return self.base.in_region(region)

    def _job_runner(self) -> Callable[[int], None]:
        """What the executor calls with a job id: this service's `_run`, or for an executor whose jobs run in other
        processes (ray) a picklable function of the settings, with every path made absolute."""
        if not self.settings.executor.startswith("ray"):
            return self._run
        return functools.partial(run_in_worker, self.settings.portable())

    def _run(self, job_id: int) -> None:
        job = self.store.get_job(job_id)
        region = (job or {}).get("payload", {}).get("_region")
        run_job(self.context(region), job_id)

    def _lost(self, job_id: int, reason: str) -> None:
        """A job whose worker process ended before it did: fail it (and its resource) with the reason."""
        try:
            fail_lost(self.base, job_id, reason)
        except Exception:  # called from the executor's own thread: never let it die silently
            log.exception("could not record that job %s was lost", job_id)

    def _submit(self, kind: str, arn: str, payload: dict[str, Any] | None = None) -> int:
        region = arn.split(":")[3] if arn.count(":") >= 5 else None
        job_id = self.store.add_job(kind, arn, {**(payload or {}), "_region": region})
        self.executor.submit(job_id)
        return job_id

    def close(self) -> None:
        if self._auto_trainer is not None:
            self._auto_trainer.stop()
        self.executor.shutdown()
        self.store.close()


_WORKER_SERVICES: dict[str, Service] = {}


def worker_service(settings: dict[str, Any]) -> Service:
    """In an executor's worker process (ray): a Service over the same store and lake as the server's, opened once
    per process and settings (it is not started: the server alone resumes jobs and runs automatic training)."""
    key = json.dumps(settings, sort_keys=True)
    service = _WORKER_SERVICES.get(key)
    if service is None:
        service = _WORKER_SERVICES[key] = Service(Settings(**settings))
    return service


def run_in_worker(settings: dict[str, Any], job_id: int) -> None:
    """Run a job in a worker process exactly as the server would (jobs it submits go to the same executor)."""
    worker_service(settings)._run(job_id)
