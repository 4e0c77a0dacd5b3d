"""Per job transition: one log line and a count (called by tastemaker.jobs.runner)."""
from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from .logs import log_job
from .metrics import metrics_of

if TYPE_CHECKING:
    from ..context import Context

log = logging.getLogger(__name__)


def job_moved(ctx: Context, job: dict[str, Any], status: str, reason: str | None = None) -> None:
    """`job` (a job record as claimed or read) moved to `status`: IN_PROGRESS, ACTIVE, FAILED, STOPPED or RETRIED.
    Its seconds count from its claim (the record's `updated` when it was claimed or read)."""
    try:
        metrics_of(ctx).job_transitions.labels(job["kind"], status).inc()
        updated = job.get("updated")
        log_job(job_id=job["id"], kind=job["kind"], arn=job["arn"], status=status,
                seconds=None if updated is None else max(0.0, time.time() - float(updated)), reason=reason)
    except Exception:  # observing must never change what happens to a job
        log.exception("could not record a transition of job %s", job.get("id"))
