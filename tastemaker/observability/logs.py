"""Structured log lines on the stdlib logging: plain `key=value` text by default, JSON lines on request.

Every line of a request or a job transition carries its fields as record attributes (so the JSON formatter writes
them as top-level keys) and lists their names in `_fields` (so the text formatter appends them in order)."""
from __future__ import annotations

import logging
import sys
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.orjson import OrjsonFormatter

requests_log = logging.getLogger("tastemaker.requests")
jobs_log = logging.getLogger("tastemaker.jobs.transitions")

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
PROBES = ("Health", "Ready", "Metrics")  # scraped every few seconds: logged at DEBUG unless they fail


class TextFormatter(logging.Formatter):
    """The usual text line, then the record's structured fields as `key=value` (values with spaces quoted)."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        names = getattr(record, "_fields", ())
        if not names:
            return line
        return line + " " + " ".join(f"{name}={_text(getattr(record, name, None))}" for name in names)


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value else "0"
    text = str(value)
    return '"' + text.replace('"', '\\"').replace("\n", " ") + '"' if (" " in text or '"' in text or not text) \
        else text


def json_formatter() -> logging.Formatter:
    return OrjsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                           rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                           reserved_attrs=[*RESERVED_ATTRS, "_fields", "color_message"])  # uvicorn's ANSI copy


def configure_logging(log_format: str = "text", level: str | int = "INFO") -> logging.Handler:
    """One stderr handler on the root logger with the text or JSON formatter (replacing earlier handlers)."""
    if log_format not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {log_format!r}")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter() if log_format == "json" else TextFormatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    return handler


def emit(logger: logging.Logger, level: int, event: str, **fields: Any) -> None:
    if logger.isEnabledFor(level):
        logger.log(level, event, extra={**fields, "_fields": tuple(fields)})


def log_request(*, operation: str, service: str, status: int, error_code: str | None, ms: float,
                request_id: str) -> None:
    """One line per request: INFO; a 5xx at ERROR; health, readiness and metrics probes at DEBUG unless they fail."""
    if status >= 500:
        level = logging.ERROR if operation not in PROBES else logging.WARNING
    elif operation in PROBES:
        level = logging.DEBUG
    else:
        level = logging.INFO
    emit(requests_log, level, "request", operation=operation, status=status, error_code=error_code or None,
         ms=round(ms, 3), request_id=request_id, service=service)


def log_job(*, job_id: int, kind: str, arn: str, status: str, seconds: float | None,
            reason: str | None = None) -> None:
    """One line per job transition: INFO; FAILED at WARNING."""
    level = logging.WARNING if status == "FAILED" else logging.INFO
    emit(jobs_log, level, "job", job_id=job_id, job_kind=kind, arn=arn, status=status,
         seconds=None if seconds is None else round(seconds, 3), reason=reason)
