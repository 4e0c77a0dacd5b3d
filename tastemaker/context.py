"""What a handler or a job gets: the store, the lake, job submission and fan-out, account, region and clock."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from .jobs.executors import FanOut, map_in_order
from .lake import Lake
from .serving.state import ServingState
from .settings import Settings
from .store import Store


@dataclass(eq=False)
class Shared:
    """Process-wide state of one service that is not serving's."""

    metrics: Any = None
    """The service's Prometheus metrics (observability/metrics.py), made at first use."""
    dataset_write_locks: dict[str, threading.Lock] = field(default_factory=dict)
    """Dataset ARN -> the lock that orders the writes of its bulk data in this process (imports, deletions)."""
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class Context:
    settings: Settings
    store: Store
    lake: Lake
    submit: Callable[[str, str, dict[str, Any] | None], int]
    """submit(job kind, resource ARN, payload) -> job id: queue long-running work."""
    region: str
    account_id: str
    clock: Callable[[], float] = field(default=time.time)
    fan_out: FanOut = map_in_order
    """fan_out(fn, items, parallel) -> results: the executor's `map` for the independent pieces of one job."""
    serving: ServingState = field(default_factory=ServingState)
    """What this process keeps to serve requests (owned by tastemaker.serving), shared by every request of one
    service."""
    shared: Shared = field(default_factory=lambda: Shared())
    """Other process-wide state of one service: its metrics, the write locks of datasets."""

    def arn(self, path: str) -> str:
        """`arn:aws:personalize:<region>:<account>:<path>`."""
        return f"arn:aws:personalize:{self.region}:{self.account_id}:{path}"

    def now(self) -> float:
        return self.clock()

    def scoped(self, region: str | None, account_id: str | None) -> Context:
        """This context for one account and region: ARNs carry both, and its store sees only their resources."""
        from .store.scoped import ScopedStore

        region, account_id = region or self.region, account_id or self.account_id
        root = getattr(self.store, "inner", self.store)
        if isinstance(self.store, ScopedStore) and (region, account_id) == (self.region, self.account_id):
            return self
        return replace(self, region=region, account_id=account_id, store=ScopedStore(root, account_id, region))

    @property
    def root_store(self) -> Store:
        """The store across every account and region (the job queue, recovery, automatic training)."""
        return getattr(self.store, "inner", self.store)

    def __reduce__(self) -> tuple:
        """A context travels to another process (a job's piece on a Ray worker) as its settings and region, and is
        rebuilt there over the same store and lake (service.worker_service)."""
        return (_context_in_worker, (self.settings.portable(), self.region, self.account_id))


def _context_in_worker(settings: dict[str, Any], region: str, account_id: str | None = None) -> Context:
    from .service import worker_service  # the service module builds contexts; imported late (it imports this one)

    return worker_service(settings).context(region, account_id)
