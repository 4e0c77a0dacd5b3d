"""Per dataset group: every user's interactions (bulk once, then PutEvents incrementally), as arrays, loaded on a
background thread: the first request waits for it, a reload (a new import) serves the previous version meanwhile."""
from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..data.types import History
from . import history_load, loading
from .signals import bump, version

if TYPE_CHECKING:
    from ..context import Context

RECHECK_S = 1.0  # look for events written by other processes (and for new imports) at most this often
RETRY_S = 10.0  # after a reload failed, wait this long before trying again (the previous version serves)
FILTER_RECENT = 100  # interaction filters see the newest 100 interactions per event type
_tokens = itertools.count(1)
_guard = threading.Lock()


@dataclass
class UserRows:
    codes: np.ndarray  # int32 codes into GroupHistories.item_list, oldest first
    timestamps: np.ndarray  # float64
    types: np.ndarray  # int16 codes into GroupHistories.type_list


class Users:
    """user id -> UserRows: the bulk load's rows (one sorted array, sliced on demand), overlaid by PutEvents."""

    def __init__(self, rows: dict[str, Any] | None = None, index: dict[str, int] | None = None) -> None:
        self.index = index or {}
        self.offsets = rows["offsets"] if rows else np.zeros(1, np.int64)
        self.codes = rows["codes"] if rows else np.zeros(0, np.int32)
        self.stamps = rows["stamps"] if rows else np.zeros(0, np.float64)
        self.types = rows["type_codes"] if rows else np.zeros(0, np.int16)
        self.updated: dict[str, UserRows] = {}

    def get(self, user_id: str, default: UserRows | None = None) -> UserRows | None:
        found = self.updated.get(user_id)
        if found is not None:
            return found
        row = self.index.get(user_id)
        if row is None:
            return default
        start, end = int(self.offsets[row]), int(self.offsets[row + 1])
        return UserRows(self.codes[start:end], self.stamps[start:end], self.types[start:end])

    def __setitem__(self, user_id: str, rows: UserRows) -> None:
        self.updated[user_id] = rows

    def __contains__(self, user_id: object) -> bool:
        return user_id in self.updated or user_id in self.index

    def __len__(self) -> int:
        return len(self.index) + sum(1 for u in self.updated if u not in self.index)


@dataclass
class GroupHistories:
    group_arn: str
    item_index: dict[str, int] = field(default_factory=dict)
    item_list: list[str] = field(default_factory=list)
    type_index: dict[str, int] = field(default_factory=dict)
    type_list: list[str] = field(default_factory=list)
    users: Users = field(default_factory=Users)
    last_event_id: int = 0
    seen_signal: int = -1
    reload_seen: int = 0
    bulk_marker: Any = None
    checked_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    token: int = field(default_factory=lambda: next(_tokens))  # this load (model id mappings follow it)
    bulk_items: pa.Array | None = None  # item_list's first len(bulk_items) entries, as Arrow strings

    def code(self, item_id: str) -> int:
        found = self.item_index.get(item_id)
        if found is None:
            found = self.item_index[item_id] = len(self.item_list)
            self.item_list.append(item_id)
        return found

    def type_code(self, event_type: str) -> int:
        found = self.type_index.get(event_type)
        if found is None:
            found = self.type_index[event_type] = len(self.type_list)
            self.type_list.append(event_type)
        return found


def build(ctx: Context, group_arn: str, reload_seen: int) -> GroupHistories:
    """A new load of the group: bulk interactions plus PutEvents so far (user, then time; ties in table order)."""
    group = GroupHistories(group_arn, reload_seen=reload_seen, bulk_marker=bulk_marker(ctx, group_arn, "INTERACTIONS"))
    group.last_event_id = ctx.store.max_event_id(group_arn)
    table = history_load.read_interactions(ctx, group_arn, group.last_event_id)
    if table is None:
        return group
    rows = history_load.sorted_rows(table)
    del table
    group.bulk_items = rows["items"]
    group.item_list = history_load.strings(rows["items"])
    group.item_index = history_load.positions(group.item_list)
    group.type_list = history_load.strings(rows["types"])
    group.type_index = history_load.positions(group.type_list)
    group.users = Users(rows, history_load.positions(history_load.strings(rows["users"])))
    return group


