"""Jinja2 templates of the console (autoescaped) and the filters they use to show times, durations and links."""
from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any
from urllib.parse import quote

import jinja2
import orjson

from .. import __version__

LABELS = {
    "dataset_group": "Dataset group", "schema": "Schema", "dataset": "Dataset",
    "dataset_import_job": "Dataset import job", "dataset_export_job": "Dataset export job",
    "solution": "Solution", "solution_version": "Solution version", "campaign": "Campaign", "filter": "Filter",
    "event_tracker": "Event tracker", "batch_inference_job": "Batch inference job",
    "batch_segment_job": "Batch segment job", "recommender": "Recommender",
    "metric_attribution": "Metric attribution", "data_deletion_job": "Data deletion job", "recipe": "Recipe",
    "algorithm": "Algorithm", "feature_transformation": "Feature transformation",
}


def resource_url(arn: str) -> str:
    return "/console/resource/" + quote(arn, safe=":/")


def when(value: Any) -> str:
    """Epoch seconds (or a datetime) -> '2026-12-08 04:30:12 UTC'."""
    if isinstance(value, dt.datetime):
        value = value.timestamp()
    if not isinstance(value, (int, float)):
        return ""
    return dt.datetime.fromtimestamp(value, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(seconds: Any) -> str:
    """12.3 -> '12 s', 75 -> '1 min 15 s', 4000 -> '1 h 6 min'."""
    if not isinstance(seconds, (int, float)) or seconds < 0:
        return ""
    s = round(seconds)
    if s < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s"
    return f"{s // 3600} h {s % 3600 // 60} min"


def status_class(status: Any) -> str:
    text = str(status or "")
    if text in ("ACTIVE", "COMPLETED"):
        return "ok"
    if "FAILED" in text:
        return "bad"
    if "STOP" in text or "DELETE" in text:
        return "muted"
    return "busy"


def short(arn: Any) -> str:
    """The part of an ARN after the account: 'solution/my-sol/1a2b3c4d'."""
    text = str(arn or "")
    return text.split(":", 5)[5] if text.count(":") >= 5 else text


def number(value: Any, digits: int = 4) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def to_json(value: Any) -> str:
    """JSON for a <script type="application/json"> block ('<' escaped so it cannot end the block)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode().replace("<", "\\u003c")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("tastemaker.console", "templates"),
                             autoescape=True, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters.update(when=when, duration=duration, status_class=status_class, resource_url=resource_url,
                       short=short, number=number, to_json=to_json, label=lambda kind: LABELS.get(kind, kind))
    env.globals.update(version=__version__, LABELS=LABELS)
    return env


def render(template: str, **values: Any) -> str:
    return environment().get_template(template).render(**values)
