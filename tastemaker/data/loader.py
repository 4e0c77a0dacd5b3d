"""Read a dataset group's data for training and serving: bulk Parquet plus PutEvents/PutItems/PutUsers records."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..domain import avro
from .build import interactions_from_table
from .importer import arrow_schema, conform, keep_last, parse_strings
from .types import TrainingData

if TYPE_CHECKING:
    from ..context import Context

EVENT_COLUMNS = {"USER_ID": "user_id", "ITEM_ID": "item_id", "EVENT_TYPE": "event_type",
                 "EVENT_VALUE": "event_value", "RECOMMENDATION_ID": "recommendation_id", "IMPRESSION": "impression"}


def dataset_arns(ctx: Context, dataset_group_arn: str) -> dict[str, str]:
    """{"INTERACTIONS": arn, "ITEMS": arn, "USERS": arn} for the datasets the group has."""
    return {d["dataset_type"]: d["arn"] for d in ctx.store.list("dataset", dataset_group_arn=dataset_group_arn)}


def schema_fields(ctx: Context, dataset_arn: str) -> list[dict]:
    """The Avro field dicts of a dataset's current schema."""
    dataset = ctx.store.get("dataset", dataset_arn)
    return avro.parse_schema(ctx.store.get("schema", dataset["schema_arn"])["schema"])


def _bulk(ctx: Context, dataset: dict, schema: pa.Schema) -> pa.Table | None:
    key = dataset.get("data_key")
    return conform(ctx.lake.read_table(key), schema) if key else None


def _typed(values: list[Any], kind: str) -> pa.Array:
    """Record/event property values (strings or JSON values) -> typed column; bad values become null."""
    text = pa.array([None if v is None else (str(v).lower() if isinstance(v, bool) else str(v)) for v in values],
                    type=pa.string())
    if kind == "string":
        return text
    return parse_strings(pc.fill_null(text, ""), kind)[0]


def events_table(ctx: Context, dataset_group_arn: str, fields: list[dict]) -> pa.Table | None:
    """The group's PutEvents events (those with an item id) as columns of the Interactions schema."""
    schema = arrow_schema(fields)
    events = [e for e in ctx.store.events(dataset_group_arn) if e.get("item_id")]
    if not events:
        return None
    columns = []
    for f in schema:
        if f.name == "TIMESTAMP":
            columns.append(pa.array([int(e["timestamp"]) for e in events], type=pa.int64()))
        elif f.name in EVENT_COLUMNS:
            columns.append(_typed([e.get(EVENT_COLUMNS[f.name]) for e in events], _kind(fields, f.name)))
        else:
            key = avro.camel(f.name)
            columns.append(_typed([(e.get("properties") or {}).get(key) for e in events], _kind(fields, f.name)))
    return pa.table([c.cast(f.type) for c, f in zip(columns, schema)], schema=schema)


def load_interactions_table(ctx: Context, dataset_group_arn: str) -> pa.Table | None:
    """Bulk interactions followed by the group's real-time events, in import order; None when there are none."""
    arn = dataset_arns(ctx, dataset_group_arn).get("INTERACTIONS")
    if arn is None:
        return None
    fields = schema_fields(ctx, arn)
    parts = [_bulk(ctx, ctx.store.get("dataset", arn), arrow_schema(fields)),
             events_table(ctx, dataset_group_arn, fields)]
    parts = [p for p in parts if p is not None]
    table = pa.concat_tables(parts) if parts else None
    return table if table is not None and len(table) else None


def _kind(fields: list[dict], name: str) -> str:
    return next(avro.field_type(f)[0] for f in fields if f["name"] == name)


def _metadata_table(ctx: Context, dataset_group_arn: str, dataset_type: str) -> pa.Table | None:
    arn = dataset_arns(ctx, dataset_group_arn).get(dataset_type)
    if arn is None:
        return None
    fields = schema_fields(ctx, arn)
    schema, id_name = arrow_schema(fields), avro.ID_FIELD[dataset_type]
    parts = [t for t in (_bulk(ctx, ctx.store.get("dataset", arn), schema),) if t is not None]
    records = ctx.store.records(arn)
    if records:
        columns = [pa.array([r["record_id"] for r in records], type=pa.string()) if f["name"] == id_name else
                   _typed([r["properties"].get(avro.camel(f["name"])) for r in records], avro.field_type(f)[0])
                   for f in fields]
        parts.append(pa.table([c.cast(t.type) for c, t in zip(columns, schema)], schema=schema))
    if not parts:
        return None
    table = keep_last(pa.concat_tables(parts), id_name)
    return table if len(table) else None


def load_items_table(ctx: Context, dataset_group_arn: str) -> pa.Table | None:
    """Bulk items merged with PutItems records (the newest record for an id wins)."""
    return _metadata_table(ctx, dataset_group_arn, "ITEMS")


def load_users_table(ctx: Context, dataset_group_arn: str) -> pa.Table | None:
    """Bulk users merged with PutUsers records (the newest record for an id wins)."""
    return _metadata_table(ctx, dataset_group_arn, "USERS")


def _fields_by_name(ctx: Context, arns: dict[str, str], dataset_type: str) -> dict[str, dict]:
    arn = arns.get(dataset_type)
    return {f["name"]: f for f in schema_fields(ctx, arn)} if arn else {}


def load_training_data(ctx: Context, dataset_group_arn: str, *, event_type: str | None = None,
                       event_value_threshold: float | None = None) -> TrainingData:
    """Everything a recipe trains on; ValueError when the group has no interactions (after filtering)."""
    table = load_interactions_table(ctx, dataset_group_arn)
    if table is None:
        raise ValueError(f"Dataset group {dataset_group_arn} has no interactions.")
    if event_type is not None and "EVENT_TYPE" in table.column_names:
        table = table.filter(pc.equal(pc.utf8_lower(pc.fill_null(table["EVENT_TYPE"], "")), event_type.lower()))
    if event_value_threshold is not None and "EVENT_VALUE" in table.column_names:
        table = table.filter(pc.fill_null(pc.greater_equal(table["EVENT_VALUE"], event_value_threshold), False))
    items, users = load_items_table(ctx, dataset_group_arn), load_users_table(ctx, dataset_group_arn)
    extra = items["ITEM_ID"].to_pylist() if items is not None else None
    interactions = interactions_from_table(table, extra_items=extra)
    arns = dataset_arns(ctx, dataset_group_arn)
    now = float(np.max(interactions.timestamp)) if len(interactions.timestamp) else None
    return TrainingData(interactions=interactions, items=items, users=users,
                        item_fields=_fields_by_name(ctx, arns, "ITEMS"),
                        user_fields=_fields_by_name(ctx, arns, "USERS"), now=now)


__all__ = ["dataset_arns", "schema_fields", "events_table", "load_interactions_table", "load_items_table",
           "load_users_table", "load_training_data"]
