"""An import interrupted by a server crash leaves the previous data in place and is retried after a restart."""
from __future__ import annotations

import time

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from tests.conftest import Server
from tests.data.builders import INTERACTIONS, ROLE, interaction_rows, make_dataset, make_group, write_csv
from tests.poc import wait_status

HEADER = ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE", "EVENT_VALUE"]


def _big_csv(path, rows: int):
    rng = np.random.default_rng(3)
    pacsv.write_csv(pa.table({
        "USER_ID": pa.array(rng.integers(0, 5000, rows)).cast(pa.string()),
        "ITEM_ID": pa.array(rng.integers(0, 3000, rows)).cast(pa.string()),
        "TIMESTAMP": pa.array(np.arange(rows, dtype=np.int64) + 1_600_000_000),
        "EVENT_TYPE": pa.array(["click"] * rows),
        "EVENT_VALUE": pa.array(rng.random(rows)),
    }), str(path))
    return path


def _data_key(server: Server, dataset: str) -> str | None:
    import sqlite3

    import orjson

    with sqlite3.connect(server.data_dir / "tastemaker.db") as db:
        body = db.execute("select body from resources where arn = ?", (dataset,)).fetchone()[0]
    return orjson.loads(body).get("data_key")


def test_crash_during_import(tmp_path):
    server = Server(tmp_path / "d").start()
    try:
        personalize = server.client("personalize")
        group = make_group(personalize)
        dataset = make_dataset(personalize, group, "Interactions", INTERACTIONS)
        small = write_csv(tmp_path / "small.csv", HEADER, interaction_rows(1000))
        job = personalize.create_dataset_import_job(jobName="first", datasetArn=dataset, roleArn=ROLE,
                                                    dataSource={"dataLocation": str(small)})["datasetImportJobArn"]
        assert wait_status(personalize.describe_dataset_import_job, "datasetImportJob",
                           datasetImportJobArn=job)["status"] == "ACTIVE"
        before = _data_key(server, dataset)
        big = _big_csv(tmp_path / "big.csv", 4_000_000)
        job = personalize.create_dataset_import_job(jobName="big", datasetArn=dataset, roleArn=ROLE,
                                                    dataSource={"dataLocation": str(big)})["datasetImportJobArn"]
        deadline = time.monotonic() + 20
        status = "CREATE PENDING"
        while status == "CREATE PENDING" and time.monotonic() < deadline:
            status = personalize.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"]["status"]
        server.kill()
        assert status == "CREATE IN_PROGRESS"
        assert _data_key(server, dataset) == before  # the half-written version is not visible
        server = Server(tmp_path / "d").start()
        personalize = server.client("personalize")
        done = wait_status(personalize.describe_dataset_import_job, "datasetImportJob", timeout=60,
                           datasetImportJobArn=job)
        assert done["status"] == "ACTIVE", done.get("failureReason")
        assert _data_key(server, dataset) not in (None, before)
        versions = sorted(p.name for p in (server.data_dir / "lake").rglob("*.parquet"))
        assert len(versions) == 2 and versions[0].startswith("big-") and versions[1].startswith("first-")
        export = tmp_path / "out"
        arn = personalize.create_dataset_export_job(jobName="e", datasetArn=dataset, ingestionMode="BULK",
                                                    roleArn=ROLE, jobOutput={"s3DataDestination": {
                                                        "path": export.as_uri()}})["datasetExportJobArn"]
        assert wait_status(personalize.describe_dataset_export_job, "datasetExportJob",
                           datasetExportJobArn=arn)["status"] == "ACTIVE"
        with open(next(export.glob("*.csv"))) as handle:
            assert sum(1 for _ in handle) == 4_000_000 + 1
    finally:
        server.stop()
