"""Small builders for data tests: CSV files, schemas, a dataset group with datasets, imports that wait."""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.poc import wait_status

ROLE = "arn:aws:iam::000000000000:role/PersonalizeRole"


def schema(name: str, *fields: tuple[str, Any] | dict) -> str:
    out = [f if isinstance(f, dict) else {"name": f[0], "type": f[1]} for f in fields]
    return json.dumps({"type": "record", "name": name, "namespace": "com.amazonaws.personalize.schema",
                       "fields": out, "version": "1.0"})


INTERACTIONS = schema("Interactions", ("USER_ID", "string"), ("ITEM_ID", "string"), ("TIMESTAMP", "long"),
                      ("EVENT_TYPE", "string"), ("EVENT_VALUE", ["null", "float"]))
ITEMS = schema("Items", ("ITEM_ID", "string"), {"name": "GENRE", "type": "string", "categorical": True},
               ("YEAR", ["null", "int"]), ("PRICE", "double"))
USERS = schema("Users", ("USER_ID", "string"), {"name": "AGE", "type": ["null", "int"]})


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def interaction_rows(n: int, users: int = 50, items: int = 40, start: int = 1_600_000_000, user_prefix: str = "u"
                     ) -> list[list[Any]]:
    return [[f"{user_prefix}{i % users}", f"i{(i * 7) % items}", start + i, "click" if i % 3 else "watch", i % 5]
            for i in range(n)]


def make_group(personalize: Any, name: str = "g") -> str:
    arn = personalize.create_dataset_group(name=name)["datasetGroupArn"]
    wait_status(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=arn)
    return arn


def make_dataset(personalize: Any, group: str, dataset_type: str, schema_text: str, name: str | None = None) -> str:
    name = name or f"{group.rsplit('/', 1)[-1]}-{dataset_type.lower()}"
    schema_arn = personalize.create_schema(name=name, schema=schema_text)["schemaArn"]
    arn = personalize.create_dataset(name=name, schemaArn=schema_arn, datasetGroupArn=group,
                                     datasetType=dataset_type)["datasetArn"]
    wait_status(personalize.describe_dataset, "dataset", datasetArn=arn)
    return arn


def import_wait(personalize: Any, dataset: str, location: str, job: str, mode: str = "FULL") -> dict:
    arn = personalize.create_dataset_import_job(jobName=job, datasetArn=dataset, dataSource={"dataLocation": location},
                                                roleArn=ROLE, importMode=mode)["datasetImportJobArn"]
    return wait_status(personalize.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=arn)
