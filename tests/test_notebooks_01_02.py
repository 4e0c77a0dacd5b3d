"""POC notebooks 01-02 against a real `tastemaker serve` with the files in S3 (moto_server on loopback)."""
from __future__ import annotations

import csv
import io
import time

import boto3
import pytest

from tests.conftest import Server, free_port
from tests.poc import (INTERACTIONS_SCHEMA, ITEMS_SCHEMA, POC_BAD_YEARS, POC_INTERACTIONS, POC_ITEMS,
                       poc_interactions_csv, poc_items_csv)

ROLE = "arn:aws:iam::000000000000:role/PersonalizeRolePOC"
BUCKET = "000000000000-us-east-1-personalizepocvod"
S3_ENV = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint):
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id="test",
                          aws_secret_access_key="test")
    client.create_bucket(Bucket=BUCKET)
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def server(tmp_path, s3_endpoint):
    srv = Server(tmp_path / "d", env={"AWS_ENDPOINT_URL_S3": s3_endpoint, **S3_ENV}).start()
    yield srv
    srv.stop()


def _poll(describe, key, **kwargs):
    seen = []
    while True:
        status = describe(**kwargs)[key]
        if not seen or seen[-1] != status["status"]:
            seen.append(status["status"])
        if status["status"] in ("ACTIVE", "CREATE FAILED", "COMPLETED", "FAILED"):
            return status, seen
        time.sleep(0.05)


def _import(personalize, dataset, location, name, mode="FULL"):
    arn = personalize.create_dataset_import_job(jobName=name, datasetArn=dataset, roleArn=ROLE,
                                                dataSource={"dataLocation": location},
                                                importMode=mode)["datasetImportJobArn"]
    return _poll(personalize.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=arn)


def _export_rows(personalize, s3, dataset, name, mode="BULK"):
    arn = personalize.create_dataset_export_job(jobName=name, datasetArn=dataset, ingestionMode=mode, roleArn=ROLE,
                                                jobOutput={"s3DataDestination": {"path": f"s3://{BUCKET}/export/{name}/"}}
                                                )["datasetExportJobArn"]
    job, _ = _poll(personalize.describe_dataset_export_job, "datasetExportJob", datasetExportJobArn=arn)
    assert job["status"] == "ACTIVE", job.get("failureReason")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=f"export/{name}/")["Contents"]]
    text = "".join(s3.get_object(Bucket=BUCKET, Key=k)["Body"].read().decode() for k in keys)
    return list(csv.DictReader(io.StringIO(text)))


def test_notebooks_01_02_from_s3(server, s3, tmp_path):
    s3.upload_file(str(poc_interactions_csv(tmp_path)), BUCKET, "interactions.csv")
    s3.upload_file(str(poc_items_csv(tmp_path)), BUCKET, "item-meta.csv")
    personalize = server.client("personalize")
    group = personalize.create_dataset_group(name="personalize-poc-movielens")["datasetGroupArn"]
    assert _poll(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=group)[0]["status"] == "ACTIVE"
    schema = personalize.create_schema(name="personalize-poc-movielens-interactions",
                                       schema=INTERACTIONS_SCHEMA)["schemaArn"]
    ints = personalize.create_dataset(name="personalize-poc-movielens-ints", schemaArn=schema,
                                      datasetGroupArn=group, datasetType="INTERACTIONS")["datasetArn"]
    _poll(personalize.describe_dataset, "dataset", datasetArn=ints)
    job, seen = _import(personalize, ints, f"s3://{BUCKET}/interactions.csv", "personalize-poc-import1")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert seen[0] in ("CREATE PENDING", "CREATE IN_PROGRESS") and seen[-1] == "ACTIVE"
    assert job["datasetImportJobArn"].endswith(":dataset-import-job/personalize-poc-import1")

    item_schema = personalize.create_schema(name="personalize-poc-movielens-item", schema=ITEMS_SCHEMA)["schemaArn"]
    items = personalize.create_dataset(name="personalize-poc-movielens-items", schemaArn=item_schema,
                                       datasetGroupArn=group, datasetType="ITEMS")["datasetArn"]
    _poll(personalize.describe_dataset, "dataset", datasetArn=items)
    job, _ = _import(personalize, items, f"s3://{BUCKET}/item-meta.csv", "personalize-poc-item-import1")
    assert job["status"] == "ACTIVE", job.get("failureReason")

    exported = _export_rows(personalize, s3, ints, "ints")
    assert len(exported) == POC_INTERACTIONS
    assert list(exported[0]) == ["USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP"]
    exported = _export_rows(personalize, s3, items, "items")
    assert len(exported) == POC_ITEMS
    assert sum(1 for r in exported if r["YEAR"] == "") == POC_BAD_YEARS


