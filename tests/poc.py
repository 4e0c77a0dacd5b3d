"""Test helper: the POC-in-a-box MovieLens files and schemas (spec §1.2) and a one-call setup through boto3."""
from __future__ import annotations

import csv
import json
import re
import time
from pathlib import Path
from typing import Any

from tastemaker.synthetic import ITEMS_SCHEMA as SYNTHETIC_ITEMS_SCHEMA
from tests.conftest import shared_data

INTERACTIONS_SCHEMA = json.dumps({
    "type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema",
    "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
               {"name": "EVENT_TYPE", "type": "string"}, {"name": "TIMESTAMP", "type": "long"}],
    "version": "1.0",
})
# The POC's items schema is the one the synthetic data uses too; its interactions schema (above) lists the
# fields in another order than the CSV header, as the notebook did.
ITEMS_SCHEMA = SYNTHETIC_ITEMS_SCHEMA

POC_INTERACTIONS = 158_371
POC_ITEMS = 9_742
POC_BAD_YEARS = 13  # 12 empty + one "2006–2007"

_YEAR = re.compile(r".*\((.*)\).*")


def poc_interactions_csv(directory: Path) -> Path:
    """ml-latest-small ratings -> click (rating > 1) then watch (rating > 3) rows, stable-sorted by timestamp."""
    with open(shared_data("ml-latest-small", "ratings.csv"), newline="") as src:
        rows = list(csv.DictReader(src))
    clicks = [(r["userId"], r["movieId"], int(r["timestamp"]), "click") for r in rows if float(r["rating"]) > 1]
    watches = [(r["userId"], r["movieId"], int(r["timestamp"]), "watch") for r in rows if float(r["rating"]) > 3]
    out = sorted(clicks + watches, key=lambda r: r[2])
    path = Path(directory) / "interactions.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as dst:
        writer = csv.writer(dst)
        writer.writerow(["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"])
        writer.writerows(out)
    return path


def poc_items_csv(directory: Path) -> Path:
    """movies.csv -> ITEM_ID, GENRE, YEAR (last parenthesised group of the title; may be empty or '2006–2007')."""
    with open(shared_data("ml-latest-small", "movies.csv"), newline="", encoding="utf-8") as src:
        rows = list(csv.DictReader(src))
    path = Path(directory) / "item-meta.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as dst:
        writer = csv.writer(dst)
        writer.writerow(["ITEM_ID", "GENRE", "YEAR"])
        for r in rows:
            match = _YEAR.match(r["title"])
            writer.writerow([r["movieId"], r["genres"], match.group(1) if match else ""])
    return path


def wait_status(describe: Any, key: str, timeout: float = 120.0, **kwargs: Any) -> dict:
    """Poll a Describe* call until the resource is ACTIVE or failed; return the description."""
    deadline = time.monotonic() + timeout
    while True:
        found = describe(**kwargs)[key]
        if found["status"] in ("ACTIVE", "CREATE FAILED", "COMPLETED", "FAILED"):
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"{key} still {found['status']} after {timeout} s: {kwargs}")
        time.sleep(0.05)


def setup_poc(personalize: Any, directory: Path, name: str = "personalize-poc-movielens",
              with_items: bool = True) -> dict[str, str]:
    """Dataset group, schemas, datasets and FULL imports of the POC files; waits until everything is ACTIVE."""
    group = personalize.create_dataset_group(name=name)["datasetGroupArn"]
    wait_status(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    out = {"dataset_group_arn": group}
    parts = [("interactions", "Interactions", INTERACTIONS_SCHEMA, poc_interactions_csv)]
    if with_items:
        parts.append(("items", "Items", ITEMS_SCHEMA, poc_items_csv))
    for short, dataset_type, schema, make_csv in parts:
        schema_arn = personalize.create_schema(name=f"{name}-{short}", schema=schema)["schemaArn"]
        dataset = personalize.create_dataset(name=f"{name}-{short}", schemaArn=schema_arn,
                                             datasetGroupArn=group, datasetType=dataset_type)["datasetArn"]
        wait_status(personalize.describe_dataset, "dataset", datasetArn=dataset)
        job = personalize.create_dataset_import_job(
            jobName=f"{name}-{short}-import", datasetArn=dataset,
            dataSource={"dataLocation": str(make_csv(directory))},
            roleArn="arn:aws:iam::000000000000:role/PersonalizeRolePOC",
        )["datasetImportJobArn"]
        done = wait_status(personalize.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=job)
        if done["status"] != "ACTIVE":
            raise RuntimeError(f"POC import of {short} failed: {done.get('failureReason')}")
        out[f"{short}_dataset_arn"] = dataset
    return out
