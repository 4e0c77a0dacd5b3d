"""Counts of a dataset group for the console: users, items, interactions and today's events (bulk data counted
once per imported version, cached)."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

if TYPE_CHECKING:
    from ..context import Context

_CACHE: OrderedDict[str, dict[str, int]] = OrderedDict()
_LOCK = threading.Lock()
_KEEP = 64


def _bulk_counts(ctx: Context, dataset: dict[str, Any]) -> dict[str, int]:
    """Rows and distinct ids of one imported dataset version (keyed by its lake key: a new import recounts)."""
    key = dataset.get("data_key")
    if not key:
        return {}
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    file = pq.ParquetFile(ctx.lake.path(key), filesystem=ctx.lake.fs)  # the row count is in its footer
    counts = {"rows": file.metadata.num_rows}
    if dataset.get("dataset_type") == "INTERACTIONS":  # only there are distinct ids worth reading
        names = {c.upper(): c for c in file.schema_arrow.names}
        wanted = [names[n] for n in ("USER_ID", "ITEM_ID") if n in names]
        table = ctx.lake.read_table(key, columns=wanted)
        counts.update({n.upper(): int(pc.count_distinct(table[n]).as_py()) for n in wanted})
    with _LOCK:
        _CACHE[key] = counts
        while len(_CACHE) > _KEEP:
            _CACHE.popitem(last=False)
    return counts


def group_counts(ctx: Context, group_arn: str, datasets: list[dict[str, Any]] | None = None) -> dict[str, int | None]:
    """{users, items, interactions, events_today}; None where the group has no such data. Users and items are
    the larger of the metadata dataset's rows and the ids seen in interactions."""
    datasets = ctx.store.list("dataset", dataset_group_arn=group_arn) if datasets is None else datasets
    by_type = {d["dataset_type"]: _bulk_counts(ctx, d) for d in datasets}
    inter = by_type.get("INTERACTIONS") or {}
    day_start = time.time() // 86400 * 86400
    events_today = ctx.store.count_events(group_arn, day_start)
    users = max([n for n in (inter.get("USER_ID"), (by_type.get("USERS") or {}).get("rows")) if n is not None],
                default=None)
    items = max([n for n in (inter.get("ITEM_ID"), (by_type.get("ITEMS") or {}).get("rows")) if n is not None],
                default=None)
    return {"users": users, "items": items, "interactions": inter.get("rows"), "events_today": events_today}
