"""Test helper for serving tests: a small synthetic dataset group (two taste clusters) trained through boto3."""
from __future__ import annotations

import csv
import json
from pathlib import Path
from collections.abc import Callable
from typing import Any

from tests.poc import INTERACTIONS_SCHEMA, ITEMS_SCHEMA, wait_status

N_USERS, N_ITEMS, PER_USER = 120, 200, 20
BASE_TS = 1_500_000_000


def genre(item: int) -> str:
    """Items 0-99 are comedies, 100-199 dramas; every tenth drama is also Film-Noir."""
    if item < 100:
        return "Comedy"
    return "Drama|Film-Noir" if item % 10 == 0 else "Drama"


def year(item: int) -> int:
    return 1950 + item % 50


def user_items(user: int) -> list[int]:
    """Users 0-59 interact with comedies, 60-119 with dramas (a fixed, user-specific slice)."""
    base = 0 if user < N_USERS // 2 else 100
    return [base + (user * 7 + k * 3) % 100 for k in range(PER_USER)]


def write_csvs(directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    ints, items = directory / "interactions.csv", directory / "items.csv"
    with open(ints, "w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"])
        for u in range(N_USERS):
            for k, i in enumerate(user_items(u)):
                w.writerow([f"u{u}", f"i{i}", BASE_TS + u * 1000 + k * 10, "watch" if k % 2 else "click"])
    with open(items, "w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["ITEM_ID", "GENRE", "YEAR"])
        for i in range(N_ITEMS):
            w.writerow([f"i{i}", genre(i), year(i)])
    return ints, items


def setup_group(personalize: Any, directory: Path, name: str = "serving", items_schema: str = ITEMS_SCHEMA,
                write: Callable[[Path], tuple[Path, Path]] = write_csvs) -> dict[str, str]:
    """Dataset group with interactions + items imported (the CSVs `write` makes); returns their ARNs."""
    ints, items = write(directory)
    group = personalize.create_dataset_group(name=name)["datasetGroupArn"]
    wait_status(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    out = {"dataset_group_arn": group}
    for short, kind, schema, path in (("interactions", "Interactions", INTERACTIONS_SCHEMA, ints),
                                      ("items", "Items", items_schema, items)):
        schema_arn = personalize.create_schema(name=f"{name}-{short}", schema=schema)["schemaArn"]
        dataset = personalize.create_dataset(name=f"{name}-{short}", schemaArn=schema_arn, datasetGroupArn=group,
                                             datasetType=kind)["datasetArn"]
        wait_status(personalize.describe_dataset, "dataset", datasetArn=dataset)
        job = personalize.create_dataset_import_job(jobName=f"{name}-{short}-import", datasetArn=dataset,
                                                    dataSource={"dataLocation": str(path)},
                                                    roleArn="arn:aws:iam::000000000000:role/R")["datasetImportJobArn"]
        done = wait_status(personalize.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=job)
        assert done["status"] == "ACTIVE", done.get("failureReason")
        out[f"{short}_dataset_arn"] = dataset
    return out


def train(personalize: Any, group: str, name: str, recipe: str, config: dict | None = None) -> dict[str, str]:
    """A solution of `recipe` and one ACTIVE version."""
    kw = {"solutionConfig": config} if config else {}
    solution = personalize.create_solution(name=name, datasetGroupArn=group,
                                           recipeArn=f"arn:aws:personalize:::recipe/{recipe}", **kw)["solutionArn"]
    wait_status(personalize.describe_solution, "solution", solutionArn=solution)
    version = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    done = wait_status(personalize.describe_solution_version, "solutionVersion", timeout=300,
                       solutionVersionArn=version)
    assert done["status"] == "ACTIVE", done.get("failureReason")
    return {"solution_arn": solution, "solution_version_arn": version}


def deploy(personalize: Any, name: str, version: str, **kw: Any) -> str:
    arn = personalize.create_campaign(name=name, solutionVersionArn=version, minProvisionedTPS=1, **kw)["campaignArn"]
    done = wait_status(personalize.describe_campaign, "campaign", campaignArn=arn)
    assert done["status"] == "ACTIVE", done.get("failureReason")
    return arn


def make_filter(personalize: Any, group: str, name: str, expression: str) -> str:
    arn = personalize.create_filter(name=name, datasetGroupArn=group, filterExpression=expression)["filterArn"]
    done = wait_status(personalize.describe_filter, "filter", filterArn=arn)
    assert done["status"] == "ACTIVE", done.get("failureReason")
    return arn


def props(**values: Any) -> str:
    return json.dumps(values)
