"""Prometheus metrics of one service, on a registry of its own (never the process-wide default registry: several
services in one process, as in the tests, must not share counters or collide on names)."""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from ..context import Context

log = logging.getLogger(__name__)
_guard = threading.Lock()

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
LOAD_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
LANES = ("heavy", "light")


class Metrics:
    """The collectors a service updates; `exposition()` is the body of GET /metrics."""

    def __init__(self, store: Any = None) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("tastemaker_requests", "Requests answered, by API, operation and HTTP status.",
                                ["service", "operation", "status"], registry=r)
        self.latency = Histogram("tastemaker_request_duration_seconds", "Time to answer a request, by operation.",
                                 ["service", "operation"], buckets=LATENCY_BUCKETS, registry=r)
        self.job_transitions = Counter(
            "tastemaker_job_transitions", "Job transitions, by job kind and the status the job moved to "
            "(IN_PROGRESS, ACTIVE, FAILED, STOPPED, RETRIED).", ["kind", "status"], registry=r)
        self.events = Counter("tastemaker_events_ingested", "Events stored by PutEvents.", registry=r)
        self.records = Counter("tastemaker_records_ingested", "Items and users stored by PutItems and PutUsers.",
                               ["dataset_type"], registry=r)
        self.model_load = Histogram("tastemaker_model_load_seconds",
                                    "Time to load a solution version's model for serving.",
                                    buckets=LOAD_BUCKETS, registry=r)
        if store is not None:
            r.register(QueueCollector(store))

    def exposition(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class QueueCollector(Collector):
    """Jobs pending and running, by lane, read from the store at each scrape (one query)."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def describe(self) -> list:
        return []  # computed at scrape time only: registering must not query the store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts = {(state, lane): 0 for state in ("pending", "running") for lane in LANES}
        try:
            for job in self.store.jobs(["pending", "running"]):
                key = (job["state"], job.get("lane") or "heavy")
                counts[key] = counts.get(key, 0) + 1
        except Exception:  # the store is unreachable: /health says so; the rest of the metrics still answer
            log.warning("metrics: could not count the jobs in the store", exc_info=True)
            return
        for state, help_text in (("pending", "Jobs waiting for a worker, by lane."),
                                 ("running", "Jobs running, by lane.")):
            family = GaugeMetricFamily(f"tastemaker_jobs_{state}", help_text, labels=["lane"])
            for (s, lane), n in sorted(counts.items()):
                if s == state:
                    family.add_metric([lane], n)
            yield family


def metrics_of(ctx: Context) -> Metrics:
    """The metrics of the service a context belongs to, made at first use."""
    shared = ctx.shared
    found = shared.metrics
    if found is None:
        with _guard:
            found = shared.metrics
            if found is None:
                store = getattr(ctx, "root_store", None) or getattr(ctx, "store", None)  # every account's jobs
                found = shared.metrics = Metrics(store)
    return found
