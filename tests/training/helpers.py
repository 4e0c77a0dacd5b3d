"""Test helper: a small synthetic dataset group imported through boto3 (real CSV, real import job); works on
any executor (it waits for each step)."""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

from tests.poc import wait_status

SCHEMA = json.dumps({
    "type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema",
    "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
               {"name": "EVENT_TYPE", "type": "string"}, {"name": "EVENT_VALUE", "type": ["null", "float"]},
               {"name": "TIMESTAMP", "type": "long"}],
    "version": "1.0",
})


def interaction_rows(n_users: int, per_user: int, n_items: int = 80, seed: int = 0,
                     cluster_boost: float = 4.0) -> list[tuple]:
    """Users drawn from two taste clusters (each favours every other item `cluster_boost` times) over a skewed
    catalogue; clicks with a value, some 'buy' events."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_users):
        cluster = u % 2
        weights = np.arange(1, n_items + 1, dtype=float) ** -0.8
        weights[cluster::2] *= cluster_boost
        items = rng.choice(n_items, size=per_user, p=weights / weights.sum())
        for k, item in enumerate(items):
            event = "buy" if k % 5 == 0 else "click"
            rows.append((f"u{u}", f"i{item}", event, round(float(rng.uniform(0, 1)), 3), 1_600_000_000 + 60 * k + u))
    return rows


def write_csv(path: Path, rows: list[tuple]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["USER_ID", "ITEM_ID", "EVENT_TYPE", "EVENT_VALUE", "TIMESTAMP"])
        writer.writerows(rows)
    return path


def small_group(personalize: Any, directory: Path, name: str = "g", n_users: int = 60, per_user: int = 25,
                seed: int = 0, cluster_boost: float = 4.0) -> str:
    """A dataset group with one interactions dataset imported from a synthetic CSV; returns the group ARN."""
    group = personalize.create_dataset_group(name=name)["datasetGroupArn"]
    wait_status(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    schema = personalize.create_schema(name=f"{name}-schema", schema=SCHEMA)["schemaArn"]
    dataset = personalize.create_dataset(name=f"{name}-ints", schemaArn=schema, datasetGroupArn=group,
                                         datasetType="Interactions")["datasetArn"]
    wait_status(personalize.describe_dataset, "dataset", datasetArn=dataset)
    path = write_csv(Path(directory) / f"{name}.csv", interaction_rows(n_users, per_user, seed=seed,
                                                                     cluster_boost=cluster_boost))
    job = personalize.create_dataset_import_job(jobName=f"{name}-import", datasetArn=dataset,
                                                dataSource={"dataLocation": str(path)},
                                                roleArn="arn:aws:iam::000000000000:role/x")["datasetImportJobArn"]
    status = wait_status(personalize.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=job)
    assert status["status"] == "ACTIVE", status
    return group
