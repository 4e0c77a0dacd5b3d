"""Find resources for the console: by ARN, by dataset group, and as the Describe* answer shows them (the API's
own field names: the console never shows internal keys)."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import orjson

from ..domain.arns import kind_of_arn

if TYPE_CHECKING:
    from ..context import Context

Record = dict[str, Any]
DESCRIBE = {  # kind -> (operation, its ARN member, the member of the answer that holds the resource)
    "dataset_group": ("DescribeDatasetGroup", "datasetGroupArn", "datasetGroup"),
    "schema": ("DescribeSchema", "schemaArn", "schema"),
    "dataset": ("DescribeDataset", "datasetArn", "dataset"),
    "dataset_import_job": ("DescribeDatasetImportJob", "datasetImportJobArn", "datasetImportJob"),
    "dataset_export_job": ("DescribeDatasetExportJob", "datasetExportJobArn", "datasetExportJob"),
    "solution": ("DescribeSolution", "solutionArn", "solution"),
    "solution_version": ("DescribeSolutionVersion", "solutionVersionArn", "solutionVersion"),
    "campaign": ("DescribeCampaign", "campaignArn", "campaign"),
    "filter": ("DescribeFilter", "filterArn", "filter"),
    "event_tracker": ("DescribeEventTracker", "eventTrackerArn", "eventTracker"),
    "batch_inference_job": ("DescribeBatchInferenceJob", "batchInferenceJobArn", "batchInferenceJob"),
    "batch_segment_job": ("DescribeBatchSegmentJob", "batchSegmentJobArn", "batchSegmentJob"),
    "recommender": ("DescribeRecommender", "recommenderArn", "recommender"),
    "metric_attribution": ("DescribeMetricAttribution", "metricAttributionArn", "metricAttribution"),
    "data_deletion_job": ("DescribeDataDeletionJob", "dataDeletionJobArn", "dataDeletionJob"),
    "recipe": ("DescribeRecipe", "recipeArn", "recipe"),
    "algorithm": ("DescribeAlgorithm", "algorithmArn", "algorithm"),
    "feature_transformation": ("DescribeFeatureTransformation", "featureTransformationArn", "featureTransformation"),
}
GLOBAL = {"recipe": "recipe", "algorithm": "algorithm", "feature-transformation": "feature_transformation"}
"""ARNs with no region or account (`arn:aws:personalize:::recipe/aws-sims`): Personalize's catalogue."""


def region_of(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return parts[3] or None if len(parts) == 6 and parts[0] == "arn" else None


def find(ctx: Context, arn: str) -> tuple[str, Record] | None:
    """(kind, stored record) of the resource with this ARN, or None. A recipe, algorithm or feature
    transformation ARN gives its catalogue entry (as DescribeRecipe… answers it)."""
    kind = GLOBAL.get(arn.split(":", 5)[-1].split("/", 1)[0]) if arn.startswith("arn:aws:personalize:::") else None
    if kind is not None:
        answer = describe(ctx, kind, arn)
        return (kind, {"arn": arn, "name": answer.get("name") or arn.rsplit("/", 1)[-1],
                       "status": answer.get("status")}) if answer else None
    kind = kind_of_arn(arn)
    record = ctx.store.find(kind, arn) if kind else None
    return (kind, record) if record is not None else None


def describe(ctx: Context, kind: str, arn: str) -> Record:
    """The resource as its Describe* operation answers it on the wire (camelCase), through the API's own code."""
    from ..api.dispatch import invoke
    from ..api.spec import service_model

    if kind not in DESCRIBE:
        return {}
    operation, member, key = DESCRIBE[kind]
    status, payload = invoke(ctx, "personalize", service_model("personalize").operation_model(operation),
                             orjson.dumps({member: arn}))
    return payload.get(key, {}) if status == 200 else {}


def group_arn_of(ctx: Context, kind: str, record: Record) -> str | None:
    """The dataset group a resource belongs to (None for schemas and what cannot be traced)."""
    if kind == "dataset_group":
        return record["arn"]
    if record.get("dataset_group_arn"):
        return record["dataset_group_arn"]
    for key, parent in (("dataset_arn", "dataset"), ("solution_arn", "solution"),
                        ("solution_version_arn", "solution_version"), ("campaign_arn", "campaign")):
        if record.get(key):
            found = ctx.store.find(parent, record[key])
            return group_arn_of(ctx, parent, found) if found else None
    return None


def group_resources(ctx: Context, group_arn: str) -> dict[str, list[Record]]:
    """Everything of one dataset group, by kind, oldest first."""
    store = ctx.store
    datasets = store.list("dataset", dataset_group_arn=group_arn)
    solutions = store.list("solution", dataset_group_arn=group_arn)
    versions = [v for s in solutions for v in store.list("solution_version", solution_arn=s["arn"])]
    return {
        "dataset": datasets,
        "dataset_import_job": [j for d in datasets for j in store.list("dataset_import_job", dataset_arn=d["arn"])],
        "dataset_export_job": [j for d in datasets for j in store.list("dataset_export_job", dataset_arn=d["arn"])],
        "solution": solutions,
        "solution_version": versions,
        "campaign": [c for s in solutions for c in store.list("campaign", solution_arn=s["arn"])],
        "filter": store.list("filter", dataset_group_arn=group_arn),
        "event_tracker": store.list("event_tracker", dataset_group_arn=group_arn),
        "batch_inference_job": [j for v in versions
                                for j in store.list("batch_inference_job", solution_version_arn=v["arn"])],
        "batch_segment_job": [j for v in versions
                              for j in store.list("batch_segment_job", solution_version_arn=v["arn"])],
        "recommender": store.list("recommender", dataset_group_arn=group_arn),
        "data_deletion_job": store.list("data_deletion_job", dataset_group_arn=group_arn),
    }


def fields(answer: Record) -> list[tuple[str, str, Any]]:
    """(name, how to show it, value) for each member of a Describe* answer."""
    out = []
    for key, value in answer.items():
        if key.endswith("DateTime") and isinstance(value, (int, float)):
            out.append((key, "time", value))
        elif key in ("schema",) and isinstance(value, str):
            try:
                out.append((key, "json", json.dumps(json.loads(value), indent=2)))
            except ValueError:
                out.append((key, "value", value))
        else:
            out.append((key, "value", value))
    return out
