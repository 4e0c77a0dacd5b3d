"""Dataset export jobs (BULK / PUT / ALL to file://) and data deletion jobs, through boto3."""
from __future__ import annotations

import csv
import json

import pytest
from botocore.exceptions import ClientError

from tastemaker.data import loader
from tests.data.builders import (INTERACTIONS, ITEMS, ROLE, USERS, import_wait, interaction_rows, make_dataset,
                                 make_group, write_csv)
from tests.poc import wait_status

HEADER = ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE", "EVENT_VALUE"]


def _export(personalize, dataset, out_dir, name, mode=None):
    kwargs = {"ingestionMode": mode} if mode else {}
    arn = personalize.create_dataset_export_job(jobName=name, datasetArn=dataset, roleArn=ROLE, **kwargs,
                                                jobOutput={"s3DataDestination": {"path": out_dir.as_uri() + "/"}}
                                                )["datasetExportJobArn"]
    job = wait_status(personalize.describe_dataset_export_job, "datasetExportJob", datasetExportJobArn=arn)
    assert job["status"] == "ACTIVE", job.get("failureReason")
    files = sorted(out_dir.glob(f"{name}*.csv"))
    assert len(files) == 1
    with open(files[0], newline="") as handle:
        return job, list(csv.DictReader(handle))


def test_export_modes(embedded, tmp_path):
    personalize = embedded.personalize
    group = make_group(personalize)
    items = make_dataset(personalize, group, "Items", ITEMS)
    import_wait(personalize, items, str(write_csv(tmp_path / "m.csv", ["ITEM_ID", "GENRE", "YEAR", "PRICE"],
                                                  [["a", "Drama|War", 1999, 1.5], ["b", "Comedy", "", 2]])), "m")
    embedded.events.put_items(datasetArn=items, items=[
        {"itemId": "b", "properties": json.dumps({"genre": "Horror", "price": "3"})},
        {"itemId": "c", "properties": json.dumps({"genre": "Drama", "year": "2020", "price": "4"})}])
    job, rows = _export(personalize, items, tmp_path / "out", "bulk", "BULK")
    assert job["ingestionMode"] == "BULK" and job["jobOutput"]["s3DataDestination"]["path"].startswith("file://")
    assert rows == [{"ITEM_ID": "a", "GENRE": "Drama|War", "YEAR": "1999", "PRICE": "1.5"},
                    {"ITEM_ID": "b", "GENRE": "Comedy", "YEAR": "", "PRICE": "2"}]
    job, rows = _export(personalize, items, tmp_path / "out", "put")
    assert job["ingestionMode"] == "PUT" and [r["ITEM_ID"] for r in rows] == ["b", "c"]
    _, rows = _export(personalize, items, tmp_path / "out", "all", "ALL")
    assert {r["ITEM_ID"]: r["GENRE"] for r in rows} == {"a": "Drama|War", "b": "Horror", "c": "Drama"}
    listed = personalize.list_dataset_export_jobs(datasetArn=items)["datasetExportJobs"]
    assert [j["jobName"] for j in listed] == ["bulk", "put", "all"]


def test_export_of_interactions_with_events(embedded, tmp_path):
    personalize = embedded.personalize
    group = make_group(personalize)
    ints = make_dataset(personalize, group, "Interactions", INTERACTIONS)
    import_wait(personalize, ints, str(write_csv(tmp_path / "i.csv", HEADER, interaction_rows(1000))), "i")
    tracking = personalize.create_event_tracker(name="t", datasetGroupArn=group)["trackingId"]
    embedded.events.put_events(trackingId=tracking, userId="x", sessionId="s",
                               eventList=[{"sentAt": 1_700_000_000, "eventType": "click", "itemId": "i1"}])
    assert len(_export(personalize, ints, tmp_path / "o", "bulk", "BULK")[1]) == 1000
    assert _export(personalize, ints, tmp_path / "o", "put")[1] == [
        {"USER_ID": "x", "ITEM_ID": "i1", "TIMESTAMP": "1700000000", "EVENT_TYPE": "click", "EVENT_VALUE": ""}]
    assert len(_export(personalize, ints, tmp_path / "o", "all", "ALL")[1]) == 1001


def test_data_deletion(embedded, tmp_path):
    personalize = embedded.personalize
    group = make_group(personalize)
    ints = make_dataset(personalize, group, "Interactions", INTERACTIONS)
    users = make_dataset(personalize, group, "Users", USERS)
    import_wait(personalize, ints, str(write_csv(tmp_path / "i.csv", HEADER, interaction_rows(1000, users=10))), "i")
    import_wait(personalize, users, str(write_csv(tmp_path / "u.csv", ["USER_ID", "AGE"],
                                                  [[f"u{n}", 20 + n] for n in range(10)])), "u")
    tracking = personalize.create_event_tracker(name="t", datasetGroupArn=group)["trackingId"]
    for user in ("u1", "u2"):
        embedded.events.put_events(trackingId=tracking, userId=user, sessionId="s",
                                   eventList=[{"sentAt": 1_700_000_000, "eventType": "click", "itemId": "i1"}])
    embedded.events.put_users(datasetArn=users, users=[{"userId": "u1", "properties": json.dumps({"age": "50"})}])
    source = write_csv(tmp_path / "delete.csv", ["USER_ID"], [["u1"], ["u3"], ["nobody"]])
    arn = personalize.create_data_deletion_job(jobName="forget", datasetGroupArn=group, roleArn=ROLE,
                                               dataSource={"dataLocation": str(source)})["dataDeletionJobArn"]
    assert arn.endswith(":data-deletion-job/forget")
    job = wait_status(personalize.describe_data_deletion_job, "dataDeletionJob", dataDeletionJobArn=arn)
    assert job["status"] == "COMPLETED", job.get("failureReason")
    assert job["numDeleted"] == 100 + 100 + 2 + 1 + 1  # 200 bulk interactions, 2 bulk users, 1 event, 1 PutUsers record
    ctx = embedded.service.context()
    table = loader.load_interactions_table(ctx, group)
    assert table.num_rows == 801 and not {"u1", "u3"} & set(table["USER_ID"].to_pylist())
    assert "u1" not in loader.load_users_table(ctx, group)["USER_ID"].to_pylist()
    listed = personalize.list_data_deletion_jobs(datasetGroupArn=group)["dataDeletionJobs"]
    assert [(j["jobName"], j["status"]) for j in listed] == [("forget", "COMPLETED")]
    bad = write_csv(tmp_path / "bad.csv", ["ID"], [["u1"]])
    arn = personalize.create_data_deletion_job(jobName="bad", datasetGroupArn=group, roleArn=ROLE,
                                               dataSource={"dataLocation": str(bad)})["dataDeletionJobArn"]
    job = wait_status(personalize.describe_data_deletion_job, "dataDeletionJob", dataDeletionJobArn=arn)
    assert job["status"] == "FAILED" and "USER_ID" in job["failureReason"] and "bad.csv" in job["failureReason"]


def test_export_of_a_missing_dataset(personalize, tmp_path):
    missing = "arn:aws:personalize:us-east-1:000000000000:dataset/none/ITEMS"
    with pytest.raises(ClientError) as info:
        personalize.create_dataset_export_job(jobName="x", datasetArn=missing, roleArn=ROLE,
                                              jobOutput={"s3DataDestination": {"path": tmp_path.as_uri()}})
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert missing in info.value.response["Error"]["Message"]
