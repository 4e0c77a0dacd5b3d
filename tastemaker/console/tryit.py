"""Try it: a campaign page's form for GetRecommendations / GetPersonalizedRanking. The form is a plain GET of the
campaign page; the answer comes from the runtime API's own request cycle (api.dispatch.invoke with the wire body),
so it equals what boto3 gets for the same input. Beside it: the items' metadata and the user's recent history."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import orjson

from .lookup import Record
from .templating import render, resource_url
from .web import Request

if TYPE_CHECKING:
    from ..context import Context

HISTORY_ROWS = 25
FIELDS = ("userId", "itemId", "numResults", "filterArn", "filterValues", "context", "inputList", "promoName",
          "promoPercent", "promoFilterArn", "promoFilterValues")
_PLACEHOLDER = re.compile(r"\$([A-Za-z0-9_]+)")


class FormError(Exception):
    """A form field that cannot be turned into a request (shown like an API error, named 'Form')."""


def recipe_of(ctx: Context, campaign: Record) -> tuple[str, str]:
    """(recipe name, recipe type) of the campaign's solution version ('' where unknown)."""
    version = ctx.store.find("solution_version", campaign.get("solution_version_arn") or "") or {}
    arn = version.get("recipe_arn")
    if not arn and version.get("solution_arn"):
        arn = (ctx.store.find("solution", version["solution_arn"]) or {}).get("recipe_arn")
    name = str(arn or "").rsplit("/", 1)[-1]
    try:
        from ..recipes.registry import get_recipe

        kind = get_recipe(name).recipe_type if name else ""
    except KeyError:  # an unknown recipe: the API will say what is wrong
        kind = ""
    return name, kind


def group_of(ctx: Context, campaign: Record) -> str | None:
    from .lookup import group_arn_of

    return group_arn_of(ctx, "campaign", campaign)