def _apply_events(ctx: Context, group: GroupHistories) -> None:
    rows = ctx.store.events(group.group_arn, after_id=group.last_event_id)
    added: dict[str, list[tuple[int, float, int]]] = {}
    for row in rows:
        group.last_event_id = max(group.last_event_id, int(row["id"]))
        if not row.get("item_id") or not row.get("user_id"):
            continue
        added.setdefault(row["user_id"], []).append(
            (group.code(row["item_id"]), float(row["timestamp"]), group.type_code(row.get("event_type") or "")))
    for user, new in added.items():
        old = group.users.get(user)
        codes = np.fromiter((n[0] for n in new), np.int32, len(new))
        stamps = np.fromiter((n[1] for n in new), np.float64, len(new))
        types = np.fromiter((n[2] for n in new), np.int16, len(new))
        if old is not None:
            codes, stamps, types = (np.concatenate([a, b]) for a, b in
                                    ((old.codes, codes), (old.timestamps, stamps), (old.types, types)))
        group.users[user] = UserRows(codes, stamps, types)


def _catch_up(ctx: Context, group: GroupHistories, force: bool = False) -> None:
    """Apply the PutEvents events stored since the group last looked (at most every RECHECK_S without a signal)."""
    now = time.monotonic()
    signal = version(ctx, "events:" + group.group_arn)  # read before the events: none can slip between
    if force or group.seen_signal != signal or now - group.checked_at > RECHECK_S:
        with group.lock:
            if force or group.seen_signal != signal or now - group.checked_at > RECHECK_S:
                _apply_events(ctx, group)
                group.seen_signal, group.checked_at = signal, now


def bulk_marker(ctx: Context, group_arn: str, dataset_type: str) -> Any:
    """Changes whenever the group's dataset of that type changes (a new import): caches reload then."""
    for record in ctx.store.list("dataset", dataset_group_arn=group_arn):
        if str(record.get("dataset_type", "")).upper() == dataset_type:
            return record.get("last_updated_date_time"), record.get("data_key"), record.get("arn")
    return None


@dataclass
class _Slot:
    """What serves a group now, and when it last looked for a newer import."""

    current: GroupHistories | None = None
    marker_checked_at: float = 0.0
    failed_at: float = -RETRY_S


def _slot(ctx: Context, group_arn: str) -> _Slot:
    cache = ctx.serving.histories
    found = cache.get(group_arn)
    if found is None:
        with _guard:
            found = cache.setdefault(group_arn, _Slot())
    return found


def reload(ctx: Context, group_arn: str) -> loading.Load:
    """The load of the group's histories in flight, or a new one started now on a background thread; it swaps the
    new version in (PutEvents applied, model id mappings ready) only once it is complete."""
    slot = _slot(ctx, group_arn)

    def work() -> GroupHistories:
        try:
            group = build(ctx, group_arn, version(ctx, "reload:" + group_arn))
            _catch_up(ctx, group, force=True)
            for served in list(ctx.serving.models.values()):
                if served.dataset_group_arn == group_arn:
                    _model_codes(served, group)
        except BaseException:
            slot.failed_at = time.monotonic()
            raise
        slot.current = group
        return group

    return loading.start(ctx, "histories:" + group_arn, work)


def pending(ctx: Context, group_arn: str) -> loading.Load | None:
    """The load a request on the group must wait for (nothing loaded yet, or a reload asked by `forget`)."""
    slot = _slot(ctx, group_arn)
    group = slot.current
    if group is not None and group.reload_seen == version(ctx, "reload:" + group_arn):
        return None
    return reload(ctx, group_arn)


def loaded(ctx: Context, group_arn: str) -> GroupHistories | None:
    """The version that serves the group now, if any (never loads)."""
    return _slot(ctx, group_arn).current


def prepare(ctx: Context, served: Any) -> None:
    """Ahead of need, once a model is loaded: its group's histories start loading (not waited for) if they have not
    been, else the model's ids of their items are looked up now rather than by the first request."""
    group = loaded(ctx, served.dataset_group_arn)
    if group is None:
        pending(ctx, served.dataset_group_arn)
    else:
        _model_codes(served, group)


