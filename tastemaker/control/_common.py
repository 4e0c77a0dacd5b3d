"""Helpers shared by control-plane handlers: new records, activation, tags, in-use checks."""
from __future__ import annotations

import re
from typing import Any

from ..context import Context
from ..domain.status import ACTIVE, CREATE_PENDING
from ..errors import InvalidInputException, ResourceInUseException, not_found
from ..jobs import task

Record = dict[str, Any]


def new_record(ctx: Context, arn_key: str, arn: str, name: str, status: str | None = CREATE_PENDING,
               **fields: Any) -> Record:
    """A resource record: `arn` for the store, and the same ARN under its shape name (`arn_key`)."""
    now = ctx.now()
    record = {"arn": arn, arn_key: arn, "name": name, "creation_date_time": now,
              "last_updated_date_time": now, **fields}
    if status is not None:
        record["status"] = status
    return record


def create_with_job(ctx: Context, kind: str, record: Record, tags: list[dict] | None, job_kind: str) -> Record:
    """Store a new resource (pending), tag it, and queue the job that brings it to its final status."""
    ctx.store.insert(kind, record)
    if tags:
        ctx.store.set_tags(record["arn"], {t["tag_key"]: t["tag_value"] for t in tags})
    ctx.submit(job_kind, record["arn"], None)
    return record


def create_active(ctx: Context, kind: str, record: Record, tags: list[dict] | None = None) -> Record:
    """Store a resource with nothing to compute (dataset group, dataset, solution, filter, event tracker) as ACTIVE
    when its Create returns: the very next call may use it, as Personalize's samples do (CreateSolutionVersion
    right after CreateSolution), and it never waits behind a training (docs/architecture.md, "Light resources")."""
    record["status"] = ACTIVE
    ctx.store.insert(kind, record)
    if tags:
        ctx.store.set_tags(record["arn"], {t["tag_key"]: t["tag_value"] for t in tags})
    return record


def remove(ctx: Context, kind: str, arn: str) -> None:
    """Delete a resource; ResourceNotFoundException when a concurrent Delete removed it first (the second of two
    deletes of one resource answers as for any resource that no longer exists)."""
    if not ctx.store.delete(kind, arn):
        raise not_found(arn)


def require_active(record: Record, what: str) -> None:
    if record.get("status") != ACTIVE:
        raise ResourceInUseException(
            f"{what} {record['arn']} is {record.get('status')}; it must be ACTIVE."
        )


def require_unused(arn: str, children: dict[str, list[Record]]) -> None:
    """ResourceInUseException naming what still depends on `arn`."""
    for what, records in children.items():
        if records:
            names = ", ".join(r["arn"] for r in records[:3])
            raise ResourceInUseException(f"Cannot delete {arn}: {len(records)} {what} still use it ({names}).")


def check_name(name: str) -> None:
    if not name or len(name) > 63:
        raise InvalidInputException(f"Invalid name {name!r}: 1 to 63 characters.")
    if not re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9\-_]*", name):
        raise InvalidInputException(
            f"Invalid name {name!r}: letters, digits, '-' and '_' only, starting with a letter or digit."
        )


LEGACY_ACTIVATIONS = ("dataset_group", "dataset", "solution", "event_tracker", "filter", "recommender",
                      "metric_attribution")
"""Kinds an older Tastemaker activated through a job: such jobs still pending in a data folder finish at once."""

for _kind in LEGACY_ACTIVATIONS:
    task("activate:" + _kind, _kind, lane="light")(lambda ctx, arn, payload, progress: None)