def test_s3_failures_and_prefix_imports(server, s3, tmp_path):
    personalize = server.client("personalize")
    group = personalize.create_dataset_group(name="g")["datasetGroupArn"]
    _poll(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    schema = personalize.create_schema(name="s", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    ints = personalize.create_dataset(name="d", schemaArn=schema, datasetGroupArn=group,
                                      datasetType="Interactions")["datasetArn"]
    _poll(personalize.describe_dataset, "dataset", datasetArn=ints)
    rows = "".join(f"u{i % 30},i{i % 17},{1_600_000_000 + i},click\n" for i in range(1200))
    s3.put_object(Bucket=BUCKET, Key="in/part1.csv", Body="USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n" + rows)
    s3.put_object(Bucket=BUCKET, Key="in/part2.csv", Body="EVENT_TYPE,TIMESTAMP,ITEM_ID,USER_ID\nwatch,1,i1,u1\n")
    s3.put_object(Bucket=BUCKET, Key="bad/x.csv", Body="USER_ID,ITEM_ID\n" + "u1,i1\n" * 1200)
    job, _ = _import(personalize, ints, f"s3://{BUCKET}/in/", "prefix")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    job, _ = _import(personalize, ints, f"s3://{BUCKET}/bad/", "missing")
    assert job["status"] == "CREATE FAILED"
    assert f"s3://{BUCKET}/bad/x.csv is missing the following columns: [EVENT_TYPE, TIMESTAMP]" in job["failureReason"]
    job, _ = _import(personalize, ints, f"s3://{BUCKET}/nothing-here.csv", "absent")
    assert job["status"] == "CREATE FAILED" and "nothing-here.csv" in job["failureReason"]
    job, _ = _import(personalize, ints, f"s3://{BUCKET}/in/part1.csv", "inc", mode="INCREMENTAL")
    assert job["status"] == "ACTIVE"
    assert len(_export_rows(personalize, s3, ints, "all", mode="ALL")) == 1201 + 1200


def test_s3_lake_import_incremental_export_and_deletion(s3, s3_endpoint, tmp_path, monkeypatch):
    """The same flow with the lake itself on S3 (TASTEMAKER_LAKE_URL=s3://...), in-process."""
    import tastemaker
    from tastemaker.data import loader
    from tests.data.builders import INTERACTIONS, import_wait, interaction_rows, make_dataset, make_group, write_csv

    for key, value in {"AWS_ENDPOINT_URL_S3": s3_endpoint, **S3_ENV}.items():
        monkeypatch.setenv(key, value)
    header = ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE", "EVENT_VALUE"]
    s3.upload_file(str(write_csv(tmp_path / "a.csv", header, interaction_rows(1500))), BUCKET, "a.csv")
    with tastemaker.embedded(tmp_path / "d", executor="inline", lake_url=f"s3://{BUCKET}/lake") as emb:
        personalize = emb.personalize
        group = make_group(personalize)
        ints = make_dataset(personalize, group, "Interactions", INTERACTIONS)
        assert import_wait(personalize, ints, f"s3://{BUCKET}/a.csv", "a")["status"] == "ACTIVE"
        assert import_wait(personalize, ints, f"s3://{BUCKET}/a.csv", "b", "INCREMENTAL")["status"] == "ACTIVE"
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="lake/")["Contents"]]
        assert len([k for k in keys if k.endswith(".parquet")]) == 2
        assert loader.load_interactions_table(emb.service.context(), group).num_rows == 3000
        s3.put_object(Bucket=BUCKET, Key="forget.csv", Body="USER_ID\nu1\n")
        arn = personalize.create_data_deletion_job(jobName="f", datasetGroupArn=group, roleArn=ROLE,
                                                   dataSource={"dataLocation": f"s3://{BUCKET}/forget.csv"}
                                                   )["dataDeletionJobArn"]
        job, _ = _poll(personalize.describe_data_deletion_job, "dataDeletionJob", dataDeletionJobArn=arn)
        assert job["status"] == "COMPLETED" and job["numDeleted"] == 60
        assert len(_export_rows(personalize, s3, ints, "after", mode="BULK")) == 2940
