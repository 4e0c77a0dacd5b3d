"""Run one job: claim it, move its resource to IN_PROGRESS, run the task, then ACTIVE or FAILED."""
from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..observability.jobs import job_moved

if TYPE_CHECKING:
    from ..context import Context

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
    lane: str = "heavy"
    """"heavy" (training, imports, batch jobs) or "light" (campaign deployment): lanes have their own workers, so
    light work never waits behind heavy work."""


TASKS: dict[str, Task] = {}
LANES = ("heavy", "light")


def task(kind: str, resource_kind: str, statuses: Statuses | None = None, lane: str = "heavy") -> Callable:
    """Register `fn(ctx, arn, payload, progress) -> changes` as the task for a job kind."""
    if lane not in LANES:
        raise ValueError(f"unknown job lane {lane!r}")

    def register(fn: Callable[..., dict[str, Any] | None]) -> Callable[..., dict[str, Any] | None]:
        TASKS[kind] = Task(kind, resource_kind, fn, statuses or Statuses(), lane)
        return fn

    return register


def lane_of(kind: str) -> str:
    from . import tasks  # noqa: F401  (registers the task functions)

    spec = TASKS.get(kind)
    return spec.lane if spec is not None else "heavy"


REPORT_EVERY = 0.5  # seconds between progress writes to the job record
STAGE_EVERY = 0.1  # a new stage is written sooner, but a stage text that changes on every call (a row count) is not


class Progress:
    """Handed to a task: report progress (0..1) and check for a cooperative stop, or for a lost lease (another
    server took the job over: stop at once, nothing this run writes at the end would be kept)."""

    def __init__(self, ctx: Context, spec: Task, arn: str, job_id: int | None = None, owner: str | None = None) -> None:
        self.ctx, self.spec, self.arn = ctx, spec, arn
        self.job_id, self.owner = job_id, owner
        self.fraction = 0.0
        self.stage: str | None = None
        self.lost = False
        self._last_check = 0.0
        self._last_lease_check = time.monotonic()
        self._last_report = -REPORT_EVERY
        self._written_stage: str | None = None
        self._stop = False

    def update(self, fraction: float, stage: str | None = None) -> None:
        """Report the share done (0..1) and the stage in words (None: unchanged). Both reach the job record, so any
        process can show them: every REPORT_EVERY seconds, or within STAGE_EVERY of a new stage."""
        self.fraction = max(0.0, min(1.0, fraction))
        if stage is not None:
            self.stage = stage
        now = time.monotonic()
        since = now - self._last_report
        new_stage = self.stage != self._written_stage
        if self.job_id is not None and (since >= REPORT_EVERY or (new_stage and since >= STAGE_EVERY)):
            self._last_report, self._written_stage = now, self.stage
            self.ctx.store.report_progress(self.job_id, self.owner, self.fraction, self.stage if new_stage else None)
        self.check_stop()

    def stop_requested(self) -> bool:
        now = time.monotonic()
        if not self._stop and now - self._last_check > 0.2:
            self._last_check = now
            record = self.ctx.store.find(self.spec.resource_kind, self.arn)
            self._stop = record is None or record.get("status") == self.spec.statuses.stopping
        if not self._stop and self.job_id is not None and now - self._last_lease_check > 1.0:
            self._last_lease_check = now
            job = self.ctx.store.get_job(self.job_id)
            self.lost = job is None or job["state"] != "running" or job.get("owner") != self.owner
            self._stop = self.lost
        return self._stop

    def check_stop(self) -> None:
        if self.stop_requested():
            raise StopRequested()


def run_job(ctx: Context, job_id: int, owner: str = "", lease_s: float = 60.0) -> None:
    """Claim a pending job and run it to its end. Safe to call twice: only one caller claims the job."""
    job = ctx.store.claim_job(job_id, owner, lease_s)
    if job is not None:
        run_claimed(ctx, job, owner)


