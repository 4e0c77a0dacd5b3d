"""Build and read Personalize ARNs (spec §3.1)."""
from __future__ import annotations

import secrets

from ..errors import InvalidInputException


def recipe_arn(name: str) -> str:
    return f"arn:aws:personalize:::recipe/{name}"


def algorithm_arn(name: str) -> str:
    return f"arn:aws:personalize:::algorithm/{name}"


def feature_transformation_arn(name: str) -> str:
    return f"arn:aws:personalize:::feature-transformation/{name}"


def hex_id() -> str:
    """The 8 lower-case hex digits of solution version and event tracker ARNs."""
    return secrets.token_hex(4)


def resource_path(arn: str) -> str:
    """`dataset-group/name` from `arn:aws:personalize:region:account:dataset-group/name`."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "personalize":
        raise InvalidInputException(f"Invalid ARN {arn!r}: expected arn:aws:personalize:<region>:<account>:<resource>.")
    return parts[5]


def resource_type(arn: str) -> str:
    return resource_path(arn).split("/", 1)[0]


def last_name(arn: str) -> str:
    return resource_path(arn).split("/", 1)[-1]


KIND_OF_TYPE = {
    "dataset-group": "dataset_group", "schema": "schema", "dataset": "dataset",
    "dataset-import-job": "dataset_import_job", "dataset-export-job": "dataset_export_job",
    "solution": "solution", "campaign": "campaign", "event-tracker": "event_tracker", "filter": "filter",
    "batch-inference-job": "batch_inference_job", "batch-segment-job": "batch_segment_job",
    "recommender": "recommender", "metric-attribution": "metric_attribution",
    "data-deletion-job": "data_deletion_job",
}
"""The stored kind of each resource type in an ARN."""


def kind_of_arn(arn: str) -> str | None:
    """The stored kind of the resource an ARN names ('solution/name/1a2b3c4d' is a solution version); None for
    an ARN of another service or type."""
    try:
        kind = KIND_OF_TYPE.get(resource_type(arn))
    except InvalidInputException:
        return None
    return "solution_version" if kind == "solution" and arn.count("/") == 2 else kind