def invoke_runtime(ctx: Context, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """One personalize-runtime call through the API's whole request cycle (validation, handler, serialization)."""
    from ..api.dispatch import invoke
    from ..api.spec import service_model

    model = service_model("personalize-runtime").operation_model(operation)
    return invoke(ctx, "personalize-runtime", model, orjson.dumps(body))


def pairs(text: str, what: str) -> dict[str, str]:
    """'NAME=value' lines -> {NAME: value} (blank lines skipped)."""
    out = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise FormError(f"{what}: each line must be NAME=value; got {line.strip()!r}.")
        out[key.strip()] = value.strip()
    return out


def id_list(text: str) -> list[str]:
    """Item ids one per line or separated by commas."""
    return [part.strip() for part in re.split(r"[\n,]", text) if part.strip()]


def _whole(text: str) -> int | str:
    text = text.strip()
    return int(text) if re.fullmatch(r"-?\d{1,9}", text) else text


def wire_body(campaign_arn: str, ranking: bool, q: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The form's fields -> (operation, wire body) as boto3 would send them."""
    body: dict[str, Any] = {"campaignArn": campaign_arn}
    if q.get("userId", "").strip():
        body["userId"] = q["userId"].strip()
    if q.get("filterArn"):
        body["filterArn"] = q["filterArn"]
        values = pairs(q.get("filterValues", ""), "Filter values")
        if values:
            body["filterValues"] = values
    context = pairs(q.get("context", ""), "Context")
    if context:
        body["context"] = context
    if ranking:
        body["inputList"] = id_list(q.get("inputList", ""))
        return "GetPersonalizedRanking", body
    if q.get("itemId", "").strip():
        body["itemId"] = q["itemId"].strip()
    if q.get("numResults", "").strip():
        body["numResults"] = _whole(q["numResults"])
    if any(q.get(k, "").strip() for k in ("promoName", "promoFilterArn")):
        promo: dict[str, Any] = {"name": q.get("promoName", "").strip(),
                                 "percentPromotedItems": _whole(q.get("promoPercent", "") or "10"),
                                 "filterArn": q.get("promoFilterArn", "")}
        values = pairs(q.get("promoFilterValues", ""), "Promotion filter values")
        if values:
            promo["filterValues"] = values
        body["promotions"] = [promo]
    return "GetRecommendations", body


def item_metadata(ctx: Context, group_arn: str | None) -> Any:
    """The serving layer's cached item metadata of the group (reloaded after PutItems / a new import), or None."""
    if not group_arn:
        return None
    try:
        from ..serving.items import item_columns

        columns = item_columns(ctx, group_arn)
    except Exception:  # noqa: BLE001 - metadata that cannot load leaves the answer without its columns
        return None
    return columns if columns.names() else None


def metadata_of(columns: Any, item_id: str) -> list[Any]:
    if columns is None:
        return []
    return [columns.column(name).get(item_id) for name in columns.names()]


def user_history(ctx: Context, group_arn: str | None, user_id: str, limit: int = HISTORY_ROWS) -> list[dict[str, Any]]:
    """The user's newest interactions (bulk import and PutEvents), newest first, from the serving layer's per-user
    histories (read only: the same arrays the recommenders read)."""
    if not group_arn or not user_id:
        return []
    from ..serving.histories import group_histories

    group = group_histories(ctx, group_arn)
    rows = group.users.get(user_id)
    if rows is None or len(rows.codes) == 0:
        return []
    import numpy as np

    latest = np.arange(len(rows.codes))[::-1]  # newest arrival first, so that equal times keep that order
    order = latest[np.argsort(-rows.timestamps[latest], kind="stable")][:limit]
    return [{"item_id": group.item_list[int(rows.codes[pos])], "event_type": group.type_list[int(rows.types[pos])],
             "timestamp": float(rows.timestamps[pos])} for pos in order]


def score_text(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else ""


def filters_of(ctx: Context, group_arn: str | None) -> list[dict[str, Any]]:
    if not group_arn:
        return []
    out = []
    for f in ctx.store.list("filter", dataset_group_arn=group_arn):
        expression = f.get("filter_expression") or ""
        out.append({"arn": f["arn"], "name": f.get("name"), "expression": expression, "status": f.get("status"),
                    "params": sorted(set(_PLACEHOLDER.findall(expression)))})
    return out


def submitted(req: Request) -> bool:
    return any(k in req.query for k in FIELDS)


def run(ctx: Context, record: Record, q: dict[str, str]) -> dict[str, Any]:
    """Answer the form: {operation, body, error: (name, message) | None, rows, recommendation_id}."""
    name, kind = recipe_of(ctx, record)
    ranking = kind == "PERSONALIZED_RANKING" or name.startswith("aws-personalized-ranking")
    group_arn = group_of(ctx, record)
    out: dict[str, Any] = {"error": None, "rows": [], "recommendation_id": None, "body": None}
    try:
        operation, body = wire_body(record["arn"], ranking, q)
    except FormError as exc:
        out["error"] = ("Form", str(exc))
        return out
    out.update(operation=operation, body=body)
    status, payload = invoke_runtime(ctx, operation, body)
    if status != 200:
        out["error"] = (payload.get("__type") or f"HTTP {status}", payload.get("message") or "")
        return out
    columns = item_metadata(ctx, group_arn)
    listed = payload.get("personalizedRanking" if ranking else "itemList") or []
    out["recommendation_id"] = payload.get("recommendationId")
    out["rows"] = [{"rank": n, "item_id": entry.get("itemId"), "score": entry.get("score"),
                    "score_text": score_text(entry.get("score")), "promotion": entry.get("promotionName"),
                    "metadata": metadata_of(columns, entry.get("itemId"))}
                   for n, entry in enumerate(listed, 1)]
    return out


def tryit_panel(req: Request, ctx: Context, record: Record) -> str:
    """The Try it panel of a campaign page."""
    if record.get("status") != "ACTIVE":
        return render("tryit.html", active=False, record=record)
    name, kind = recipe_of(ctx, record)
    ranking = kind == "PERSONALIZED_RANKING" or name.startswith("aws-personalized-ranking")
    values = {k: req.arg(k) for k in FIELDS}
    values["promoPercent"] = values["promoPercent"] or "20"
    group_arn = group_of(ctx, record)
    answer = run(ctx, record, values) if submitted(req) else None
    columns = item_metadata(ctx, group_arn) if answer else None
    user_id = values["userId"].strip()
    history = []
    if answer is not None and user_id:
        try:
            history = user_history(ctx, group_arn, user_id)
        except Exception:  # noqa: BLE001 - histories that cannot load: the answer above says why
            history = []
        for h in history:
            h["metadata"] = metadata_of(columns, h["item_id"])
    filters = filters_of(ctx, group_arn)
    chosen = next((f for f in filters if f["arn"] == values["filterArn"]), None)
    return render("tryit.html", active=True, record=record, recipe=name, kind=kind, ranking=ranking,
                  values=values, answer=answer, history=history, filters=filters, chosen=chosen,
                  columns=columns.names() if columns is not None else [], action=resource_url(record["arn"]))