def run_claimed(ctx: Context, job: dict[str, Any], owner: str) -> None:
    """Run a job `owner` has claimed. Every move at its end is made only while `owner` still holds the job, so a
    run whose lease was lost (and whose job another server took over) changes nothing."""
    from . import tasks  # noqa: F401  (registers the task functions)

    job_id = job["id"]
    spec = TASKS[job["kind"]]
    st, kind, arn = spec.statuses, spec.resource_kind, job["arn"]
    started = _set(ctx, kind, arn, {"status": st.in_progress}, [st.pending, st.in_progress])
    if started is None:  # stopped or deleted before it started
        if ctx.store.transition(job_id, "cancelled", owner=owner, resource=(kind, arn, {"status": st.stopped},
                                                                             [st.stopping])) is not None:
            job_moved(ctx, job, "STOPPED", "stopped or deleted before it started")
        return
    job_moved(ctx, job, "IN_PROGRESS")
    progress = Progress(ctx, spec, arn, job_id, owner)
    try:
        changes = spec.fn(ctx, arn, job["payload"], progress) or {}
    except StopRequested:
        if ctx.store.transition(job_id, "cancelled", owner=owner, resource=(kind, arn, {"status": st.stopped},
                                                                             None)) is None:
            log.warning("job %s (%s %s) stopped: another server took it over", job_id, job["kind"], arn)
        else:
            job_moved(ctx, job, "STOPPED")
        return
    except JobFailed as exc:
        _fail(ctx, job_id, spec, arn, str(exc), owner=owner, job=job)
        return
    except Exception as exc:  # a bug: say so, keep the trace in the log
        log.error("job %s (%s %s) crashed:\n%s", job_id, job["kind"], arn, traceback.format_exc())
        _fail(ctx, job_id, spec, arn, f"Internal error while running the job: {type(exc).__name__}: {exc}",
              owner=owner, job=job)
        return
    done = ctx.store.transition(job_id, "done", owner=owner,
                                resource=(kind, arn, {**changes, "status": st.active}, [st.in_progress]))
    if done is None:
        log.warning("job %s (%s %s) finished after another server took it over; its result is dropped",
                    job_id, job["kind"], arn)
        return
    job_moved(ctx, job, "ACTIVE")
    _set(ctx, kind, arn, {"status": st.stopped}, [st.stopping])  # a stop that arrived just as the work finished


def _set(ctx: Context, kind: str, arn: str, changes: dict[str, Any], expect: list[str]) -> dict[str, Any] | None:
    """Update a resource if its status is one expected; None if not, or if it was deleted meanwhile."""
    from ..errors import ResourceNotFoundException

    try:
        return ctx.store.update(kind, arn, changes, expect_status=expect)
    except ResourceNotFoundException:
        return None


def _fail(ctx: Context, job_id: int, spec: Task, arn: str, reason: str, *, owner: str | None = None,
          expired_before: float | None = None, job: dict[str, Any] | None = None) -> bool:
    change = {"status": spec.statuses.failed, "failure_reason": reason}
    failed = ctx.store.transition(job_id, "failed", reason, owner=owner, expired_before=expired_before,
                                  resource=(spec.resource_kind, arn, change, None)) is not None
    if failed:
        job_moved(ctx, job or {"id": job_id, "kind": spec.kind, "arn": arn}, "FAILED", reason)
    return failed


def fail_lost(ctx: Context, job_id: int, reason: str, owner: str | None = None) -> bool:
    """A job whose worker process ended before the job did (an executor running jobs elsewhere reports it): fail
    it and its resource with `reason`, unless it had already ended. Returns whether it was failed."""
    from . import tasks  # noqa: F401

    job = ctx.store.get_job(job_id)
    if job is None or job["state"] not in ("pending", "running"):
        return False
    spec = TASKS.get(job["kind"])
    holder = owner if job["state"] == "running" else None
    if spec is None:
        return ctx.store.transition(job_id, "failed", reason, owner=holder) is not None
    return _fail(ctx, job_id, spec, job["arn"], reason, owner=holder, job=job)


MAX_ATTEMPTS = 2
TWICE = ("The server stopped while this job was running, twice; it was not retried again. "
         "Create it again to retry.")


def reclaim(ctx: Context, now: float) -> list[int]:
    """Take over running jobs whose lease ran out before `now` (their server died or lost the store): retry each
    once, fail it after that. Returns the ids made pending again."""
    from . import tasks  # noqa: F401

    retried = []
    for job in ctx.store.expired_jobs(now):
        spec = TASKS.get(job["kind"])
        if spec is None:
            ctx.store.transition(job["id"], "failed", "unknown job kind", expired_before=now)
        elif job["attempts"] < MAX_ATTEMPTS:
            st = spec.statuses
            if ctx.store.transition(job["id"], "pending", "retried after its server stopped", expired_before=now,
                                    resource=(spec.resource_kind, job["arn"], {"status": st.pending},
                                              [st.in_progress, st.pending])) is not None:
                retried.append(job["id"])
                job_moved(ctx, job, "RETRIED", "its server stopped")
                log.warning("job %s (%s %s) lost its server; retrying it", job["id"], job["kind"], job["arn"])
        elif _fail(ctx, job["id"], spec, job["arn"], TWICE, expired_before=now, job=job):
            log.warning("job %s (%s %s) lost its server twice; failed", job["id"], job["kind"], job["arn"])
    return retried


def recover(ctx: Context) -> list[int]:
    """At the start of the only server of a store (SQLite): every running job was left by a dead process; retry
    it once, fail it after that. Returns the pending ids."""
    reclaim(ctx, float("inf"))
    return [job["id"] for job in ctx.store.jobs(["pending"])]
