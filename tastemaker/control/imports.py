"""Dataset import jobs: Create/Describe/List, and the task that turns CSV into a new Parquet version."""
from __future__ import annotations

import logging
import re
import secrets
import threading
from typing import Any

import pyarrow.fs as pafs

from ..context import Context
from ..data import confine, importer
from ..data.locations import check_location, list_sources
from ..domain.status import ACTIVE, IN_FLIGHT
from ..errors import InvalidInputException, LimitExceededException, ResourceNotFoundException
from ..jobs import JobFailed, task
from ..serving.warmup import refresh_after_import
from ._common import check_name, create_with_job, new_record, require_active
from .datasets import data_prefix
from .schemas import schema_fields

log = logging.getLogger(__name__)

KIND = "dataset_import_job"
MAX_IN_FLIGHT = 5


def create_dataset_import_job(ctx: Context, *, job_name: str, dataset_arn: str, data_source: dict[str, Any],
                              role_arn: str | None = None, tags: list[dict] | None = None,
                              import_mode: str | None = None,
                              publish_attribution_metrics_to_s3: bool | None = None) -> dict[str, Any]:
    check_name(job_name)
    mode = (import_mode or "FULL").upper()
    if mode not in ("FULL", "INCREMENTAL"):
        raise InvalidInputException(f"Invalid importMode {import_mode!r}: use FULL or INCREMENTAL.")
    location = (data_source or {}).get("data_location")
    if not location:
        raise InvalidInputException("dataSource.dataLocation is required (s3://bucket/key, file:///path or a path).")
    check_location(location)
    confine.check_create(ctx.settings, location, "dataSource.dataLocation")
    require_active(ctx.store.get("dataset", dataset_arn), "Dataset")
    if mode == "INCREMENTAL" and not _has_bulk_import(ctx, dataset_arn):
        raise InvalidInputException(f"An INCREMENTAL import into {dataset_arn} needs a previous FULL import; "
                                    "import with importMode FULL first.")
    busy = [j for j in ctx.store.list(KIND) if j.get("status") in IN_FLIGHT and j["arn"].split(":")[3] == ctx.region]
    if len(busy) >= MAX_IN_FLIGHT:
        raise LimitExceededException("More than 5 resources with PENDING or IN_PROGRESS status.")
    record = new_record(ctx, "dataset_import_job_arn", ctx.arn(f"dataset-import-job/{job_name}"), job_name,
                        job_name=job_name, dataset_arn=dataset_arn, data_source={"data_location": location},
                        role_arn=role_arn, import_mode=mode,
                        publish_attribution_metrics_to_s3=publish_attribution_metrics_to_s3)
    create_with_job(ctx, KIND, record, tags, "dataset_import")
    return {"dataset_import_job_arn": record["arn"]}


def describe_dataset_import_job(ctx: Context, *, dataset_import_job_arn: str) -> dict[str, Any]:
    return {"dataset_import_job": ctx.store.get(KIND, dataset_import_job_arn)}


def list_dataset_import_jobs(ctx: Context, *, dataset_arn: str | None = None) -> dict[str, Any]:
    return {"dataset_import_jobs": ctx.store.list(KIND, dataset_arn=dataset_arn)}


def _has_bulk_import(ctx: Context, dataset_arn: str) -> bool:
    return any(j.get("status") in (ACTIVE, *IN_FLIGHT) for j in ctx.store.list(KIND, dataset_arn=dataset_arn))


def dataset_lock(ctx: Context, dataset_arn: str) -> threading.Lock:
    """One writer of a dataset's bulk data at a time in this process (imports, deletions)."""
    with ctx.shared.lock:
        return ctx.shared.dataset_write_locks.setdefault(dataset_arn, threading.Lock())


def publish_version(ctx: Context, dataset: dict[str, Any], new_key: str, job_arn: str, rows: int) -> None:
    """Point the dataset at its new Parquet version in one store update, then drop the version before last."""
    try:
        ctx.store.update("dataset", dataset["arn"], {"data_key": new_key, "data_rows": rows, "data_job_arn": job_arn,
                                                     "previous_data_key": dataset.get("data_key")})
    except ResourceNotFoundException:
        ctx.lake.delete_prefix(new_key)
        raise JobFailed(f"Dataset {dataset['arn']} was deleted while the job ran.") from None
    older = dataset.get("previous_data_key")
    if older and older != new_key:
        ctx.lake.delete_prefix(older)


