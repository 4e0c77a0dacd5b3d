"""A store as one account in one region sees it: other accounts' and regions' resources are not found, not listed."""
from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ..errors import not_found
from .base import Record


def scope_prefix(account_id: str, region: str) -> str:
    """Every resource ARN of an account and region starts with this (`arn:aws:personalize:<region>:<account>:`)."""
    return f"arn:aws:personalize:{region}:{account_id}:"


class ScopedStore:
    """Wraps a Store: resource reads, updates and deletes keep to ARNs of one account and region (an ARN of another
    is ResourceNotFoundException, as on AWS). Jobs, events and records pass through: they are reached through
    resources of this scope (a dataset group, a dataset, a tracking id found in this scope)."""

    def __init__(self, inner: Any, account_id: str, region: str) -> None:
        self.inner = inner
        self.prefix = scope_prefix(account_id, region)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def mine(self, arn: str) -> bool:
        return arn.startswith(self.prefix)

    def insert(self, kind: str, record: Record) -> None:
        if not self.mine(record["arn"]):
            raise ValueError(f"{record['arn']} is outside {self.prefix}")  # a bug: handlers build ARNs in scope
        self.inner.insert(kind, record)

    def find(self, kind: str, arn: str) -> Record | None:
        return self.inner.find(kind, arn) if self.mine(arn) else None

    def get(self, kind: str, arn: str) -> Record:
        found = self.find(kind, arn)
        if found is None:
            raise not_found(arn)
        return found

    def list(self, kind: str, **where: Any) -> list[Record]:
        return [r for r in self.inner.list(kind, **where) if self.mine(r["arn"])]

    def update(self, kind: str, arn: str, changes: Record, *,
               expect_status: Collection[str] | None = None) -> Record | None:
        if not self.mine(arn):
            raise not_found(arn)
        return self.inner.update(kind, arn, changes, expect_status=expect_status)

    def delete(self, kind: str, arn: str) -> bool:
        return self.inner.delete(kind, arn) if self.mine(arn) else False