def _stale(ctx: Context, slot: _Slot, group_arn: str, now: float) -> bool:
    """A new bulk import since the current version was loaded (looked up at most every RECHECK_S)."""
    if now - slot.marker_checked_at <= RECHECK_S or now - slot.failed_at < RETRY_S:
        return False
    slot.marker_checked_at = now
    return bulk_marker(ctx, group_arn, "INTERACTIONS") != slot.current.bulk_marker


def group_histories(ctx: Context, group_arn: str, *, fresh: bool = False) -> GroupHistories:
    """The group's histories with every PutEvents event stored so far applied (checked cheaply). The first call
    (and the first after `forget`) waits for the load; after a new import the previous version serves until the new
    one is ready, unless `fresh` (batch jobs): then the call waits for the new one."""
    slot = _slot(ctx, group_arn)
    wanted = version(ctx, "reload:" + group_arn)
    while True:
        group = slot.current
        if group is None or group.reload_seen < wanted:
            reload(ctx, group_arn).wait()
            continue
        if _stale(ctx, slot, group_arn, time.monotonic()):
            started = reload(ctx, group_arn)  # the previous version serves meanwhile...
            if fresh:  # ...unless the caller wants the new one
                started.wait()
                continue
        _catch_up(ctx, group)
        return group


def forget(ctx: Context, group_arn: str) -> None:
    """Make the next request wait for a new load of the group's histories (after a data deletion, say)."""
    bump(ctx, "reload:" + group_arn)


def _model_codes(served: Any, group: GroupHistories) -> np.ndarray:
    """Group item code -> the model's internal id (-1: unknown to the model), extended as the vocabulary grows."""
    by_token = served.group_codes.setdefault(group.group_arn, {})
    mapping = by_token.get(group.token)
    size = len(group.item_list)
    if mapping is None or len(mapping) < size:
        start = 0 if mapping is None else len(mapping)
        parts = [] if mapping is None else [mapping]
        if mapping is None and group.bulk_items is not None:
            parts.append(_bulk_codes(served, group.bulk_items))
            start = len(group.bulk_items)
        parts.append(np.fromiter((served.index.get(i, -1) for i in group.item_list[start:size]), np.int64,
                                 size - start))
        mapping = by_token[group.token] = np.concatenate(parts)
        while len(by_token) > 2:  # this version's and the previous one's (it may still serve a request)
            by_token.pop(next(iter(by_token)), None)
    return mapping


def _bulk_codes(served: Any, items: pa.Array) -> np.ndarray:
    """The model's ids of a load's bulk items, looked up in Arrow (no Python loop over the vocabulary)."""
    ids = served.memo.get("arrow_item_ids")
    if ids is None:
        ids = served.memo["arrow_item_ids"] = pa.array(served.item_ids, pa.string())
    return pc.fill_null(pc.index_in(items, value_set=ids), -1).to_numpy().astype(np.int64)


def user_history(served: Any, group: GroupHistories, user_id: str | None) -> History:
    """The user's history in the model's ids, oldest first; items the model does not know are dropped."""
    rows = group.users.get(user_id) if user_id is not None else None
    if rows is None or len(rows.codes) == 0:
        return History(np.zeros(0, np.int32), np.zeros(0, np.float64), np.zeros(0, dtype=object))
    ids = _model_codes(served, group)[rows.codes]
    keep = ids >= 0
    types = np.asarray(group.type_list, dtype=object)[rows.types[keep]]
    return History(ids[keep].astype(np.int32), rows.timestamps[keep], types)


def user_interactions(group: GroupHistories, user_id: str | None) -> list[tuple[str, str]]:
    """(item id, event type) of the user's newest 100 interactions per event type, for interaction filters."""
    rows = group.users.get(user_id) if user_id is not None else None
    if rows is None:
        return []
    out = []
    for code in np.unique(rows.types):
        picked = np.flatnonzero(rows.types == code)[-FILTER_RECENT:]
        name = group.type_list[code]
        out.extend((group.item_list[c], name) for c in rows.codes[picked])
    return out
