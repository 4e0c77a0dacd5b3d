"""Data deletion jobs: remove the users listed in a CSV (USER_ID column) from bulk and real-time data."""
from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..context import Context
from ..data import confine
from ..data.csv_rows import clipped
from ..data.locations import check_location, list_sources, open_source
from ..errors import InvalidInputException, LimitExceededException
from ..jobs import JobFailed, task
from ..jobs.runner import Statuses
from ..serving.histories import forget
from ..serving.signals import bump
from ._common import check_name, create_with_job, new_record
from .imports import dataset_lock, new_version_key, publish_version

KIND = "data_deletion_job"
STATUSES = Statuses(pending="PENDING", in_progress="IN_PROGRESS", active="COMPLETED", failed="FAILED")
MAX_PENDING = 5


def create_data_deletion_job(ctx: Context, *, job_name: str, dataset_group_arn: str, data_source: dict[str, Any],
                             role_arn: str, tags: list[dict] | None = None) -> dict[str, Any]:
    check_name(job_name)
    location = (data_source or {}).get("data_location")
    if not location:
        raise InvalidInputException("dataSource.dataLocation is required: a CSV file with a USER_ID column.")
    check_location(location)
    confine.check_create(ctx.settings, location, "dataSource.dataLocation")
    ctx.store.get("dataset_group", dataset_group_arn)
    pending = [j for j in ctx.store.list(KIND, dataset_group_arn=dataset_group_arn)
               if j.get("status") in (STATUSES.pending, STATUSES.in_progress)]
    if len(pending) >= MAX_PENDING:
        raise LimitExceededException("More than 5 resources with PENDING or IN_PROGRESS status.")
    record = new_record(ctx, "data_deletion_job_arn", ctx.arn(f"data-deletion-job/{job_name}"), job_name,
                        status=STATUSES.pending, job_name=job_name, dataset_group_arn=dataset_group_arn,
                        data_source={"data_location": location}, role_arn=role_arn)
    create_with_job(ctx, KIND, record, tags, "data_deletion")
    return {"data_deletion_job_arn": record["arn"]}


def describe_data_deletion_job(ctx: Context, *, data_deletion_job_arn: str) -> dict[str, Any]:
    return {"data_deletion_job": ctx.store.get(KIND, data_deletion_job_arn)}


def list_data_deletion_jobs(ctx: Context, *, dataset_group_arn: str | None = None) -> dict[str, Any]:
    return {"data_deletion_jobs": ctx.store.list(KIND, dataset_group_arn=dataset_group_arn)}


def _user_ids(location: str, roots: confine.Roots) -> pa.Array:
    ids = []
    for source in list_sources(location, roots):
        with open_source(source) as stream:
            try:
                table = pacsv.read_csv(stream, convert_options=pacsv.ConvertOptions(
                    column_types={"USER_ID": pa.string()}, strings_can_be_null=False))
            except pa.ArrowInvalid as exc:
                raise JobFailed(f"Could not read {source.url} as CSV: {clipped(str(exc))}") from None
        if "USER_ID" not in table.column_names:
            raise JobFailed(f"Input CSV {source.url} is missing the following columns: [USER_ID].")
        ids.append(table["USER_ID"])
    return pc.unique(pa.chunked_array([c for ids_ in ids for c in ids_.chunks], type=pa.string()))


def _remove_bulk(ctx: Context, dataset: dict[str, Any], users: pa.Array, job: dict[str, Any]) -> int:
    """Write a new version of the dataset's bulk data without these users; return rows removed."""
    source = pq.ParquetFile(ctx.lake.path(dataset["data_key"]), filesystem=ctx.lake.fs)
    key, kept = new_version_key(ctx, dataset, job["job_name"]), 0
    try:
        with ctx.lake.fs.open_output_stream(ctx.lake.path(key)) as sink, \
                pq.ParquetWriter(sink, source.schema_arrow, compression="zstd") as writer:
            for batch in source.iter_batches(1 << 20):
                batch = batch.filter(pc.invert(pc.is_in(batch.column("USER_ID"), value_set=users)))
                writer.write_batch(batch)
                kept += batch.num_rows
    except BaseException:
        ctx.lake.delete_prefix(key)
        raise
    publish_version(ctx, dataset, key, job["arn"], kept)
    return source.metadata.num_rows - kept


@task("data_deletion", KIND, STATUSES)
def run_data_deletion(ctx: Context, arn: str, payload: Any, progress: Any) -> dict[str, Any]:
    job = ctx.store.get(KIND, arn)
    progress.update(0.0, "reading the user ids")
    users = _user_ids(job["data_source"]["data_location"], confine.allowed_roots(ctx.settings))
    group, removed = job["dataset_group_arn"], 0
    users_dataset = None
    datasets = ctx.store.list("dataset", dataset_group_arn=group)
    for number, dataset in enumerate(datasets):
        progress.update(0.05 + 0.8 * number / max(1, len(datasets)),
                        f"removing {len(users):,} users' records from {dataset['name']}")
        if dataset["dataset_type"] == "USERS":
            users_dataset = dataset["arn"]
        if dataset["dataset_type"] not in ("INTERACTIONS", "USERS"):
            continue
        with dataset_lock(ctx, dataset["arn"]):
            current = ctx.store.find("dataset", dataset["arn"])
            if current and current.get("data_key") and current.get("data_job_arn") != arn:
                removed += _remove_bulk(ctx, current, users, job)
    progress.update(0.85, "removing their recorded events")
    removed += ctx.store.delete_user_data(group, users.to_pylist(), users_dataset)
    forget(ctx, group)  # served histories reload: new-event tracking alone would keep the deleted events
    bump(ctx, "records:" + group)
    return {"num_deleted": removed}
