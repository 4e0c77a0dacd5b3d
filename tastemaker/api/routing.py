"""Map an HTTP request to (service, operation): X-Amz-Target for the control plane, else the REST path."""
from __future__ import annotations

from functools import cache, lru_cache

from botocore.model import OperationModel

from .spec import CONTROL_TARGET_PREFIX, service_model


@cache
def _rest_routes() -> dict[tuple[str, str], tuple[str, OperationModel]]:
    routes = {}
    for svc in ("personalize-runtime", "personalize-events"):
        model = service_model(svc)
        for name in model.operation_names:
            op = model.operation_model(name)
            routes[(op.http["method"], op.http["requestUri"])] = (svc, op)
    return routes


@lru_cache(maxsize=4096)  # the gate, the handler and the request log each ask: a request is routed once
def route(method: str, path: str, target: str | None) -> tuple[str, OperationModel] | None:
    """The operation a request addresses, or None when it addresses none."""
    if target:
        prefix, _, name = target.rpartition(".")
        if prefix != CONTROL_TARGET_PREFIX:
            return None
        model = service_model("personalize")
        if name not in model.operation_names:
            return None
        return "personalize", model.operation_model(name)
    return _rest_routes().get((method, path.rstrip("/") or "/"))
