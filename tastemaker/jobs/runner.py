"""Run one job: claim it, move its resource to IN_PROGRESS, run the task, then ACTIVE or FAILED."""
from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


class JobFailed(Exception):
    """A failure a person can act on: its message becomes the resource's failureReason."""


class StopRequested(Exception):
    """Raised by a task that saw a cooperative stop request (StopSolutionVersionCreation)."""


@dataclass(frozen=True)
class Statuses:
    pending: str = "CREATE PENDING"
    in_progress: str = "CREATE IN_PROGRESS"
    active: str = "ACTIVE"
    failed: str = "CREATE FAILED"
    stopping: str = "CREATE STOPPING"
    stopped: str = "CREATE STOPPED"


@dataclass(frozen=True)
class Task:
    kind: str
    resource_kind: str
    fn: Callable[..., dict[str, Any] | None]
    statuses: Statuses


TASKS: dict[str, Task] = {}


def task(kind: str, resource_kind: str, statuses: Statuses | None = None) -> Callable:
    """Register `fn(ctx, arn, payload, progress) -> changes` as the task for a job kind."""

    def register(fn: Callable[..., dict[str, Any] | None]) -> Callable[..., dict[str, Any] | None]:
        TASKS[kind] = Task(kind, resource_kind, fn, statuses or Statuses())
        return fn

    return register


class Progress:
    """Handed to a task: report progress (0..1) and check for a cooperative stop."""

    def __init__(self, ctx: Any, spec: Task, arn: str) -> None:
        self.ctx, self.spec, self.arn = ctx, spec, arn
        self.fraction = 0.0
        self._last_check = 0.0
        self._stop = False

    def update(self, fraction: float) -> None:
        self.fraction = max(0.0, min(1.0, fraction))
        self.check_stop()

    def stop_requested(self) -> bool:
        now = time.monotonic()
        if not self._stop and now - self._last_check > 0.2:
            self._last_check = now
            record = self.ctx.store.find(self.spec.resource_kind, self.arn)
            self._stop = record is None or record.get("status") == self.spec.statuses.stopping
        return self._stop

    def check_stop(self) -> None:
        if self.stop_requested():
            raise StopRequested()


def run_job(ctx: Any, job_id: int) -> None:
    """Run a pending job to its end. Safe to call twice: only one caller claims the job."""
    from . import tasks  # noqa: F401  (registers the task functions)

    job = ctx.store.claim_job(job_id)
    if job is None:
        return
    spec = TASKS[job["kind"]]
    st, kind, arn = spec.statuses, spec.resource_kind, job["arn"]
    started = _set(ctx, kind, arn, {"status": st.in_progress}, [st.pending, st.in_progress])
    if started is None:  # stopped or deleted before it started
        ctx.store.finish_job(job_id, "cancelled")
        if ctx.store.find(kind, arn) is not None:
            ctx.store.update(kind, arn, {"status": st.stopped}, expect_status=[st.stopping])
        return
    progress = Progress(ctx, spec, arn)
    try:
        changes = spec.fn(ctx, arn, job["payload"], progress) or {}
    except StopRequested:
        ctx.store.finish_job(job_id, "cancelled")
        if ctx.store.find(kind, arn) is not None:
            ctx.store.update(kind, arn, {"status": st.stopped})
        return
    except JobFailed as exc:
        _fail(ctx, job_id, spec, arn, str(exc))
        return
    except Exception as exc:  # a bug: say so, keep the trace in the log
        log.error("job %s (%s %s) crashed:\n%s", job_id, job["kind"], arn, traceback.format_exc())
        _fail(ctx, job_id, spec, arn, f"Internal error while running the job: {type(exc).__name__}: {exc}")
        return
    if ctx.store.find(kind, arn) is not None:
        done = _set(ctx, kind, arn, {**changes, "status": st.active}, [st.in_progress])
        if done is None and ctx.store.find(kind, arn) is not None:  # a stop arrived just as the work finished
            ctx.store.update(kind, arn, {"status": st.stopped}, expect_status=[st.stopping])
    ctx.store.finish_job(job_id, "done")


def _set(ctx: Any, kind: str, arn: str, changes: dict[str, Any], expect: list[str]) -> dict[str, Any] | None:
    """Update a resource if its status is one expected; None if not, or if it was deleted meanwhile."""
    from ..errors import ResourceNotFoundException

    try:
        return ctx.store.update(kind, arn, changes, expect_status=expect)
    except ResourceNotFoundException:
        return None


def _fail(ctx: Any, job_id: int, spec: Task, arn: str, reason: str) -> None:
    ctx.store.finish_job(job_id, "failed", reason)
    if ctx.store.find(spec.resource_kind, arn) is not None:
        ctx.store.update(spec.resource_kind, arn, {"status": spec.statuses.failed, "failure_reason": reason})


def fail_lost(ctx: Any, job_id: int, reason: str) -> bool:
    """A job whose worker process ended before the job did (an executor running jobs elsewhere reports it): fail
    it and its resource with `reason`, unless it had already ended. Returns whether it was failed."""
    from . import tasks  # noqa: F401

    job = ctx.store.get_job(job_id)
    if job is None or job["state"] not in ("pending", "running"):
        return False
    spec = TASKS.get(job["kind"])
    if spec is None:
        ctx.store.finish_job(job_id, "failed", reason)
        return True
    _fail(ctx, job_id, spec, job["arn"], reason)
    return True


MAX_ATTEMPTS = 2


def recover(ctx: Any) -> list[int]:
    """After a restart: retry jobs that were running (once), fail them after that; return pending ids."""
    from . import tasks  # noqa: F401

    for job in ctx.store.jobs(["running"]):
        spec = TASKS.get(job["kind"])
        if spec is None:
            ctx.store.finish_job(job["id"], "failed", "unknown job kind")
            continue
        if job["attempts"] < MAX_ATTEMPTS:
            ctx.store.finish_job(job["id"], "pending", "retried after a restart")
            if ctx.store.find(spec.resource_kind, job["arn"]) is not None:
                ctx.store.update(spec.resource_kind, job["arn"], {"status": spec.statuses.pending})
        else:
            _fail(ctx, job["id"], spec, job["arn"],
                  "The server stopped while this job was running, twice; it was not retried again. "
                  "Create it again to retry.")
    return [job["id"] for job in ctx.store.jobs(["pending"])]
