"""Background loads (models, histories): one daemon thread per key at a time; callers wait, or are called back."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..context import Context

log = logging.getLogger(__name__)
_guard = threading.Lock()


class Load:
    """One load in flight (or finished): its result or error, and who to tell when it ends."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.started = time.monotonic()
        self.result: Any = None
        self.error: BaseException | None = None
        self._done = threading.Event()
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> Any:
        """Block until the load ends; its result, or the exception it raised (raised again here)."""
        if not self._done.wait(timeout):
            raise TimeoutError(f"{self.key} is still loading after {timeout} s")
        if self.error is not None:
            raise self.error
        return self.result

    def ended(self, timeout: float | None = None) -> bool:
        """Block until the load ends, at most `timeout` seconds; whether it has ended."""
        return self._done.wait(timeout)

    def on_done(self, callback: Callable[[], None]) -> None:
        """Call `callback()` (from the loading thread) once the load ends; at once if it has ended."""
        with self._lock:
            if not self._done.is_set():
                self._callbacks.append(callback)
                return
        callback()

    def _finish(self, result: Any, error: BaseException | None) -> None:
        self.result, self.error = result, error
        with self._lock:
            self._done.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # a waiter's problem must not stop the others being told
                log.exception("callback of load %s failed", self.key)


def _in_flight(ctx: Context) -> dict[str, Load]:
    return ctx.serving.loads


def current(ctx: Context, key: str) -> Load | None:
    """The load of `key` in flight, if any."""
    return _in_flight(ctx).get(key)


def start(ctx: Context, key: str, work: Callable[[], Any]) -> Load:
    """The load of `key` in flight, or `work()` started now on a daemon thread (its result becomes the load's)."""
    loads = _in_flight(ctx)
    with _guard:
        found = loads.get(key)
        if found is not None:
            return found
        load = loads[key] = Load(key)
    threading.Thread(target=_run, args=(loads, load, work), name=f"tastemaker-load {key[-40:]}", daemon=True).start()
    return load


def _run(loads: dict[str, Load], load: Load, work: Callable[[], Any]) -> None:
    result, error = None, None
    try:
        result = work()
    except BaseException as exc:  # the waiters raise it again
        log.exception("loading %s failed", load.key)
        error = exc
    finally:
        with _guard:
            if loads.get(load.key) is load:
                del loads[load.key]
        load._finish(result, error)
