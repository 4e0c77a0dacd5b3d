"""Console pages: an overview of every dataset group and what hangs off it, and one page per resource."""
from __future__ import annotations

import datetime as dt
import json
from html import escape
from typing import Any
from urllib.parse import quote

from .. import __version__

Record = dict[str, Any]
KINDS = ("dataset_group", "schema", "dataset", "dataset_import_job", "dataset_export_job", "solution",
         "solution_version", "campaign", "filter", "event_tracker", "batch_inference_job", "batch_segment_job",
         "recommender", "metric_attribution", "data_deletion_job")
STYLE = """body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.5em}
h2{margin-top:2em;border-bottom:1px solid #ccc}table{border-collapse:collapse;margin:.5em 0 1em}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f4f4f4}
.ACTIVE{color:#070}.FAILED{color:#b00}.PROGRESS{color:#a60}code{font-size:12px}"""


def render(ctx: Any, path: str) -> tuple[int, str]:
    """(HTTP status, HTML) for a GET under /console."""
    if path.rstrip("/") == "/console":
        return 200, _page("Tastemaker console", overview(ctx))
    if path.startswith("/console/resource/"):
        arn = path[len("/console/resource/"):]
        found = _find(ctx, arn)
        if found is None:
            return 404, _page("Not found", f"<p>No resource with ARN <code>{escape(arn)}</code>.</p>")
        kind, record = found
        return 200, _page(f"{kind.replace('_', ' ')} {record.get('name', '')}", detail(ctx, record))
    return 404, _page("Not found", f"<p>No console page at <code>{escape(path)}</code>.</p>")


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><p><a href='/console'>Tastemaker {__version__}</a></p>"
            f"<h1>{escape(title)}</h1>{body}</body></html>")


def _find(ctx: Any, arn: str) -> tuple[str, Record] | None:
    for kind in KINDS:
        record = ctx.store.find(kind, arn)
        if record is not None:
            return kind, record
    return None


def _time(value: Any) -> str:
    if not isinstance(value, (int, float)):
        return ""
    return dt.datetime.fromtimestamp(value, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _status(record: Record) -> str:
    status = str(record.get("status", ""))
    css = "ACTIVE" if status == "ACTIVE" else "FAILED" if "FAILED" in status else "PROGRESS"
    reason = record.get("failure_reason")
    extra = f"<br><small>{escape(str(reason))}</small>" if reason else ""
    return f"<span class='{css}'>{escape(status)}</span>{extra}"


def _link(record: Record) -> str:
    return f"<a href='/console/resource/{quote(record['arn'], safe=':/')}'>{escape(str(record.get('name', '')))}</a>"


def table(rows: list[Record], columns: dict[str, Any]) -> str:
    """An HTML table; `columns` maps a heading to a function of the record giving trusted HTML."""
    if not rows:
        return "<p><em>none</em></p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in columns)
    body = "".join("<tr>" + "".join(f"<td>{fn(r)}</td>" for fn in columns.values()) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _metrics(version: Record) -> str:
    metrics = version.get("metrics") or {}
    return "<br>".join(f"{escape(k)}: {v:.4f}" for k, v in sorted(metrics.items()) if isinstance(v, (int, float)))


def group_section(ctx: Any, group: Record) -> str:
    """One dataset group: datasets with their imports, solutions with versions, campaigns, filters, trackers."""
    arn, store = group["arn"], ctx.store
    datasets = store.list("dataset", dataset_group_arn=arn)
    imports = [j for d in datasets for j in store.list("dataset_import_job", dataset_arn=d["arn"])]
    solutions = store.list("solution", dataset_group_arn=arn)
    versions = [v for s in solutions for v in store.list("solution_version", solution_arn=s["arn"])]
    campaigns = [c for s in solutions for c in store.list("campaign", solution_arn=s["arn"])]
    exports = [j for d in datasets for j in store.list("dataset_export_job", dataset_arn=d["arn"])]
    batches = [j for v in versions for j in store.list("batch_inference_job", solution_version_arn=v["arn"])]
    common = {"name": _link, "status": _status, "created": lambda r: _time(r.get("creation_date_time"))}
    text = lambda key: lambda r: escape(str(r.get(key) or ""))  # noqa: E731
    parts = [
        f"<h2>Dataset group {_link(group)}</h2><p>{_status(group)} &middot; <code>{escape(arn)}</code></p>",
        "<h3>Datasets</h3>" + table(datasets, {**common, "type": text("dataset_type")}),
        "<h3>Import jobs</h3>" + table(imports, {**common, "source": lambda r: escape(
            str((r.get("data_source") or {}).get("data_location", ""))), "mode": text("import_mode")}),
        "<h3>Solutions</h3>" + table(solutions, {**common, "recipe": text("recipe_arn")}),
        "<h3>Solution versions</h3>" + table(versions, {**common, "training": text("training_mode"),
                                                        "metrics": _metrics}),
        "<h3>Export jobs</h3>" + table(exports, {**common, "destination": lambda r: escape(
            str(((r.get("job_output") or {}).get("s3_data_destination") or {}).get("path", "")))}),
        "<h3>Campaigns</h3>" + table(campaigns, {**common, "solution version": text("solution_version_arn")}),
        "<h3>Batch inference jobs</h3>" + table(batches, {**common, "solution version": text("solution_version_arn")}),
        "<h3>Filters</h3>" + table(store.list("filter", dataset_group_arn=arn),
                                   {**common, "expression": text("filter_expression")}),
        "<h3>Event trackers</h3>" + table(store.list("event_tracker", dataset_group_arn=arn),
                                          {**common, "tracking id": text("tracking_id")}),
    ]
    return "".join(parts)


def overview(ctx: Any) -> str:
    groups = ctx.store.list("dataset_group")
    if not groups:
        return "<p>No dataset groups yet. Create one with boto3, the AWS CLI or <code>tastemaker quickstart</code>.</p>"
    schemas = table(ctx.store.list("schema"), {"name": _link, "created": lambda r: _time(r.get("creation_date_time")),
                                               "domain": lambda r: escape(str(r.get("domain") or ""))})
    return "".join(group_section(ctx, g) for g in groups) + "<h2>Schemas</h2>" + schemas


def detail(ctx: Any, record: Record) -> str:
    """Every field of one resource, and its tags."""
    rows = []
    for key, value in record.items():
        shown = _time(value) if key.endswith("date_time") else value
        if isinstance(shown, (dict, list)):
            shown = json.dumps(shown, indent=1, sort_keys=True)
        rows.append(f"<tr><th>{escape(key)}</th><td><code>{escape(str(shown))}</code></td></tr>")
    tags = ctx.store.get_tags(record["arn"])
    tag_rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in sorted(tags.items()))
    return f"<table>{''.join(rows)}</table><h2>Tags</h2>" + (f"<table>{tag_rows}</table>" if tags else "<p>none</p>")
