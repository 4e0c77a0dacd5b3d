"""Events: an event tracker's page shows its dataset group's newest events as they arrive (polled from
/console/api/events), events per minute over the last hour, totals, and the effect on one user: their newest
events beside a campaign's current recommendations for them (through the runtime API's own request cycle)."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .lookup import Record, find, region_of
from .templating import render, resource_url
from .tryit import invoke_runtime, item_metadata, metadata_of, recipe_of, score_text
from .web import Reply, Request, json_reply

if TYPE_CHECKING:
    from ..context import Context

ROWS = 50
USER_ROWS = 10
RECOMMENDATIONS = 10
MINUTES = 60


def _event(row: Record) -> dict[str, Any]:
    return {"id": int(row["id"]), "timestamp": float(row["timestamp"]), "userId": row.get("user_id"),
            "sessionId": row.get("session_id"), "itemId": row.get("item_id"), "eventType": row.get("event_type"),
            "eventValue": row.get("event_value"), "eventId": row.get("event_id"),
            "recommendationId": row.get("recommendation_id")}


def per_minute(times: list[float], now: float) -> dict[str, Any]:
    """Counts in each of the last 60 whole minutes (UTC), the current one last: {start, labels, counts}."""
    start = (int(now) // 60 - (MINUTES - 1)) * 60
    counts = [0] * MINUTES
    for t in times:
        slot = int((t - start) // 60)
        if 0 <= slot < MINUTES:
            counts[slot] += 1
    labels = [time.strftime("%H:%M", time.gmtime(start + 60 * i)) for i in range(MINUTES)]
    return {"start": start, "labels": labels, "counts": counts}


def stats(ctx: Context, group_arn: str, now: float) -> dict[str, Any]:
    """Events per minute over the last hour and totals (today UTC, last hour), from the events' sentAt."""
    times = ctx.store.event_times(group_arn, now - 3600)  # polled every 2 s: the last hour only, counted today
    return {"minutes": per_minute(times, now),
            "totals": {"today": ctx.store.count_events(group_arn, now // 86400 * 86400),
                       "hour": sum(1 for t in times if t <= now + 60)}}


def campaigns_of(ctx: Context, group_arn: str) -> list[dict[str, Any]]:
    """The group's ACTIVE campaigns that recommend from a user (or their newest item): not rankings."""
    out = []
    for solution in ctx.store.list("solution", dataset_group_arn=group_arn):
        for campaign in ctx.store.list("campaign", solution_arn=solution["arn"]):
            if campaign.get("status") != "ACTIVE":
                continue
            name, kind = recipe_of(ctx, campaign)
            if kind == "PERSONALIZED_RANKING" or name.startswith("aws-personalized-ranking"):
                continue
            out.append({"arn": campaign["arn"], "name": campaign.get("name"), "recipe": name, "kind": kind})
    out.sort(key=lambda c: (c["kind"] != "USER_PERSONALIZATION", c["name"] or ""))
    return out


def effect(ctx: Context, group_arn: str, user_id: str, campaign: dict[str, Any] | None) -> dict[str, Any]:
    """The user's newest events and the campaign's recommendations for them now (GetRecommendations on the wire;
    a related-items campaign is asked about the user's newest item)."""
    events = sorted((_event(r) for r in ctx.store.recent_events(group_arn, limit=USER_ROWS, user_id=user_id)),
                    key=lambda e: (-e["timestamp"], -e["id"])) if user_id else []
    out: dict[str, Any] = {"userId": user_id, "events": events, "campaignArn": campaign and campaign["arn"],
                           "items": [], "error": None, "recommendationId": None, "columns": []}
    if not user_id or campaign is None:
        return out
    body: dict[str, Any] = {"campaignArn": campaign["arn"], "numResults": RECOMMENDATIONS}
    if campaign["kind"] == "RELATED_ITEMS":
        if not events:
            out["error"] = ["Note", f"{campaign['name']} recommends items like one item: {user_id} has no events."]
            return out
        body["itemId"] = events[0]["itemId"]
    else:
        body["userId"] = user_id
    status, payload = invoke_runtime(ctx, "GetRecommendations", body)
    if status != 200:
        out["error"] = [payload.get("__type") or f"HTTP {status}", payload.get("message") or ""]
        return out
    columns = item_metadata(ctx, group_arn)
    names = columns.names() if columns is not None else []
    out["columns"] = names
    out["recommendationId"] = payload.get("recommendationId")
    out["items"] = [{"itemId": e.get("itemId"), "score": e.get("score"), "scoreText": score_text(e.get("score")),
                     "metadata": [None if v is None else str(v) for v in metadata_of(columns, e.get("itemId"))]}
                    for e in payload.get("itemList") or []]
    for e in events:
        e["metadata"] = [None if v is None else str(v) for v in metadata_of(columns, e["itemId"])]
    return out


def snapshot(ctx: Context, tracker: Record, *, after: int = 0, user_id: str | None = None,
             campaign_arn: str | None = None, now: float | None = None) -> dict[str, Any]:
    """What the panel shows, as JSON: events stored after event id `after` (of the 50 stored last; newest sentAt
    first), the last event id, per-minute counts, totals and the effect on the user (default: the newest event's user)."""
    now = time.time() if now is None else now
    group_arn = tracker["dataset_group_arn"]
    recent = [_event(r) for r in ctx.store.recent_events(group_arn, limit=ROWS)]  # the newest stored
    newer = sorted((e for e in recent if e["id"] > after), key=lambda e: (-e["timestamp"], -e["id"]))
    campaigns = campaigns_of(ctx, group_arn)
    campaign = next((c for c in campaigns if c["arn"] == campaign_arn), None) if campaign_arn else None
    if campaign is None and not campaign_arn and campaigns:
        campaign = campaigns[0]
    user = user_id if user_id else (recent[0]["userId"] if recent else "")
    return {"events": newer, "lastId": max([after, *(e["id"] for e in recent)]), **stats(ctx, group_arn, now),
            "effect": effect(ctx, group_arn, user or "", campaign), "campaigns": campaigns}


def events_panel(req: Request, ctx: Context, record: Record) -> str:
    """The live events panel of an event tracker's page."""
    data = snapshot(ctx, record, user_id=req.arg("user").strip() or None, campaign_arn=req.arg("campaign") or None)
    chart = {"type": "bar", "data": {"labels": data["minutes"]["labels"],
                                     "datasets": [{"label": "events", "data": data["minutes"]["counts"]}]},
             "options": {"scales": {"y": {"beginAtZero": True, "ticks": {"precision": 0}}}}}
    query = {"tracker": record["arn"], "user": data["effect"]["userId"] or ""}
    if data["effect"]["campaignArn"]:
        query["campaign"] = data["effect"]["campaignArn"]
    return render("events.html", record=record, data=data, chart=chart, action=resource_url(record["arn"]),
                  api="/console/api/events?" + urlencode(query),
                  initial=[i["itemId"] for i in data["effect"]["items"]])


def events_api(req: Request) -> Reply:
    """GET /console/api/events?tracker=ARN&after=ID[&user=U&campaign=ARN]: the panel's poll."""
    arn = req.arg("tracker")
    ctx = req.context(region_of(arn))
    found = find(ctx, arn) if arn else None
    if found is None or found[0] != "event_tracker":
        return json_reply({"__type": "ResourceNotFoundException", "message": f"No event tracker {arn}."}, 404)
    try:
        after = max(0, int(req.arg("after", "0") or 0))
    except ValueError:
        return json_reply({"__type": "InvalidInputException", "message": "after must be an event id."}, 400)
    return json_reply(snapshot(ctx, found[1], after=after, user_id=req.arg("user").strip() or None,
                               campaign_arn=req.arg("campaign") or None))
