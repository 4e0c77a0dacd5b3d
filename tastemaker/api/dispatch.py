"""Operation -> handler named xform_name(op); parse, validate, call, page, serialize; errors -> AWS shapes."""
from __future__ import annotations

import importlib
import logging
import pkgutil
from functools import cache
from typing import TYPE_CHECKING, Any, Callable

import orjson
from botocore import xform_name
from botocore.model import OperationModel

from ..errors import InvalidInputException, ServiceError
from . import codec, pagination
from .spec import service_model
from .validation import drop_unknown, validate

if TYPE_CHECKING:
    from ..context import Context

log = logging.getLogger(__name__)

HANDLER_PACKAGES = ("tastemaker.control",)
HANDLER_MODULES = ("tastemaker.runtime", "tastemaker.events")

# Operations we answer with a clear "not supported yet" error, and why.
UNSUPPORTED: dict[str, str] = {
    **{op: "recommenders (domain dataset groups and domain recipes) are not offered; use a custom solution "
           "and a campaign" for op in ("CreateRecommender", "DescribeRecommender", "ListRecommenders",
                                       "UpdateRecommender", "DeleteRecommender", "StartRecommender",
                                       "StopRecommender")},
    **{op: "metric attributions are not implemented" for op in (
        "CreateMetricAttribution", "DescribeMetricAttribution", "ListMetricAttributions",
        "ListMetricAttributionMetrics", "UpdateMetricAttribution", "DeleteMetricAttribution")},
    **{op: "actions and action interactions datasets (Next-Best-Action) are not supported yet" for op in (
        "GetActionRecommendations", "PutActions", "PutActionInteractions")},
    "CreateBatchSegmentJob": "user segmentation needs the aws-item-affinity / aws-item-attribute-affinity recipes, "
                             "which Tastemaker does not offer yet",
}


def _modules() -> list[Any]:
    mods = []
    for pkg_name in HANDLER_PACKAGES:
        pkg = importlib.import_module(pkg_name)
        for info in pkgutil.iter_modules(pkg.__path__):
            if not info.name.startswith("_"):
                mods.append(importlib.import_module(f"{pkg_name}.{info.name}"))
    for mod_name in HANDLER_MODULES:
        try:
            mods.append(importlib.import_module(mod_name))
        except ModuleNotFoundError as exc:
            if exc.name != mod_name:
                raise
    return mods


@cache
def handlers() -> dict[str, Callable[..., Any]]:
    """Map of operation name -> handler function, found by snake_case name in the handler modules."""
    by_snake = {}
    for mod in _modules():
        for name, fn in vars(mod).items():
            if callable(fn) and getattr(fn, "__module__", None) == mod.__name__:
                by_snake[name] = fn
    found = {}
    for svc in ("personalize", "personalize-runtime", "personalize-events"):
        for op in service_model(svc).operation_names:
            fn = by_snake.get(xform_name(op))
            if fn is not None and op not in UNSUPPORTED:
                found[op] = fn
    return found


def not_supported(op_name: str) -> InvalidInputException:
    reason = UNSUPPORTED.get(op_name, "")
    return InvalidInputException(
        f"{op_name} is not supported yet by Tastemaker" + (f": {reason}" if reason else ".")
    )


def parse_request(op: OperationModel, body: bytes) -> dict[str, Any]:
    """Wire body -> validated snake_case keyword arguments."""
    try:
        raw = orjson.loads(body) if body.strip() else {}
    except orjson.JSONDecodeError as exc:
        raise InvalidInputException(f"The request body is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise InvalidInputException("The request body must be a JSON object.")
    raw = drop_unknown(op.input_shape, raw)
    validate(op.input_shape, raw)
    return codec.parse(op.input_shape, raw) or {}


def call(ctx: Context, op: OperationModel, params: dict[str, Any]) -> dict[str, Any]:
    """Run the handler of `op` and return the wire-shaped (camelCase) result."""
    fn = handlers().get(op.name)
    if fn is None:
        raise not_supported(op.name)
    listed = pagination.list_member(op)
    if listed:
        token, limit = params.pop("next_token", None), params.pop("max_results", None)
        result = fn(ctx, **params)
        key = xform_name(listed)
        items, next_token = pagination.page(op, list(result.get(key) or []), token, limit)
        result = {**result, key: items, "next_token": next_token}
    else:
        result = fn(ctx, **params)
    return codec.serialize(op.output_shape, result) or {}


def error_status(service: str, code: str) -> int:
    model = service_model(service)
    for shape in model.error_shapes:
        if shape.name == code:
            return shape.metadata.get("error", {}).get("httpStatusCode", 400)
    return 400


def invoke(ctx: Context, service: str, op: OperationModel, body: bytes) -> tuple[int, dict[str, Any]]:
    """Whole request cycle; returns (HTTP status, wire body). Never lets an exception escape."""
    try:
        return 200, call(ctx, op, parse_request(op, body))
    except ServiceError as exc:
        return error_status(service, exc.code), {"__type": exc.code, "message": exc.message}
    except Exception:
        log.exception("unexpected failure in %s", op.name)
        return 500, {"__type": "InternalFailure", "message": f"Tastemaker failed to process {op.name}; see the server log."}
