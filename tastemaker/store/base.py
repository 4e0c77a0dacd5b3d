"""The Store Protocol: resources, tags, the job queue and the real-time records of PutEvents/PutItems."""
from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, Protocol

Record = dict[str, Any]


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

    def delete(self, kind: str, arn: str) -> None: ...

    # tags
    def get_tags(self, arn: str) -> dict[str, str]: ...
    def set_tags(self, arn: str, tags: dict[str, str]) -> None: ...
    def remove_tags(self, arn: str, keys: Iterable[str]) -> None: ...

    # jobs
    def add_job(self, kind: str, arn: str, payload: Record | None = None) -> int: ...
    def get_job(self, job_id: int) -> Record | None: ...
    def claim_job(self, job_id: int) -> Record | None:
        """Move a pending job to running (attempts + 1); None if it was not pending."""

    def finish_job(self, job_id: int, state: str, message: str | None = None) -> None: ...
    def jobs(self, states: Collection[str]) -> list[Record]: ...

    # real-time data
    def append_events(self, rows: list[Record]) -> int:
        """Durably store interaction events; a repeated `event_id` in the same group is ignored."""

    def events(self, dataset_group_arn: str, *, user_id: str | None = None, after_id: int = 0) -> list[Record]: ...
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
