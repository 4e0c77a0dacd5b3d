"""Per dataset group: every user's interactions (bulk once, then PutEvents incrementally), as arrays."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from ..data.types import History
from .signals import bump, version

RECHECK_S = 1.0  # look for events written by other processes at most this often
FILTER_RECENT = 100  # interaction filters see the newest 100 interactions per event type
_guard = threading.Lock()


@dataclass
class UserRows:
    codes: np.ndarray  # int32 codes into GroupHistories.item_list, oldest first
    timestamps: np.ndarray  # float64
    types: np.ndarray  # int16 codes into GroupHistories.type_list


@dataclass
class GroupHistories:
    group_arn: str
    item_index: dict[str, int] = field(default_factory=dict)
    item_list: list[str] = field(default_factory=list)
    type_index: dict[str, int] = field(default_factory=dict)
    type_list: list[str] = field(default_factory=list)
    users: dict[str, UserRows] = field(default_factory=dict)
    last_event_id: int = 0
    seen_signal: int = -1
    reload_seen: int = 0
    bulk_marker: Any = None
    checked_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    token: object = field(default_factory=object)  # identifies this load (model id mappings follow it)

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


def _column(table: pa.Table, name: str) -> Any:
    for col in table.column_names:
        if col.upper() == name:
            return table.column(col)
    return None


def _load_bulk(ctx: Any, group: GroupHistories) -> None:
    from ..data.loader import load_interactions_table

    group.bulk_marker = bulk_marker(ctx, group.group_arn, "INTERACTIONS")
    group.last_event_id = ctx.store.max_event_id(group.group_arn)
    table = load_interactions_table(ctx, group.group_arn)
    if table is None or table.num_rows == 0:
        return
    users = _column(table, "USER_ID").cast(pa.string()).to_numpy(zero_copy_only=False).astype(object)
    items = _column(table, "ITEM_ID").cast(pa.string()).to_numpy(zero_copy_only=False).astype(object)
    stamps = _column(table, "TIMESTAMP")
    stamps = stamps.cast(pa.float64()).to_numpy(zero_copy_only=False) if stamps is not None else np.zeros(len(users))
    types = _column(table, "EVENT_TYPE")
    types = types.cast(pa.string()).fill_null("").to_numpy(zero_copy_only=False).astype(object) if types is not None \
        else np.full(len(users), "", dtype=object)
    item_vocab, item_codes = np.unique(items, return_inverse=True)
    type_vocab, type_codes = np.unique(types, return_inverse=True)
    group.item_list = [str(v) for v in item_vocab]
    group.item_index = {v: i for i, v in enumerate(group.item_list)}
    group.type_list = [str(v) for v in type_vocab]
    group.type_index = {v: i for i, v in enumerate(group.type_list)}
    order = np.lexsort((stamps, users))  # by user, then time; ties keep table order
    user_sorted = users[order]
    cuts = np.flatnonzero(user_sorted[1:] != user_sorted[:-1]) + 1
    starts, ends = np.r_[0, cuts], np.r_[cuts, len(order)]
    codes, stamps, types = item_codes[order].astype(np.int32), stamps[order], type_codes[order].astype(np.int16)
    group.users = {str(user_sorted[s]): UserRows(codes[s:e], stamps[s:e], types[s:e]) for s, e in zip(starts, ends)}


def _apply_events(ctx: Any, group: GroupHistories) -> None:
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


def bulk_marker(ctx: Any, group_arn: str, dataset_type: str) -> Any:
    """Changes whenever the group's dataset of that type changes (a new import): caches reload then."""
    for record in ctx.store.list("dataset", dataset_group_arn=group_arn):
        if str(record.get("dataset_type", "")).upper() == dataset_type:
            return record.get("last_updated_date_time"), record.get("data_key"), record.get("arn")
    return None


def _stale(ctx: Any, group: GroupHistories, now: float) -> bool:
    """A new bulk import, or a writer (data deletion) asked for a reload: start again."""
    if version(ctx, "reload:" + group.group_arn) != group.reload_seen:
        return True
    return now - group.checked_at > RECHECK_S and bulk_marker(ctx, group.group_arn, "INTERACTIONS") != group.bulk_marker


def group_histories(ctx: Any, group_arn: str) -> GroupHistories:
    """The group's histories, with every PutEvents event stored so far applied (checked cheaply)."""
    cache = ctx.caches.setdefault("histories", {})
    group = cache.get(group_arn)
    now = time.monotonic()
    if group is None or (group.seen_signal != -1 and _stale(ctx, group, now)):
        with _guard:
            if cache.get(group_arn) is group:
                cache[group_arn] = GroupHistories(group_arn, reload_seen=version(ctx, "reload:" + group_arn))
            group = cache[group_arn]
    signal = version(ctx, "events:" + group_arn)
    if group.seen_signal != signal or now - group.checked_at > RECHECK_S:
        with group.lock:
            if group.seen_signal == -1:
                _load_bulk(ctx, group)
            if group.seen_signal != signal or now - group.checked_at > RECHECK_S:
                _apply_events(ctx, group)
                group.seen_signal, group.checked_at = signal, now
    return group


def forget(ctx: Any, group_arn: str) -> None:
    """Make the next request reload the group's histories (after a data deletion, say)."""
    bump(ctx, "reload:" + group_arn)


def _model_codes(served: Any, group: GroupHistories) -> np.ndarray:
    """Group item code -> the model's internal id (-1: unknown to the model), extended as the vocabulary grows."""
    owner, mapping = served.group_codes.get(group.group_arn, (None, None))
    if owner is not group.token:
        mapping = None
    size = len(group.item_list)
    if mapping is None or len(mapping) < size:
        start = 0 if mapping is None else len(mapping)
        extra = np.fromiter((served.index.get(i, -1) for i in group.item_list[start:size]), np.int64, size - start)
        mapping = extra if mapping is None else np.concatenate([mapping, extra])
        served.group_codes[group.group_arn] = (group.token, mapping)
    return mapping


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
