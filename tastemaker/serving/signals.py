"""Change counters in ctx.serving: writers bump them, serving caches compare them to know when to refresh."""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..context import Context

_lock = threading.Lock()


def _counters(ctx: Context) -> dict[str, int]:
    return ctx.serving.signals


def bump(ctx: Context, key: str) -> None:
    """Say that `key` changed (e.g. "events:<group arn>" after PutEvents)."""
    counters = _counters(ctx)
    with _lock:
        counters[key] = counters.get(key, 0) + 1


def version(ctx: Context, key: str) -> int:
    return _counters(ctx).get(key, 0)
