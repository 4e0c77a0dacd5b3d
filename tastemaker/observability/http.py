"""Per request: one log line and the request metrics (called by tastemaker.api.app.handle)."""
from __future__ import annotations

from typing import Any

from .logs import log_request
from .metrics import metrics_of

_PATHS = {"": "Root", "/": "Root", "/health": "Health", "/ready": "Ready", "/metrics": "Metrics"}


def operation_of(method: str, path: str, headers: dict[str, str]) -> tuple[str, str]:
    """(service, operation) of a request: a Personalize API and operation name, or tastemaker and a name for its
    own paths (a fixed few, so an unknown path cannot grow the metrics' label sets)."""
    from ..api.routing import route

    found = route(method, path, headers.get("x-amz-target"))
    if found is not None:
        return found[0], found[1].name
    if path == "/console" or path.startswith("/console/"):
        return "tastemaker", "Console"
    return "tastemaker", _PATHS.get(path, "Unknown") if method in ("GET", "HEAD") else "Unknown"


def observe_request(service: Any, method: str, path: str, headers: dict[str, str], status: int,
                    out: dict[str, str], seconds: float) -> None:
    api, operation = operation_of(method, path, headers)
    metrics = metrics_of(service.base)
    metrics.requests.labels(api, operation, str(status)).inc()
    metrics.latency.labels(api, operation).observe(seconds)
    log_request(operation=operation, service=api, status=status, error_code=out.get("x-amzn-errortype"),
                ms=seconds * 1000, request_id=out.get("x-amzn-requestid", ""))
