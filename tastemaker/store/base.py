"""The Store Protocol: resources, tags, the job queue and the real-time records of PutEvents/PutItems."""
from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, Protocol

Record = dict[str, Any]
ResourceChange = tuple[str, str, Record, "Collection[str] | None"]
"""(kind, arn, changes, expected statuses): a resource update made in the same transaction as a job's move."""


class Store(Protocol):
    """Everything durable except bulk data and models (those live in the lake)."""

    # resources: snake_case dicts with at least `arn`, `name`, `status`, `creation_date_time`
    def insert(self, kind: str, record: Record) -> None:
        """Add a resource; ResourceAlreadyExistsException when its ARN is taken."""

    def find(self, kind: str, arn: str) -> Record | None: ...

    def get(self, kind: str, arn: str) -> Record:
        """The resource, or ResourceNotFoundException naming the ARN."""

    def list(self, kind: str, **where: Any) -> list[Record]:
        """Resources of a kind in creation order, keeping those whose fields equal `where`."""

    def update(
        self, kind: str, arn: str, changes: Record, *, expect_status: Collection[str] | None = None
    ) -> Record | None:
        """Apply changes atomically; None (and no change) when the status is not one expected."""

    def delete(self, kind: str, arn: str) -> bool:
        """Remove a resource and its tags; False when there was none (a concurrent delete won)."""

    # tags
    def get_tags(self, arn: str) -> dict[str, str]: ...
    def set_tags(self, arn: str, tags: dict[str, str]) -> None: ...
    def remove_tags(self, arn: str, keys: Iterable[str]) -> None: ...

    # jobs: a queue in lanes ("heavy": training, imports, batch; "light": campaign deployment); a claimed job has
    # an owner (one server process) and a lease the owner renews; only its owner, or anyone once the lease ran out,
    # moves it on
    def add_job(self, kind: str, arn: str, payload: Record | None = None, lane: str = "heavy") -> int: ...
    def get_job(self, job_id: int) -> Record | None: ...
    def claim_job(self, job_id: int, owner: str = "", lease_s: float = 60.0) -> Record | None:
        """Move this pending job to running for `owner` (attempts + 1); None if it was not pending."""

    def claim_next(self, owner: str, lanes: Collection[str], lease_s: float) -> Record | None:
        """Claim the oldest pending job of these lanes; None when there is none. Two callers never get one job."""

    def renew_leases(self, owner: str, job_ids: Collection[int], lease_s: float) -> set[int]:
        """Extend the leases of these running jobs of `owner`; returns the ids it still owns."""

    def expired_jobs(self, now: float) -> list[Record]:
        """Running jobs whose lease ran out before `now` (their owner died or stalled)."""

    def transition(self, job_id: int, state: str, message: str | None = None, *, owner: str | None = None,
                   expired_before: float | None = None, resource: ResourceChange | None = None) -> Record | None:
        """Atomically move a job to `state` and apply `resource` to its resource (when it still exists and has an
        expected status): a running job only for its `owner`, or for anyone when its lease ran out before
        `expired_before`; a pending one when no owner is named. Returns the job as it was, None if it did not move."""

    def report_progress(self, job_id: int, owner: str | None, fraction: float, stage: str | None) -> bool:
        """Record a running job's share done (0..1) and stage (None keeps the last one) so that any process can
        show it; only while the job runs for `owner` (any owner when None). Returns whether it was recorded."""

    def jobs_of(self, arns: Collection[str]) -> dict[str, Record]:
        """The latest job of each of these resource ARNs (those that have one)."""

    def finish_job(self, job_id: int, state: str, message: str | None = None) -> None: ...
    def jobs(self, states: Collection[str], lanes: Collection[str] | None = None) -> list[Record]: ...

    # real-time data
    def append_events(self, rows: list[Record]) -> int:
        """Durably store interaction events; a repeated `event_id` in the same group is ignored."""

    def events(self, dataset_group_arn: str, *, user_id: str | None = None, after_id: int = 0) -> list[Record]: ...
    def recent_events(self, dataset_group_arn: str, *, limit: int = 50, user_id: str | None = None) -> list[Record]:
        """The newest `limit` events of a group (of one user when given), newest first."""

    def count_events(self, dataset_group_arn: str, since: float = 0.0) -> int:
        """How many events of a group have a timestamp (sentAt) at or after `since`."""

    def event_times(self, dataset_group_arn: str, since: float) -> list[float]:
        """The timestamps (sentAt) of a group's events at or after `since`: counts per minute or per day."""

    def max_event_id(self, dataset_group_arn: str | None = None) -> int:
        """The id of the newest stored event (of one group), 0 when none."""

    def put_records(self, dataset_arn: str, rows: list[tuple[str, Record]]) -> None:
        """Upsert PutItems/PutUsers records by id."""

    def records(self, dataset_arn: str) -> list[Record]: ...
    def delete_live_data(self, *, dataset_group_arn: str | None = None, dataset_arn: str | None = None) -> None: ...
    def delete_user_data(self, dataset_group_arn: str, user_ids: Collection[str],
                         dataset_arn: str | None = None) -> int:
        """Remove these users' events (and their PutUsers records of `dataset_arn`); return rows removed."""


    def close(self) -> None: ...