def new_version_key(ctx: Context, dataset: dict[str, Any], job_name: str) -> str:
    """A fresh lake key for a job's version; partial files of an earlier attempt of the same job are removed."""
    prefix = data_prefix(dataset)
    selector = pafs.FileSelector(ctx.lake.path(prefix), allow_not_found=True)
    in_use = {ctx.lake.path(k) for k in (dataset.get("data_key"), dataset.get("previous_data_key")) if k}
    for info in ctx.lake.fs.get_file_info(selector):
        if re.fullmatch(re.escape(job_name) + r"-[0-9a-f]{8}\.parquet", info.base_name) and info.path not in in_use:
            ctx.lake.fs.delete_file(info.path)
    return f"{prefix}/{job_name}-{secrets.token_hex(4)}.parquet"


def sweep_orphaned_imports(ctx: Context) -> int:
    """Remove the Parquet files in datasets' data folders that no dataset and no live job owns: what an import or
    data deletion killed for good (twice) left half-written. Every dataset's current and previous versions are
    kept (an older data folder may hold them outside the dataset's own folder), and so is every file named after
    a job still pending or running (`<job name>-<8 hex>.parquet`). Returns how many files were
    removed. Call it at start-up, after job recovery."""
    from .data_deletion import KIND as DELETION, STATUSES

    prefixes = sorted({data_prefix(d) for d in ctx.store.list("dataset")})
    files = [info for prefix in prefixes for info in _parquet_files(ctx, prefix)]
    # the store is read after the listing: a file listed above whose job has finished is a version by now
    live = {j.get("job_name") for j in ctx.store.list(KIND) if j.get("status") in IN_FLIGHT}
    live |= {j.get("job_name") for j in ctx.store.list(DELETION)
             if j.get("status") in (STATUSES.pending, STATUSES.in_progress)}
    keep = {ctx.lake.path(k) for d in ctx.store.list("dataset") for k in (d.get("data_key"),
                                                                          d.get("previous_data_key")) if k}
    removed = 0
    for info in files:
        owner = _VERSION_FILE.fullmatch(info.base_name)
        if info.path in keep or (owner is not None and owner.group(1) in live):
            continue
        log.warning("removing %s: no dataset version and no running job owns it", info.path)
        try:
            ctx.lake.fs.delete_file(info.path)
        except FileNotFoundError:  # removed meanwhile (a version made older by a job that just finished)
            continue
        removed += 1
    return removed


_VERSION_FILE = re.compile(r"(.+)-[0-9a-f]{8}\.parquet")


def _parquet_files(ctx: Context, prefix: str) -> list[pafs.FileInfo]:
    selector = pafs.FileSelector(ctx.lake.path(prefix), allow_not_found=True)
    return [i for i in ctx.lake.fs.get_file_info(selector)
            if i.type == pafs.FileType.File and i.base_name.endswith(".parquet")]


@task("dataset_import", KIND)
def run_dataset_import(ctx: Context, arn: str, payload: Any, progress: Any) -> dict[str, Any]:
    job = ctx.store.get(KIND, arn)
    with dataset_lock(ctx, job["dataset_arn"]):
        dataset = ctx.store.find("dataset", job["dataset_arn"])
        if dataset is None:
            raise JobFailed(f"Dataset {job['dataset_arn']} no longer exists.")
        if dataset.get("data_job_arn") == arn:  # applied before a restart interrupted the job
            return {}
        base = dataset.get("data_key") if job["import_mode"] == "INCREMENTAL" else None
        if job["import_mode"] == "INCREMENTAL" and not base:
            raise JobFailed(f"An INCREMENTAL import needs previous bulk data in {dataset['arn']}; run a FULL "
                            "import first.")
        sources = list_sources(job["data_source"]["data_location"], confine.allowed_roots(ctx.settings))
        key = new_version_key(ctx, dataset, job["job_name"])
        stats = importer.import_to_lake(ctx.lake, key, sources, schema_fields(ctx, dataset["schema_arn"]),
                                        dataset["dataset_type"], base, progress)
        progress.update(1.0, f"publishing {stats.rows:,} records")
        publish_version(ctx, dataset, key, arn, stats.total_rows)
    refresh_after_import(ctx, dataset["dataset_group_arn"])  # rebuild what serving holds, ahead of the next request
    if stats.invalid_values:
        log.warning("import %s: stored %s invalid optional values as null (by column: %s)", arn,
                    sum(stats.invalid_values.values()), stats.invalid_values)
    return {"records_imported": stats.rows, "invalid_values": stats.invalid_values, "files": len(sources)}
