"""Build a group's histories from its bulk interactions with Arrow kernels (they release the GIL) in few, short
Python steps, so that requests served by other threads meanwhile keep their usual latency."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

if TYPE_CHECKING:
    from ..context import Context

COLUMNS = ("USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE")
CHUNK = 20_000  # Python objects made per step: another thread may take the GIL between two steps


def _bulk(ctx: Context, group_arn: str) -> pa.Table | None:
    """The four columns histories need of the group's bulk Interactions data (None: no bulk data)."""
    from ..data.loader import dataset_arns

    arn = dataset_arns(ctx, group_arn).get("INTERACTIONS")
    key = ctx.store.get("dataset", arn).get("data_key") if arn else None
    if not key:
        return None
    try:
        names = pq.read_schema(ctx.lake.path(key), filesystem=ctx.lake.fs).names
    except (OSError, pa.ArrowInvalid):  # not one Parquet file (a folder): read it whole
        names = None
    table = ctx.lake.read_table(key, columns=[n for n in names if n.upper() in COLUMNS] if names else None)
    return table.select([n for n in table.column_names if n.upper() in COLUMNS])


def _events(ctx: Context, group_arn: str, upto: int) -> pa.Table | None:
    """The group's PutEvents events with an item, up to id `upto`, as the loader orders them (after the bulk)."""
    rows = [r for r in ctx.store.events(group_arn) if r["id"] <= upto and r.get("item_id") and r.get("user_id")]
    if not rows:
        return None
    return pa.table({"USER_ID": pa.array([r["user_id"] for r in rows], pa.string()),
                     "ITEM_ID": pa.array([r["item_id"] for r in rows], pa.string()),
                     "TIMESTAMP": pa.array([float(int(r["timestamp"])) for r in rows], pa.float64()),
                     "EVENT_TYPE": pa.array([r.get("event_type") or "" for r in rows], pa.string())})


def _conformed(table: pa.Table) -> pa.Table:
    """USER_ID, ITEM_ID (strings; rows without them dropped), TIMESTAMP (float64, NaN when missing), EVENT_TYPE
    (string, "" when missing)."""
    by_name = {n.upper(): n for n in table.column_names}

    def col(name: str, kind: pa.DataType, fill: Any) -> pa.ChunkedArray | pa.Array:
        found = table.column(by_name[name]).cast(kind) if name in by_name else pa.nulls(len(table), kind)
        return found if fill is None or found.null_count == 0 else pc.fill_null(found, fill)

    out = pa.table({"USER_ID": col("USER_ID", pa.string(), None), "ITEM_ID": col("ITEM_ID", pa.string(), None),
                    "TIMESTAMP": col("TIMESTAMP", pa.float64(), float("nan")),
                    "EVENT_TYPE": col("EVENT_TYPE", pa.string(), "")})
    if out["USER_ID"].null_count or out["ITEM_ID"].null_count:
        out = out.filter(pc.and_(pc.is_valid(out["USER_ID"]), pc.is_valid(out["ITEM_ID"])))
    return out


def read_interactions(ctx: Context, group_arn: str, upto_event: int) -> pa.Table | None:
    """Bulk interactions, then PutEvents events up to id `upto_event`: the table the histories are built from."""
    parts = [t for t in (_bulk(ctx, group_arn), _events(ctx, group_arn, upto_event)) if t is not None]
    parts = [_conformed(t) for t in parts]
    table = pa.concat_tables(parts) if parts else None
    return table if table is not None and len(table) else None


def _codes(column: pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """(sorted distinct values, each row's position among them): np.unique(..., return_inverse=True) in Arrow."""
    encoded = pc.dictionary_encode(column)  # one dictionary shared by every chunk
    values = encoded.chunks[-1].dictionary
    order = pc.sort_indices(values).to_numpy()
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    indices = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in encoded.chunks])
    return values.take(pa.array(order)), rank[indices]


def strings(values: pa.Array) -> list[str]:
    """An Arrow string array as a Python list, made CHUNK at a time."""
    out: list[str] = []
    for start in range(0, len(values), CHUNK):
        out.extend(values.slice(start, CHUNK).to_pylist())
    return out


def positions(names: list[str]) -> dict[str, int]:
    """name -> its position in `names`, made CHUNK at a time."""
    out: dict[str, int] = {}
    for start in range(0, len(names), CHUNK):
        out.update(zip(names[start:start + CHUNK], range(start, start + CHUNK)))
    return out


def sorted_rows(table: pa.Table) -> dict[str, Any]:
    """The table's rows by user, then time (ties keep table order), as arrays of codes and per-user offsets."""
    users, user_codes = _codes(table["USER_ID"])
    items, item_codes = _codes(table["ITEM_ID"])
    types, type_codes = _codes(table["EVENT_TYPE"])
    stamps = table["TIMESTAMP"].combine_chunks()
    order = pc.sort_indices(pa.table({"u": user_codes, "t": stamps}),
                            sort_keys=[("u", "ascending"), ("t", "ascending")]).to_numpy()  # stable
    counts = np.bincount(user_codes, minlength=len(users))
    offsets = np.zeros(len(users) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return {"users": users, "items": items, "types": types, "offsets": offsets,
            "codes": item_codes[order], "stamps": stamps.to_numpy(zero_copy_only=False)[order],
            "type_codes": type_codes[order].astype(np.int16)}
