"""One batch inference input line -> one output line, per recipe type (spec §11.1)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from ..errors import ServiceError
from .histories import group_histories
from .masks import resolve_filter
from .models import ServedModel
from .recommend import Ask, rank_items, recommend

if TYPE_CHECKING:
    from ..context import Context

INPUT_EXCERPT = 80  # characters of an input line that is not JSON echoed in its output line

DIGITS = 7


def _required(line: dict[str, Any], key: str, kind: str) -> str:
    value = line.get(key)
    if value is None or value == "":
        raise ValueError(f'a {kind} solution version needs "{key}" in every input line')
    return str(value)


def _output(ctx: Context, served: ServedModel, line: dict[str, Any], n: int, filter_arn: str | None,
            config: dict[str, Any]) -> dict[str, Any]:
    kind = served.recipe_type
    group = group_histories(ctx, served.dataset_group_arn, fresh=True)  # a job waits for a new import's data
    user = line.get("userId")
    user = None if user is None else str(user)
    item = str(line["itemId"]) if kind == "RELATED_ITEMS" and line.get("itemId") is not None else None
    use = None
    if filter_arn:
        use = resolve_filter(ctx, filter_arn, served.dataset_group_arn, line.get("filterValues"), user, item)
    if kind == "PERSONALIZED_RANKING":
        user = _required(line, "userId", kind)
        items = line.get("itemList")
        if not isinstance(items, list) or not items:
            raise ValueError('a PERSONALIZED_RANKING solution version needs a non-empty "itemList" in every input line')
        ranked = rank_items(ctx, Ask(served, group, len(items), user, None, use), [str(i) for i in items])
        return {"recommendedItems": [i for i, _ in ranked],
                "scores": [round(s, DIGITS) for _, s in ranked if s is not None]}
    if kind == "RELATED_ITEMS":
        item = _required(line, "itemId", kind)
    elif kind == "USER_PERSONALIZATION":
        user = _required(line, "userId", kind)
    else:
        raise ValueError(f"batch inference does not support {kind} solution versions yet")
    picks = recommend(ctx, Ask(served, group, n, user, item, use, config))
    out: dict[str, Any] = {"recommendedItems": [served.item_ids[p.item] for p in picks]}
    if served.returns_scores:
        out["scores"] = [round(p.score, DIGITS) for p in picks if p.score is not None]
    return out


def process_line(ctx: Context, served: ServedModel, raw: str, n: int, filter_arn: str | None,
                 config: dict[str, Any]) -> bytes:
    """The output line for one input line; a bad line gets an "error" instead of failing the job."""
    try:
        line = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:  # echo only an excerpt: an output must not copy a whole non-JSON file
        shown = raw if len(raw) <= INPUT_EXCERPT else raw[:INPUT_EXCERPT] + f"... ({len(raw):,} characters)"
        return orjson.dumps({"input": shown, "output": None, "error": f"Invalid JSON: {exc}"})
    if not isinstance(line, dict):
        return orjson.dumps({"input": line, "output": None, "error": "Each input line must be a JSON object."})
    try:
        return orjson.dumps({"input": line, "output": _output(ctx, served, line, n, filter_arn, config), "error": None})
    except (ValueError, ServiceError) as exc:
        message = exc.message if isinstance(exc, ServiceError) else str(exc)
        return orjson.dumps({"input": line, "output": None, "error": message})
