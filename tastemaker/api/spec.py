"""botocore's service models for personalize, personalize-runtime and personalize-events, loaded once."""
from __future__ import annotations

from functools import cache

import botocore.session
from botocore.model import OperationModel, ServiceModel

SERVICES = ("personalize", "personalize-runtime", "personalize-events")
CONTROL_TARGET_PREFIX = "AmazonPersonalize"


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def service_model(name: str) -> ServiceModel:
    return _session().get_service_model(name)


@cache
def paginators(name: str) -> dict:
    try:
        return _session().get_paginator_model(name)._paginator_config
    except Exception:  # a service without a paginators file
        return {}


def all_operations() -> list[tuple[str, OperationModel]]:
    """Every (service name, operation model) pair of the three services."""
    return [
        (svc, service_model(svc).operation_model(op))
        for svc in SERVICES
        for op in service_model(svc).operation_names
    ]
