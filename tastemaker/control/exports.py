"""Dataset export jobs: Create/Describe/List; the task writes the dataset as CSV with a header row."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..context import Context
from ..data import confine, loader
from ..data.importer import arrow_schema, conform, keep_last
from ..data.locations import check_location, output_url, put_file
from ..domain import avro
from ..errors import InvalidInputException
from ..jobs import JobFailed, task
from ._common import check_name, create_with_job, new_record, require_active

KIND = "dataset_export_job"
MODES = ("BULK", "PUT", "ALL")


def create_dataset_export_job(ctx: Context, *, job_name: str, dataset_arn: str, job_output: dict[str, Any],
                              role_arn: str | None = None, ingestion_mode: str | None = None,
                              tags: list[dict] | None = None) -> dict[str, Any]:
    check_name(job_name)
    mode = (ingestion_mode or "PUT").upper()
    if mode not in MODES:
        raise InvalidInputException(f"Invalid ingestionMode {ingestion_mode!r}: use BULK, PUT or ALL.")
    path = ((job_output or {}).get("s3_data_destination") or {}).get("path")
    if not path:
        raise InvalidInputException("jobOutput.s3DataDestination.path is required.")
    check_location(path)
    confine.check_create(ctx.settings, path, "jobOutput.s3DataDestination.path")
    require_active(ctx.store.get("dataset", dataset_arn), "Dataset")
    record = new_record(ctx, "dataset_export_job_arn", ctx.arn(f"dataset-export-job/{job_name}"), job_name,
                        job_name=job_name, dataset_arn=dataset_arn, ingestion_mode=mode, role_arn=role_arn,
                        job_output={"s3_data_destination": {"path": path}})
    create_with_job(ctx, KIND, record, tags, "dataset_export")
    return {"dataset_export_job_arn": record["arn"]}


def describe_dataset_export_job(ctx: Context, *, dataset_export_job_arn: str) -> dict[str, Any]:
    return {"dataset_export_job": ctx.store.get(KIND, dataset_export_job_arn)}


def list_dataset_export_jobs(ctx: Context, *, dataset_arn: str | None = None) -> dict[str, Any]:
    return {"dataset_export_jobs": ctx.store.list(KIND, dataset_arn=dataset_arn)}


def _put_table(ctx: Context, dataset: dict[str, Any]) -> pa.Table | None:
    """The PutEvents / PutItems / PutUsers data of a dataset alone."""
    group = dataset["dataset_group_arn"]
    if dataset["dataset_type"] == "INTERACTIONS":
        return loader.events_table(ctx, group, loader.schema_fields(ctx, dataset["arn"]))
    full = loader.load_items_table(ctx, group) if dataset["dataset_type"] == "ITEMS" else loader.load_users_table(ctx, group)
    ids = {r["record_id"] for r in ctx.store.records(dataset["arn"])}
    if full is None or not ids:
        return None
    id_name = avro.ID_FIELD[dataset["dataset_type"]]
    return full.filter(pc.is_in(full[id_name], value_set=pa.array(list(ids), type=pa.string())))


def _write_csv(ctx: Context, dataset: dict[str, Any], mode: str, schema: pa.Schema, out: Path) -> int:
    rows = 0
    with pacsv.CSVWriter(out, schema) as writer:
        if mode in ("BULK", "ALL") and dataset.get("data_key"):
            parquet = pq.ParquetFile(ctx.lake.path(dataset["data_key"]), filesystem=ctx.lake.fs)
            put = _put_table(ctx, dataset) if mode == "ALL" and dataset["dataset_type"] != "INTERACTIONS" else None
            for batch in parquet.iter_batches(1 << 20):
                table = conform(pa.Table.from_batches([batch]), schema)
                if put is not None:  # ALL keeps only the newest record per item/user id
                    id_name = avro.ID_FIELD[dataset["dataset_type"]]
                    table = table.filter(pc.invert(pc.is_in(table[id_name], value_set=put[id_name])))
                writer.write_table(table)
                rows += len(table)
        if mode in ("PUT", "ALL"):
            put = _put_table(ctx, dataset)
            if put is not None:
                if dataset["dataset_type"] != "INTERACTIONS":
                    put = keep_last(put, avro.ID_FIELD[dataset["dataset_type"]])
                writer.write_table(conform(put, schema))
                rows += len(put)
    return rows


@task("dataset_export", KIND)
def run_dataset_export(ctx: Context, arn: str, payload: Any, progress: Any) -> dict[str, Any]:
    job = ctx.store.get(KIND, arn)
    dataset = ctx.store.find("dataset", job["dataset_arn"])
    if dataset is None:
        raise JobFailed(f"Dataset {job['dataset_arn']} no longer exists.")
    schema = arrow_schema(loader.schema_fields(ctx, dataset["arn"]))
    target = output_url(job["job_output"]["s3_data_destination"]["path"], f"{job['job_name']}_part_00000.csv")
    with tempfile.TemporaryDirectory(prefix="tastemaker-export-") as tmp:
        out = Path(tmp) / "export.csv"
        progress.update(0.0, "writing CSV")
        rows = _write_csv(ctx, dataset, job["ingestion_mode"], schema, out)
        progress.update(0.9, f"copying {rows:,} records to the destination")
        put_file(out, target, confine.allowed_roots(ctx.settings))
    return {"records_exported": rows, "output_files": [target]}
