"""Data insights of a dataset (what Personalize's console shows "at a glance"): for interactions their volume over
time, event types, top items, cold items and users' history lengths; for items and users each column's missing,
distinct and top values or numeric range. Computed with Arrow/NumPy over the bulk data plus PutEvents/PutItems/
PutUsers records, and cached per data version (a new import, event or record recomputes)."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..domain import avro
from .lookup import Record
from .templating import render

if TYPE_CHECKING:
    from ..context import Context

_CACHE: OrderedDict[tuple, dict[str, Any]] = OrderedDict()
_LOCK = threading.Lock()
_KEEP = 16
BINS = (1, 2, 5, 10, 20, 50, 100)
BIN_LABELS = ("1", "2–4", "5–9", "10–19", "20–49", "50–99", "100+")
TOP_ITEMS, TOP_VALUES, COLD_EXAMPLES, META_COLUMNS = 20, 10, 10, 6
DAY, WEEK = 86400, 7 * 86400


def history_bins(lengths: Any) -> list[tuple[str, int]]:
    """Users per history length bin (1, 2–4, 5–9, 10–19, 20–49, 50–99, 100+) of per-user interaction counts."""
    lengths = np.asarray(lengths, dtype=np.int64)
    lengths = lengths[lengths >= 1]
    index = np.searchsorted(np.asarray(BINS), lengths, side="right") - 1
    return list(zip(BIN_LABELS, (int(n) for n in np.bincount(index, minlength=len(BINS)))))


def time_buckets(timestamps: Any) -> tuple[str, list[str], list[int]]:
    """(unit, labels, counts) of epoch-second timestamps per day (a span up to 92 days), per week starting
    Monday (up to 5 years) or per month; empty buckets count 0."""
    ts = np.asarray(timestamps, dtype=np.int64)
    if not len(ts):
        return "day", [], []
    span = int(ts.max() - ts.min())
    if span <= 92 * DAY:
        days = ts // DAY
        counts = np.bincount(days - days.min())
        labels = np.arange(days.min(), days.max() + 1).astype("datetime64[D]").astype(str)
        return "day", labels.tolist(), counts.tolist()
    if span <= 5 * 366 * DAY:
        weeks = (ts // DAY + 3) // 7  # 1970-01-01 was a Thursday: day -3 is a Monday
        counts = np.bincount(weeks - weeks.min())
        labels = (np.arange(weeks.min(), weeks.max() + 1) * 7 - 3).astype("datetime64[D]").astype(str)
        return "week", labels.tolist(), counts.tolist()
    months = ts.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
    counts = np.bincount(months - months.min())
    labels = np.arange(months.min(), months.max() + 1).astype("datetime64[M]").astype(str)
    return "month", labels.tolist(), counts.tolist()


def collapse_gaps(labels: list[str], counts: list[int], unit: str, longest: int = 6) -> tuple[list[str], list[int]]:
    """Runs of more than `longest` empty buckets become one '… N empty weeks …' bucket, so that events streamed
    today do not squeeze years-old imported data into a corner of the chart."""
    out_labels: list[str] = []
    out_counts: list[int] = []
    start = 0
    while start < len(counts):
        end = start
        while end < len(counts) and counts[end] == 0:
            end += 1
        if end - start > longest:
            out_labels.append(f"… {end - start} empty {unit}s …")
            out_counts.append(0)
        else:
            out_labels += labels[start:end]
            out_counts += counts[start:end]
        if end < len(counts):
            out_labels.append(labels[end])
            out_counts.append(counts[end])
        start = end + 1
    return out_labels, out_counts


def value_counts(column: pa.ChunkedArray | pa.Array, limit: int | None = None) -> list[tuple[Any, int]]:
    """(value, count) most frequent first (ties by value); a missing value shows as None."""
    counted = pc.value_counts(column)
    if not len(counted):
        return []
    table = pa.table({"v": counted.field("values"), "n": counted.field("counts")})
    order = pc.sort_indices(table, [("n", "descending"), ("v", "ascending")])
    table = table.take(order[:limit] if limit else order)
    return list(zip(table["v"].to_pylist(), table["n"].to_pylist()))


def _column(table: pa.Table, name: str) -> pa.ChunkedArray | None:
    found = next((c for c in table.column_names if c.upper() == name), None)
    return table[found] if found is not None else None


def _show(value: Any) -> Any:
    return value[:80] + "…" if isinstance(value, str) and len(value) > 80 else value


def interaction_insights(table: pa.Table, items: pa.Table | None = None) -> dict[str, Any]:
    """Everything the Interactions panel shows, from the interactions and (optional) items tables."""
    users, item_ids = _column(table, "USER_ID"), _column(table, "ITEM_ID")
    per_item = value_counts(item_ids)
    per_user = pc.value_counts(users).field("counts").to_numpy(zero_copy_only=False)
    out: dict[str, Any] = {"rows": table.num_rows, "users": len(per_user), "item_count": len(per_item),
                           "histories": history_bins(per_user)}
    events = _column(table, "EVENT_TYPE")
    out["event_types"] = value_counts(events) if events is not None else []
    stamps = _column(table, "TIMESTAMP")
    ts = pc.drop_null(stamps).to_numpy() if stamps is not None else np.zeros(0, np.int64)
    out["unit"], labels, counts = time_buckets(ts)
    out["days"], out["per_time"] = collapse_gaps(labels, counts, out["unit"])
    out["first"], out["last"] = (int(ts.min()), int(ts.max())) if len(ts) else (None, None)
    value = _column(table, "EVENT_VALUE")
    if value is not None and value.null_count < len(value):
        bounds = pc.min_max(value)
        out["event_value"] = (bounds["min"].as_py(), bounds["max"].as_py())
    top = per_item[:TOP_ITEMS]
    out["top"], out["meta_columns"], out["cold"] = [{"id": i, "count": n, "meta": {}} for i, n in top], [], None
    if items is not None and _column(items, "ITEM_ID") is not None:
        id_name = next(c for c in items.column_names if c.upper() == "ITEM_ID")
        ids = items[id_name]
        out["meta_columns"] = [c for c in items.column_names if c != id_name][:META_COLUMNS]
        found = items.filter(pc.is_in(ids, value_set=pa.array([i for i, _ in top], type=ids.type)))
        meta = {row[id_name]: row for row in found.to_pylist()}
        for entry in out["top"]:
            entry["meta"] = {c: _show((meta.get(entry["id"]) or {}).get(c)) for c in out["meta_columns"]}
        seen = pc.unique(pc.drop_null(item_ids)).cast(ids.type)
        cold = items.filter(pc.invert(pc.is_in(ids, value_set=seen)))
        out["cold"] = {"count": cold.num_rows, "catalog": items.num_rows,
                       "examples": _column(cold, "ITEM_ID")[:COLD_EXAMPLES].to_pylist()}
    return out


def column_insights(column: pa.ChunkedArray, field: dict[str, Any]) -> dict[str, Any]:
    """Missing values and distinct/top values (strings; categorical ones split on '|') or range (numbers)."""
    kind, _ = avro.field_type(field)
    out: dict[str, Any] = {"name": field["name"], "type": kind, "categorical": bool(field.get("categorical")),
                           "textual": bool(field.get("textual")), "missing": column.null_count}
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        blank = pc.equal(pc.utf8_trim_whitespace(column), "")
        out["missing"] += int(pc.sum(pc.fill_null(blank, False)).as_py() or 0)
        present = column.filter(pc.invert(pc.fill_null(blank, True)))
        if out["categorical"]:
            present = pc.utf8_trim_whitespace(pc.list_flatten(pc.split_pattern(present, "|")))
        if not out["textual"]:
            out["distinct"] = int(pc.count_distinct(present).as_py())
            out["top"] = value_counts(present, TOP_VALUES)
        else:
            lengths = pc.utf8_length(present)
            out["mean_length"] = pc.mean(lengths).as_py() if len(lengths) else None
    elif pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        bounds = pc.min_max(column)
        out["range"] = (bounds["min"].as_py(), bounds["max"].as_py())
        out["mean"] = pc.mean(column).as_py()
        out["distinct"] = int(pc.count_distinct(column).as_py())
    elif pa.types.is_boolean(column.type):
        out["top"] = value_counts(pc.drop_null(column), TOP_VALUES)
    return out


def metadata_insights(table: pa.Table, fields: list[dict[str, Any]], id_name: str) -> dict[str, Any]:
    columns = [column_insights(table[f["name"]], f) for f in fields
               if f["name"] != id_name and f["name"] in table.column_names]
    return {"rows": table.num_rows, "ids": int(pc.count_distinct(table[id_name]).as_py()), "columns": columns}


def _records_mark(ctx: Context, dataset: Record | None) -> tuple:
    if dataset is None:
        return ()
    records = ctx.store.records(dataset["arn"])
    return (dataset["arn"], dataset.get("data_key"), len(records),
            max((r.get("updated") or 0 for r in records), default=0))


def cache_key(ctx: Context, dataset: Record) -> tuple:
    """What the insights depend on: the dataset's imported data, the group's newest event, its PutItems/PutUsers
    records, and its data deletion jobs."""
    group = dataset["dataset_group_arn"]
    deletions = len(ctx.store.list("data_deletion_job", dataset_group_arn=group))
    if dataset.get("dataset_type") == "INTERACTIONS":
        items = next(iter(ctx.store.list("dataset", dataset_group_arn=group, dataset_type="ITEMS")), None)
        return dataset["arn"], dataset.get("data_key"), ctx.store.max_event_id(group), deletions, \
            _records_mark(ctx, items)
    return (*_records_mark(ctx, dataset), deletions)


def compute(ctx: Context, dataset: Record) -> dict[str, Any] | None:
    """The insights of one dataset (None when it holds no data yet)."""
    from ..data.loader import (
        load_interactions_table,
        load_items_table,
        load_users_table,
        schema_fields,
    )

    group, kind = dataset["dataset_group_arn"], dataset.get("dataset_type")
    if kind == "INTERACTIONS":
        table = load_interactions_table(ctx, group)
        return interaction_insights(table, load_items_table(ctx, group)) if table is not None else None
    if kind not in ("ITEMS", "USERS"):
        return None
    table = (load_items_table if kind == "ITEMS" else load_users_table)(ctx, group)
    if table is None:
        return None
    return metadata_insights(table, schema_fields(ctx, dataset["arn"]), avro.ID_FIELD[kind])


def insights(ctx: Context, dataset: Record) -> dict[str, Any] | None:
    key = cache_key(ctx, dataset)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    found = compute(ctx, dataset)
    with _LOCK:
        _CACHE[key] = found
        while len(_CACHE) > _KEEP:
            _CACHE.popitem(last=False)
    return found


def bar(labels: list[Any], values: list[Any], label: str, kind: str = "bar") -> dict[str, Any]:
    """A Chart.js config for console.js."""
    return {"type": kind, "data": {"labels": ["(none)" if x is None else str(x) for x in labels],
                                   "datasets": [{"label": label, "data": values}]},
            "options": {"scales": {"y": {"beginAtZero": True}}, "plugins": {"legend": {"display": False}}}}


def charts(data: dict[str, Any], kind: str) -> list[tuple[str, dict[str, Any]]]:
    """(title, Chart.js config) of the panel's charts."""
    if kind == "INTERACTIONS":
        out = [(f"Interactions per {data['unit']}", bar(data["days"], data["per_time"], "Interactions", "line")),
               ("Users by number of interactions", bar([b for b, _ in data["histories"]],
                                                       [n for _, n in data["histories"]], "Users"))]
        if data["event_types"]:
            out.insert(1, ("Event types", bar([t for t, _ in data["event_types"]],
                                              [n for _, n in data["event_types"]], "Interactions")))
        return out
    return [(f"{c['name']}: top values", bar([v for v, _ in c["top"]], [n for _, n in c["top"]], "Rows"))
            for c in data["columns"] if c.get("top") and c.get("distinct", 0) > 1][:6]


def dataset_panel(req: Any, ctx: Context, record: Record) -> str:
    """The 'Data insights' section of a dataset's page."""
    kind = record.get("dataset_type", "")
    data = insights(ctx, record)
    prefix = "insight-" + kind.lower()
    return render("insights.html", kind=kind, data=data, prefix=prefix,
                  charts=charts(data, kind) if data else [])
