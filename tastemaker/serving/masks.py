"""Apply a filter (by ARN) to candidate items: compiled once, whole-catalogue masks cached when user-free."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..domain.status import ACTIVE
from ..errors import InvalidInputException, ResourceNotFoundException
from .filtering import CompiledFilter, FilterInputs, compile_filter
from .histories import GroupHistories, user_interactions
from .items import ItemColumns, item_columns

if TYPE_CHECKING:
    from ..context import Context

FILTER_TTL_S = 2.0
MAX_CACHED_MASKS = 512


@dataclass
class FilterUse:
    """One request's filter: compiled expression, its values and what it reads."""

    arn: str
    compiled: CompiledFilter
    values: dict[str, str]
    user_id: str | None
    current_item: str | None


def resolve_filter(ctx: Context, filter_arn: str, group_arn: str, values: dict[str, str] | None,
                   user_id: str | None, current_item: str | None) -> FilterUse:
    """The ACTIVE filter of the campaign's dataset group, compiled (record cached briefly)."""
    cache = ctx.serving.filter_records
    now = time.monotonic()
    hit = cache.get(filter_arn)
    if hit is None or now - hit[0] > FILTER_TTL_S:
        record = ctx.store.find("filter", filter_arn)
        if record is None:
            cache.pop(filter_arn, None)
            raise ResourceNotFoundException(f"Resource Arn {filter_arn} does not exist.")
        hit = cache[filter_arn] = (now, record)
    record = hit[1]
    if record.get("status") != ACTIVE:
        raise InvalidInputException(f"Filter {filter_arn} is {record.get('status')}; it must be ACTIVE.")
    if record.get("dataset_group_arn") != group_arn:
        raise InvalidInputException(f"Filter {filter_arn} belongs to another dataset group than the campaign.")
    compiled = compile_filter(record["filter_expression"])
    if compiled.target != "ItemID":
        raise InvalidInputException(
            f"Filter {filter_arn} filters {compiled.target}s; item recommendations need an ItemID filter.")
    return FilterUse(filter_arn, compiled, dict(values or {}), user_id, current_item)


def _row(columns: ItemColumns, key: str | None) -> dict[str, Any] | None:
    if key is None:
        return None
    return {name: columns.column(name).get(key) for name in columns.names()}


def _inputs(ctx: Context, use: FilterUse, group: GroupHistories, item_ids: np.ndarray) -> FilterInputs:
    items = item_columns(ctx, group.group_arn)
    users = item_columns(ctx, group.group_arn, "USERS") if use.compiled.uses_current_user() else None
    return FilterInputs(
        item_ids=item_ids, item_column=items.column,
        user_interactions=user_interactions(group, use.user_id) if use.compiled.needs_user_interactions() else [],
        user_row=_row(users, use.user_id) if users is not None else None,
        current_item=_row(items, use.current_item) if use.compiled.uses_current_item() else None,
        user_column=users.column if users is not None else None,
    )


def _user_free(use: FilterUse) -> bool:
    c = use.compiled
    return not (c.needs_user_interactions() or c.uses_current_user() or c.uses_current_item())


def mask(ctx: Context, use: FilterUse, group: GroupHistories, served: Any, ids: np.ndarray) -> np.ndarray:
    """Bool mask over model item ids `ids`: which the filter allows."""
    if _user_free(use):
        items = item_columns(ctx, group.group_arn)
        key = (use.arn, use.compiled.expression, tuple(sorted(use.values.items())), served.solution_version_arn)
        whole = items.masks.get(key)
        if whole is None:
            whole = use.compiled.allowed(_inputs(ctx, use, group, served.item_ids), use.values)
            if len(items.masks) >= MAX_CACHED_MASKS:
                items.masks.clear()
            items.masks[key] = whole
        return whole[ids]
    return use.compiled.allowed(_inputs(ctx, use, group, served.item_ids[ids]), use.values)


def mask_strings(ctx: Context, use: FilterUse, group: GroupHistories, item_ids: list[str]) -> np.ndarray:
    """Bool mask over arbitrary item id strings (ranking input lists may hold unknown items)."""
    return use.compiled.allowed(_inputs(ctx, use, group, np.asarray(item_ids, dtype=object)), use.values)
