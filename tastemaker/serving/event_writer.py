"""Group commit for PutEvents: concurrent requests share one durable transaction (one fsync), each waits for it."""
from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..context import Context

MAX_BATCH_ROWS = 5000


class EventWriter:
    """One writer thread per store; `append(rows)` returns once the rows are committed (or raises)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.pending: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="tastemaker-events", daemon=True)
        self.thread.start()

    def append(self, rows: list[dict[str, Any]]) -> int:
        done: Future = Future()
        self.pending.put((rows, done))
        return done.result()

    def _take(self) -> list[tuple[list[dict[str, Any]], Future]]:
        batch = [self.pending.get()]
        count = len(batch[0][0])
        while count < MAX_BATCH_ROWS:
            try:
                batch.append(self.pending.get_nowait())
            except queue.Empty:
                break
            count += len(batch[-1][0])
        return batch

    def _run(self) -> None:
        while True:
            batch = self._take()
            by_group: dict[str, list[tuple[list[dict[str, Any]], Future]]] = {}
            for rows, done in batch:
                by_group.setdefault(rows[0]["dataset_group_arn"] if rows else "", []).append((rows, done))
            for entries in by_group.values():
                self._commit(entries)

    def _commit(self, entries: list[tuple[list[dict[str, Any]], Future]]) -> None:
        try:
            stored = self.store.append_events([row for rows, _ in entries for row in rows])
        except BaseException as exc:  # every waiter learns that its events were not stored
            for _, done in entries:
                done.set_exception(exc)
            return
        for _, done in entries:
            done.set_result(stored)


def writer(ctx: Context) -> EventWriter:
    """The process-wide writer of this service's store."""
    state = ctx.serving
    found = state.event_writer
    if found is None:
        with state.lock:
            found = state.event_writer
            if found is None:
                found = state.event_writer = EventWriter(ctx.store)
    return found
