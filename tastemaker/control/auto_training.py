"""Automatic training (performAutoTraining): a new solution version when a solution's schedule is due."""
from __future__ import annotations

import hashlib
import logging
import re
import threading
from typing import Any

from ..context import Context
from ..domain.status import ACTIVE, CREATE_IN_PROGRESS, CREATE_PENDING
from ..errors import LimitExceededException, ResourceAlreadyExistsException
from .solution_versions import new_version

log = logging.getLogger(__name__)

FIRST_DELAY = 3600.0
"""The first automatic version comes one hour after the solution, unless a version was made in that hour."""
DEFAULT_DAYS = 7


def interval_seconds(solution: dict[str, Any]) -> float:
    """autoTrainingConfig.schedulingExpression `rate(N days)` (checked at CreateSolution), default 7 days."""
    text = ((solution.get("solution_config") or {}).get("auto_training_config") or {}).get("scheduling_expression")
    match = re.fullmatch(r"rate\((\d+) days?\)", (text or "").strip())
    return (int(match.group(1)) if match else DEFAULT_DAYS) * 86400.0


def next_due(solution: dict[str, Any], versions: list[dict[str, Any]]) -> float | None:
    """When the solution's next automatic version is due (epoch seconds), or None (off, or one is training).
    The schedule counts from the newest version of any kind: a version made by hand postpones it."""
    if not solution.get("perform_auto_training") or solution.get("status") != ACTIVE:
        return None
    if any(v["status"] in (CREATE_PENDING, CREATE_IN_PROGRESS) for v in versions):
        return None
    if not versions:
        return float(solution["creation_date_time"]) + FIRST_DELAY
    newest = max(float(v["creation_date_time"]) for v in versions)
    return newest + interval_seconds(solution)


def run_due(ctx: Context) -> list[str]:
    """Create the automatic versions that are due at ctx.now(); returns their ARNs."""
    now, created = ctx.now(), []
    for solution in ctx.store.list("solution"):
        if not solution.get("perform_auto_training") or solution.get("status") != ACTIVE:
            continue  # no need to read its versions
        due = next_due(solution, ctx.store.list("solution_version", solution_arn=solution["arn"]))
        if due is None or due > now:
            continue
        parts = solution["arn"].split(":")
        region_ctx = ctx.scoped(parts[3], parts[4])
        # one ARN per solution and due time: of several servers sharing a store, one creates it, the rest skip
        suffix = hashlib.sha1(f"{solution['arn']}@{due}".encode()).hexdigest()[:8]
        try:
            created.append(new_version(region_ctx, solution, "AUTOTRAIN", "AUTOMATIC", suffix=suffix))
        except LimitExceededException:
            log.info("automatic training of %s waits: too many versions in flight", solution["arn"])
        except ResourceAlreadyExistsException:
            log.info("automatic training of %s: another server created this round's version", solution["arn"])
    return created


class AutoTrainer:
    """A daemon thread that runs `run_due` every `every` seconds until stopped."""

    def __init__(self, ctx: Context, every: float) -> None:
        self.ctx, self.every = ctx, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tastemaker-auto-training", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                run_due(self.ctx)
            except Exception:  # keep the schedule alive; the next round tries again
                log.exception("automatic training round failed")

    def stop(self) -> None:
        self._stop.set()
