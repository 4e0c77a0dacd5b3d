"""The console's overview (every dataset group with its counts, and what runs now) and a dataset group's page
(its counts, a setup checklist and everything in it)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .columns import section
from .counts import group_counts
from .lookup import Record, describe, fields, group_resources
from .progress import is_running, live
from .templating import render, resource_url
from .web import Reply, Request, html

if TYPE_CHECKING:
    from ..context import Context


def overview(req: Request) -> Reply:
    ctx = req.context(req.region)
    groups, running, every = [], [], []
    for group in ctx.store.list("dataset_group"):
        found = group_resources(ctx, group["arn"])
        groups.append({"record": group, "counts": group_counts(ctx, group["arn"], found["dataset"]),
                       "solutions": len(found["solution"]), "campaigns": len(found["campaign"])})
        every.append(group)
        for kind, rows in found.items():
            running += [(kind, r) for r in rows if is_running(r.get("status"))]
            every += [r for r in rows if is_running(r.get("status"))]
    regions = [] if groups else other_regions(req)
    return html(render("overview.html", title="Dataset groups", crumbs=None, region=req.region,
                       account_id=req.account_id, groups=groups, running=running, states=live(ctx, every),
                       schemas=ctx.store.list("schema"), regions=regions))


def other_regions(req: Request) -> list[str]:
    """Regions where this account has dataset groups (shown when the chosen one has none)."""
    ctx = req.context(req.region)
    inner = getattr(ctx.store, "inner", None)
    if inner is None:
        return []
    prefix = f":{req.account_id or ctx.account_id}:"
    return sorted({g["arn"].split(":")[3] for g in inner.list("dataset_group") if prefix in g["arn"]} - {req.region})


def checklist(group: Record, found: dict[str, list[Record]]) -> list[dict[str, Any]]:
    """Personalize's setup steps for a custom dataset group, each done or not, linked to where it was done."""
    def first(kind: str, **match: Any) -> Record | None:
        return next((r for r in found[kind] if all(r.get(k) == v for k, v in match.items())), None)

    def step(title: str, record: Record | None, todo: str, optional: bool = False, text: str | None = None) -> dict:
        return {"title": title, "done": record is not None, "optional": optional,
                "text": (text or record.get("name") or record.get("job_name") or record["arn"]) if record else todo,
                "href": resource_url(record["arn"]) if record else None}

    interactions = first("dataset", dataset_type="INTERACTIONS")
    imported = next((j for j in found["dataset_import_job"] if j.get("status") == "ACTIVE"
                     and interactions and j.get("dataset_arn") == interactions["arn"]), None)
    items = first("dataset", dataset_type="ITEMS")
    users = first("dataset", dataset_type="USERS")
    trained = first("solution_version", status="ACTIVE")
    return [
        step("Interactions dataset", interactions, "CreateSchema, then CreateDataset with datasetType Interactions"),
        step("Import interactions", imported, "CreateDatasetImportJob from a CSV file (s3:// or a local path)"),
        step("Items dataset", items, "item metadata (GENRE, YEAR…) for filters, cold items and the Try-it panel",
             optional=True),
        step("Users dataset", users, "user metadata for new users and filters", optional=True),
        step("Solution", first("solution"), "CreateSolution with a recipe"),
        step("Trained solution version", trained, "CreateSolutionVersion, then read its metrics"),
        step("Campaign", first("campaign", status="ACTIVE") or first("campaign"),
             "CreateCampaign on a solution version to call GetRecommendations"),
        step("Event tracker", first("event_tracker"), "CreateEventTracker to stream PutEvents", optional=True),
        step("Filter", first("filter"), "CreateFilter to include or exclude items", optional=True),
    ]


def group_page(req: Request, ctx: Context, record: Record) -> Reply:
    found = group_resources(ctx, record["arn"])
    every = [record, *(r for rows in found.values() for r in rows)]
    compare = f'<a href="/console/compare?group={quote(record["arn"], safe=":/")}">compare versions</a>'
    sections = [
        section("dataset", found["dataset"]), section("dataset_import_job", found["dataset_import_job"]),
        section("solution", found["solution"]),
        section("solution_version", found["solution_version"], compare if found["solution_version"] else ""),
        section("campaign", found["campaign"]), section("filter", found["filter"]),
        section("event_tracker", found["event_tracker"]),
        section("batch_inference_job", found["batch_inference_job"]),
        section("dataset_export_job", found["dataset_export_job"]),
        section("data_deletion_job", found["data_deletion_job"]),
    ]
    sections += [section(k, found[k]) for k in ("batch_segment_job", "recommender") if found[k]]
    return html(render("group.html", title=record["name"], crumbs=[(record["name"], None)], region=ctx.region,
                       account_id=req.account_id, record=record, counts=group_counts(ctx, record["arn"],
                                                                                     found["dataset"]),
                       checklist=checklist(record, found), sections=sections, states=live(ctx, every),
                       fields=fields(describe(ctx, "dataset_group", record["arn"])),
                       tags=sorted(ctx.store.get_tags(record["arn"]).items())))
