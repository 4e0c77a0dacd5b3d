"""Item metadata columns per dataset group (bulk Items import + PutItems), cached and refreshed on change: after
PutItems the next request waits for the reload, after a new import the previous version serves until it is done."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import loading
from .histories import RECHECK_S, bulk_marker
from .signals import version

if TYPE_CHECKING:
    from ..context import Context


@dataclass
class ItemColumns:
    group_arn: str
    table: Any = None  # pyarrow Table of the Items dataset, or None
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)
    signal: int = 0
    marker: Any = None
    checked_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    masks: dict[Any, Any] = field(default_factory=dict)  # cached whole-catalogue filter masks

    def names(self) -> list[str]:
        return [c for c in (self.table.column_names if self.table is not None else [])
                if c.upper() not in ("ITEM_ID", "USER_ID")]

    def column(self, name: str) -> dict[str, Any]:
        """item id -> value of a column (name matched case-insensitively); {} for an unknown column."""
        found = self.columns.get(name)
        if found is not None:
            return found
        with self.lock:
            actual = next((c for c in self.names() if c.upper() == name.upper()), None)
            values: dict[str, Any] = {}
            if actual is not None:
                ids = self.table.column(_id_column(self.table)).cast("string").to_pylist()
                values = dict(zip(ids, self.table.column(actual).to_pylist()))
            self.columns[name] = values
        return values


def _id_column(table: Any) -> str:
    return next(c for c in table.column_names if c.upper() in ("ITEM_ID", "USER_ID"))


def _load(ctx: Context, group_arn: str, dataset_type: str) -> ItemColumns:
    from ..data import loader

    out = ItemColumns(group_arn, signal=version(ctx, "records:" + group_arn),
                      marker=bulk_marker(ctx, group_arn, dataset_type), checked_at=time.monotonic())
    load = loader.load_items_table if dataset_type == "ITEMS" else loader.load_users_table
    out.table = load(ctx, group_arn)
    return out


def reload(ctx: Context, group_arn: str, dataset_type: str = "ITEMS") -> loading.Load:
    """The load of the group's item (or user) metadata in flight, or one started now on a background thread."""
    cache = ctx.serving.columns[dataset_type]

    def work() -> ItemColumns:
        found = _load(ctx, group_arn, dataset_type)
        for name in list(getattr(cache.get(group_arn), "columns", ())):  # the columns requests used so far
            found.column(name)
        cache[group_arn] = found
        return found

    return loading.start(ctx, f"columns:{dataset_type}:{group_arn}", work)


def item_columns(ctx: Context, group_arn: str, dataset_type: str = "ITEMS") -> ItemColumns:
    """The group's item (or user) metadata, reloaded after PutItems/PutUsers or a new import."""
    cache = ctx.serving.columns[dataset_type]
    wanted = version(ctx, "records:" + group_arn)
    while True:
        found = cache.get(group_arn)
        if found is None or found.signal < wanted:
            reload(ctx, group_arn, dataset_type).wait()
            continue
        now = time.monotonic()
        if now - found.checked_at >= RECHECK_S:
            found.checked_at = now
            if bulk_marker(ctx, group_arn, dataset_type) != found.marker:
                reload(ctx, group_arn, dataset_type)  # the previous version serves until the new one is loaded
        return found


def metadata(columns: ItemColumns, item_id: str, names: list[str]) -> dict[str, str]:
    """column -> string value of one item, for metadataColumns (missing values are left out)."""
    out = {}
    for name in names:
        value = columns.column(name).get(item_id)
        if value is not None:
            out[name] = value if isinstance(value, str) else str(value)
    return out
