"""personalize-events: PutEvents (durably stored, visible to the next recommendation), PutItems, PutUsers."""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import orjson

from .context import Context
from .data.loader import schema_fields
from .domain import avro
from .errors import InvalidInputException, ResourceNotFoundException
from .observability.metrics import metrics_of
from .serving.event_writer import writer
from .serving.signals import bump

FORBIDDEN_PROPERTIES = ("userId", "sessionId", "eventType", "timestamp", "recommendationId", "impression")


def _tracker_group(ctx: Context, tracking_id: str) -> str:
    """Dataset group of a trackingId (cached: trackers never move)."""
    groups = ctx.serving.tracker_groups
    group = groups.get(tracking_id)
    if group is None:
        found = [t for t in ctx.store.list("event_tracker") if t.get("tracking_id") == tracking_id]
        if not found:
            raise ResourceNotFoundException(f"No event tracker has trackingId {tracking_id}.")
        group = groups[tracking_id] = found[0]["dataset_group_arn"]
    return group


def _properties(raw: str | None, where: str) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInputException(f"{where}.properties is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise InvalidInputException(f"{where}.properties must be a JSON object; got {raw[:80]!r}.")
    return value


def _timestamp(value: Any) -> float:
    return value.timestamp() if isinstance(value, dt.datetime) else float(value)


def _event_row(group: str, user_id: str, session_id: str, event: dict[str, Any], where: str) -> dict[str, Any]:
    props = _properties(event.get("properties"), where)
    bad = [k for k in FORBIDDEN_PROPERTIES if k in props]
    if bad:
        raise InvalidInputException(f"{where}.properties may not contain {', '.join(bad)}: use the event's own fields.")
    item_id = event.get("item_id") or props.pop("itemId", None)
    value = event.get("event_value", props.pop("eventValue", None))
    impression = event.get("impression")
    row = {
        "dataset_group_arn": group, "user_id": user_id, "session_id": session_id,
        "item_id": None if item_id is None else str(item_id), "event_type": event["event_type"],
        "event_value": None if value is None else float(value), "timestamp": _timestamp(event["sent_at"]),
        "recommendation_id": event.get("recommendation_id"),
        "impression": "|".join(impression) if impression else None, "properties": props,
    }
    row["event_id"] = event.get("event_id") or _content_id(row)
    return row


def _content_id(row: dict[str, Any]) -> str:
    """Identical events (same user, item, type, value, time, properties) get the same id and are stored once."""
    keys = ("user_id", "session_id", "item_id", "event_type", "event_value", "timestamp", "recommendation_id",
            "impression", "properties")
    digest = hashlib.sha1(orjson.dumps([row[k] for k in keys], option=orjson.OPT_SORT_KEYS)).hexdigest()
    return "tm-" + digest[:32]


def put_events(ctx: Context, *, tracking_id: str, session_id: str, event_list: list[dict],
               user_id: str | None = None) -> dict[str, Any]:
    group = _tracker_group(ctx, tracking_id)
    rows = [_event_row(group, user_id or session_id, session_id, e, f"eventList[{i}]")
            for i, e in enumerate(event_list)]
    writer(ctx).append(rows)  # returns after the commit (shared with concurrent requests)
    metrics_of(ctx).events.inc(len(rows))
    bump(ctx, "events:" + group)
    return {}


def _property_names(ctx: Context, dataset_arn: str, dataset_type: str) -> tuple[set[str], str]:
    """The camelCase property names a PutItems/PutUsers record may carry (the schema's non-id fields)."""
    dataset = ctx.store.get("dataset", dataset_arn)
    found_type = str(dataset.get("dataset_type", "")).upper()
    if found_type != dataset_type:
        raise InvalidInputException(f"Dataset {dataset_arn} is a {found_type} dataset, not {dataset_type}.")
    id_field = avro.ID_FIELD[dataset_type]
    names = {avro.camel(f["name"]) for f in schema_fields(ctx, dataset_arn) if f["name"] != id_field}
    return names, dataset["dataset_group_arn"]


def _put_records(ctx: Context, dataset_arn: str, dataset_type: str, entries: list[tuple[str, str | None]]) -> None:
    names, group = _property_names(ctx, dataset_arn, dataset_type)
    rows = []
    for i, (record_id, raw) in enumerate(entries):
        props = _properties(raw, f"{dataset_type.lower()}[{i}]")
        unknown = [k for k in props if k not in names]
        if unknown:
            raise InvalidInputException(
                f"{dataset_type.lower()}[{i}] ({record_id}): properties {', '.join(map(repr, unknown))} are not in the "
                f"schema of {dataset_arn}; allowed: {', '.join(sorted(names)) or 'none'}.")
        rows.append((record_id, props))
    ctx.store.put_records(dataset_arn, rows)
    metrics_of(ctx).records.labels(dataset_type).inc(len(rows))
    bump(ctx, "records:" + group)


def put_items(ctx: Context, *, dataset_arn: str, items: list[dict]) -> dict[str, Any]:
    _put_records(ctx, dataset_arn, "ITEMS", [(i["item_id"], i.get("properties")) for i in items])
    return {}


def put_users(ctx: Context, *, dataset_arn: str, users: list[dict]) -> dict[str, Any]:
    _put_records(ctx, dataset_arn, "USERS", [(u["user_id"], u.get("properties")) for u in users])
    return {}

