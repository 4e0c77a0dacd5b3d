"""A resource's page: what its Describe* operation answers (the API's field names), live progress, the
resources that hang off it, panels of its own kind (Try it, events, metrics, data insights) and its tags."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .columns import section
from .lookup import Record, describe, fields, find, group_arn_of, region_of
from .overview import group_page
from .progress import live
from .templating import LABELS, render, resource_url, short
from .web import Reply, Request, html

if TYPE_CHECKING:
    from ..context import Context

Panel = Callable[[Request, Any, Record], str]
"""A page part of one resource kind: (request, context, stored record) -> trusted HTML."""


def panels() -> dict[str, tuple[Panel, ...]]:
    """The panels of each kind, in page order (imported here so that each module stays on its own)."""
    from .compare import solution_panel, version_panel
    from .events_panel import events_panel
    from .insights import dataset_panel
    from .tryit import tryit_panel

    return {"campaign": (tryit_panel,), "event_tracker": (events_panel,), "dataset": (dataset_panel,),
            "solution": (solution_panel,), "solution_version": (version_panel,)}


def related(ctx: Context, kind: str, record: Record) -> list[dict[str, Any]]:
    """The lists of resources that hang off this one."""
    store, arn = ctx.store, record["arn"]
    if kind == "dataset":
        return [section("dataset_import_job", store.list("dataset_import_job", dataset_arn=arn)),
                section("dataset_export_job", store.list("dataset_export_job", dataset_arn=arn))]
    if kind == "solution":
        versions = store.list("solution_version", solution_arn=arn)
        extra = f'<a href="/console/compare?solution={quote(arn, safe=":/")}">compare versions</a>' if versions else ""
        return [section("solution_version", versions, extra),
                section("campaign", store.list("campaign", solution_arn=arn))]
    if kind == "solution_version":
        return [section("campaign", store.list("campaign", solution_version_arn=arn)),
                section("batch_inference_job", store.list("batch_inference_job", solution_version_arn=arn))]
    return []


def crumbs(ctx: Context, kind: str, record: Record) -> list[tuple[str, str | None]]:
    group_arn = group_arn_of(ctx, kind, record)
    group = ctx.store.find("dataset_group", group_arn) if group_arn else None
    trail: list[tuple[str, str | None]] = [(group["name"], resource_url(group["arn"]))] if group else []
    for key, parent in (("solution_arn", "solution"), ("dataset_arn", "dataset")):
        if record.get(key) and kind != parent:
            found = ctx.store.find(parent, record[key])
            if found:
                trail.append((found["name"], resource_url(found["arn"])))
    return [*trail, (record.get("name") or record.get("job_name") or short(record["arn"]), None)]


def resource_page(req: Request, arn: str) -> Reply:
    ctx = req.context(region_of(arn))
    found = find(ctx, arn)
    if found is None:
        return html(render("message.html", title="Not found", crumbs=[("Not found", None)], region=req.region,
                           account_id=req.account_id,
                           message=f"No resource with ARN {arn} in this account."), 404)
    kind, record = found
    if kind == "dataset_group":
        return group_page(req, ctx, record)
    lists = related(ctx, kind, record)
    states = live(ctx, [record, *(r for s in lists for r in s["rows"])])
    extras = [panel(req, ctx, record) for panel in panels().get(kind, ())]
    title = record.get("name") or record.get("job_name") or short(arn)
    return html(render("resource.html", title=title, crumbs=crumbs(ctx, kind, record), region=ctx.region,
                       account_id=req.account_id, kind=kind, record=record, states=states, sections=lists,
                       extras=extras, fields=fields(describe(ctx, kind, arn) or {}),
                       tags=sorted(ctx.store.get_tags(arn).items()), LABELS=LABELS))
