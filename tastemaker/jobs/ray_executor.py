"""The `ray` executor: each job is a Ray task on a local Ray (`ray`) or a cluster (`ray://host:port`)."""
from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from .executors import map_in_order

log = logging.getLogger(__name__)


def parse_address(spec: str) -> str:
    """`ray` -> "local" (a new Ray started with the service, even where another Ray runs on this machine);
    `ray://host:port` -> that address (a cluster, through Ray Client)."""
    if spec == "ray":
        return "local"
    if spec.startswith("ray://") and len(spec) > len("ray://"):
        return spec
    raise ValueError(f"Unknown executor {spec!r}: the Ray executor is 'ray' (local) or 'ray://host:port'.")


def _call(fn: Callable[[Any], Any], item: Any) -> Any:
    """One piece of a job, as a Ray task."""
    return fn(item)


def _run_guarded(run: Callable[[int], None], job_id: int) -> None:
    """The Ray task: run the job; a failure outside the job's own handling is logged, as the thread executor does
    (the job's resource already says FAILED where the task could record it)."""
    try:
        run(job_id)
    except Exception:
        log.exception("job %s failed outside its task", job_id)


class RayExecutor:
    """Submits each job to Ray as a task reserving one CPU. `run` must survive pickling (the service hands it a
    function of its settings, so the worker opens the same store and lake). A task that ends in a Ray error (its
    worker process died, the node was lost, the job could not be unpickled there) is reported to `on_lost(job_id,
    reason)`, so the job fails with a reason instead of staying in progress. A job's pieces (`map`: HPO trials,
    AutoML candidates) are Ray tasks too, so they spread over the cluster; what they capture travels with them (a
    Context as its settings, rebuilt over the same store and lake: context.py)."""

    def __init__(self, run: Callable[[int], None], workers: int, address: str = "local",
                 on_lost: Callable[[int, str], None] | None = None,
                 on_done: Callable[[int], None] | None = None) -> None:
        try:
            import ray
        except ImportError as exc:
            raise ValueError("The ray executor needs Ray: pip install 'tastemaker[ray]'.") from exc
        self._ray = ray
        self._run = run
        self._started_here = False
        if not ray.is_initialized():  # inside a Ray worker (a job submitting a job) Ray is already up
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            local = {"num_cpus": max(1, int(workers)), "include_dashboard": False} if address == "local" else {}
            ray.init(address=address, **local, log_to_driver=False, configure_logging=False)
            self._started_here = True
        self._task = ray.remote(num_cpus=1, max_retries=0)(_run_guarded)
        self._piece = ray.remote(num_cpus=1, max_retries=0)(_call)
        self._refs: list[Any] = []
        self._on_lost = on_lost
        self._on_done = on_done
        self._shipped: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # piece function -> its object ref

    def submit(self, job_id: int) -> None:
        if self._refs:
            done, pending = self._ray.wait(self._refs, num_returns=len(self._refs), timeout=0)
            self._refs = pending
        ref = self._task.remote(self._run, job_id)
        ref.future().add_done_callback(lambda future: self._ended(job_id, future))
        self._refs.append(ref)

    def _ended(self, job_id: int, future: Any) -> None:
        try:
            self._report(job_id, future)
        finally:
            if self._on_done is not None:
                self._on_done(job_id)

    def _report(self, job_id: int, future: Any) -> None:
        exc = None if future.cancelled() else future.exception()
        if exc is None:
            return
        log.error("job %s: its Ray task ended in an error: %s", job_id, exc)
        if self._on_lost is not None:
            first_line = (str(exc).strip().splitlines() or [""])[0]
            self._on_lost(job_id, f"The Ray worker running this job ended before the job did ({type(exc).__name__}"
                                  + (f": {first_line}" if first_line else "") + "). Create it again to retry.")

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any], parallel: int) -> list[Any]:
        """At most `parallel` pieces in flight as Ray tasks, results in the items' order; the first failure is
        raised (as the piece's own exception type) once the pieces in flight have ended, and the rest are not
        started, as on threads. No ray.cancel: Ray 2.60 aborts the calling process when a cancel races a piece's
        completion ("Tried to complete task that was not pending"); a stop reaches running pieces through the store.
        A job waiting here gives its CPU back to Ray, so its pieces run even on a one-CPU Ray. `fn` (with the
        training data it captures) goes to Ray's object store once, however many rounds call `map` with it."""
        if max(1, int(parallel)) == 1 or len(items) <= 1:
            return map_in_order(fn, items)  # nothing to spread: skip shipping the piece
        ray = self._ray
        fn_ref = self._ship(fn)
        results: dict[int, Any] = {}
        in_flight: dict[Any, int] = {}
        try:
            for k in range(len(items)):
                in_flight[self._piece.remote(fn_ref, items[k])] = k
                if len(in_flight) < int(parallel):
                    continue
                self._collect(in_flight, results)
            while in_flight:
                self._collect(in_flight, results)
        except Exception:
            if in_flight:
                ray.wait(list(in_flight), num_returns=len(in_flight))
            raise
        return [results[k] for k in range(len(items))]

    def _ship(self, fn: Callable[[Any], Any]) -> Any:
        """fn's object ref: put once, kept while fn lives (a function that takes no weak reference: put each time)."""
        try:
            known = self._shipped.get(fn)
        except TypeError:
            return self._ray.put(fn)
        if known is None:
            known = self._shipped[fn] = self._ray.put(fn)
        return known

    def _collect(self, in_flight: dict[Any, int], results: dict[int, Any]) -> None:
        """Wait for one piece in flight to end and keep its result (raises the piece's failure)."""
        [ready], _ = self._ray.wait(list(in_flight), num_returns=1)
        k = in_flight.pop(ready)
        results[k] = self._ray.get(ready)

    def drain(self, timeout: float | None = None) -> None:
        """Wait for the jobs submitted so far; a lost one is reported to `on_lost`, not raised."""
        if self._refs:
            done, pending = self._ray.wait(self._refs, num_returns=len(self._refs), timeout=timeout)
            if pending:
                raise TimeoutError(f"{len(pending)} Ray jobs still running after {timeout} s")

    def shutdown(self) -> None:
        """Stop the local Ray this executor started (its unfinished jobs end with it and are resumed by the next
        start, as after any crash); a cluster is left running."""
        self._refs = []
        if self._started_here:
            self._ray.shutdown()
