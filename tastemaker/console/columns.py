"""Table columns of the console's resource lists: (heading, record -> text or Markup)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

from .templating import number, resource_url, short

Column = tuple[str, Callable[[dict[str, Any]], Any]]


def link(arn: str | None, text: str | None = None) -> Markup:
    if not arn:
        return Markup("")
    return Markup(f'<a href="{escape(resource_url(arn))}" title="{escape(arn)}">{escape(text or short(arn))}</a>')


def field(key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda r: number(r.get(key)) if r.get(key) is not None else ""


def linked(key: str, name: Callable[[str], str] | None = None) -> Callable[[dict[str, Any]], Markup]:
    return lambda r: link(r.get(key), name(r[key]) if name and r.get(key) else None)


def tail(arn: str) -> str:
    """'my-solution/1a2b3c4d' of a solution version ARN; the name of other ARNs."""
    return short(arn).split("/", 1)[-1]


def recipe(r: dict[str, Any]) -> Markup | str:
    arn = r.get("recipe_arn")
    return link(arn, arn.rsplit("/", 1)[-1]) if arn else ("AutoML" if r.get("perform_auto_ml") else "")


def metric(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda r: number((r.get("metrics") or {}).get(name))


def data_location(r: dict[str, Any]) -> str:
    return str((r.get("data_source") or {}).get("data_location", ""))


def destination(r: dict[str, Any]) -> str:
    return str(((r.get("job_output") or {}).get("s3_data_destination") or {}).get("path", ""))


DATASETS: list[Column] = [("Type", field("dataset_type")), ("Rows", field("data_rows")),
                          ("Schema", linked("schema_arn"))]
IMPORTS: list[Column] = [("Dataset", linked("dataset_arn", tail)), ("Source", data_location),
                         ("Mode", field("import_mode")), ("Records", field("records_imported"))]
EXPORTS: list[Column] = [("Dataset", linked("dataset_arn", tail)), ("Destination", destination),
                         ("Records", field("records_exported"))]
SOLUTIONS: list[Column] = [("Recipe", recipe), ("Event type", field("event_type"))]
VERSIONS: list[Column] = [("Solution", linked("solution_arn", tail)), ("Recipe", recipe),
                          ("Training", field("training_mode")), ("NDCG@10", metric("normalized_discounted_cumulative_gain_at_10")),
                          ("Precision@10", metric("precision_at_10")), ("Coverage", metric("coverage"))]
CAMPAIGNS: list[Column] = [("Solution version", linked("solution_version_arn", tail)),
                           ("Min TPS", field("min_provisioned_tps"))]
FILTERS: list[Column] = [("Expression", field("filter_expression"))]
TRACKERS: list[Column] = [("Tracking ID", field("tracking_id"))]
BATCH: list[Column] = [("Solution version", linked("solution_version_arn", tail)), ("Output", destination)]
DELETIONS: list[Column] = [("Users file", data_location), ("Deleted", field("num_deleted"))]
RECOMMENDERS: list[Column] = [("Recipe", recipe)]

COLUMNS: dict[str, list[Column]] = {
    "dataset": DATASETS, "dataset_import_job": IMPORTS, "dataset_export_job": EXPORTS, "solution": SOLUTIONS,
    "solution_version": VERSIONS, "campaign": CAMPAIGNS, "filter": FILTERS, "event_tracker": TRACKERS,
    "batch_inference_job": BATCH, "batch_segment_job": BATCH, "data_deletion_job": DELETIONS,
    "recommender": RECOMMENDERS,
}
TITLES = {
    "dataset": "Datasets", "dataset_import_job": "Dataset import jobs", "dataset_export_job": "Dataset export jobs",
    "solution": "Solutions", "solution_version": "Solution versions", "campaign": "Campaigns",
    "filter": "Filters", "event_tracker": "Event trackers", "batch_inference_job": "Batch inference jobs",
    "batch_segment_job": "Batch segment jobs", "data_deletion_job": "Data deletion jobs",
    "recommender": "Recommenders",
}


def section(kind: str, rows: list[dict[str, Any]], extra: str = "", empty: str = "None yet.") -> dict[str, Any]:
    """One titled resource list of a page."""
    return {"id": kind.replace("_", "-"), "title": TITLES[kind], "rows": rows, "columns": COLUMNS[kind],
            "extra": Markup(extra), "empty": empty}


