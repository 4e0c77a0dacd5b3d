"""Live state of running work for the console: stage, share done, elapsed time and an estimate, from the job
record (written by whichever server process runs the job)."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .lookup import Record

if TYPE_CHECKING:
    from ..context import Context

TERMINAL = ("ACTIVE", "COMPLETED", "CREATE FAILED", "FAILED", "CREATE STOPPED", "STOPPED", "UPDATE FAILED")


def is_running(status: Any) -> bool:
    return str(status or "") not in TERMINAL and not str(status or "").startswith("DELETE")


def live(ctx: Context, records: list[Record], now: float | None = None) -> dict[str, dict[str, Any]]:
    """ARN -> {status, stage, progress, elapsed, eta, failureReason} for these resources (jobs read in one query)."""
    now = time.time() if now is None else now
    jobs = ctx.store.jobs_of([r["arn"] for r in records if is_running(r.get("status"))])
    out = {}
    for record in records:
        job = jobs.get(record["arn"]) or {}
        fraction = job.get("progress") if job.get("state") == "running" else None
        started = job.get("started") if job.get("state") == "running" else None
        elapsed = now - started if started else None
        eta = elapsed * (1 - fraction) / fraction if elapsed and fraction and fraction >= 0.02 else None
        out[record["arn"]] = {
            "status": record.get("status"), "running": is_running(record.get("status")),
            "queued": job.get("state") == "pending", "stage": job.get("stage") if started else None,
            "progress": fraction, "elapsed": elapsed, "eta": eta,
            "failureReason": record.get("failure_reason"),
        }
    return out
