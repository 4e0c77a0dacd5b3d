"""Offline quality through the public API: the POC notebook 03 flow with boto3 against an embedded Tastemaker.

Imports the POC prep of ml-latest-small (interactions + items) through CreateDatasetImportJob, trains
aws-user-personalization, aws-sims and aws-personalized-ranking with default settings, N solution versions each
(every version draws its own recorded split seed), and prints mean ± std of GetSolutionMetrics next to
Personalize's recorded figures. Usage: python bench/quality_api.py [--versions 5]
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pyarrow.csv as pcsv  # noqa: E402

import tastemaker  # noqa: E402
from datasets import path, poc_table  # noqa: E402

PERSONALIZE = {  # spec §1.3, ml-latest-small, 2020-09-16
    "aws-user-personalization": [0.0791, 0.269, 0.2279, 0.2687, 0.3321, 0.075, 0.0571, 0.0379],
    "aws-sims": [0.1861, 0.1669, 0.1889, 0.2234, 0.2895, 0.0824, 0.0588, 0.0418],
    "aws-personalized-ranking": [0.0038, 0.0537, 0.0578, 0.0707, 0.0956, 0.0189, 0.0132, 0.0113],
}
KEYS = ["coverage", "mean_reciprocal_rank_at_25", "normalized_discounted_cumulative_gain_at_5",
        "normalized_discounted_cumulative_gain_at_10", "normalized_discounted_cumulative_gain_at_25",
        "precision_at_5", "precision_at_10", "precision_at_25"]
SHORT = ["coverage", "mrr@25", "ndcg@5", "ndcg@10", "ndcg@25", "p@5", "p@10", "p@25"]
SCHEMAS = {
    "Interactions": {"type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema",
                     "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
                                {"name": "EVENT_TYPE", "type": "string"}, {"name": "TIMESTAMP", "type": "long"}],
                     "version": "1.0"},
    "Items": {"type": "record", "name": "Items", "namespace": "com.amazonaws.personalize.schema",
              "fields": [{"name": "ITEM_ID", "type": "string"},
                         {"name": "GENRE", "type": "string", "categorical": True}, {"name": "YEAR", "type": "int"}],
              "version": "1.0"},
}


def write_files(folder: Path) -> dict[str, Path]:
    interactions = folder / "interactions.csv"
    pcsv.write_csv(poc_table(), interactions)
    items = folder / "item-meta.csv"
    with open(path("ml-latest-small", "movies.csv"), newline="", encoding="utf-8") as src, \
            open(items, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["ITEM_ID", "GENRE", "YEAR"])
        for row in csv.DictReader(src):
            year = re.match(r".*\((.*)\).*", row["title"])
            writer.writerow([row["movieId"], row["genres"], year.group(1) if year else ""])
    return {"Interactions": interactions, "Items": items}


def wait(describe, key: str, **kw) -> dict:
    while True:
        found = describe(**kw)[key]
        if found["status"] in ("ACTIVE", "CREATE FAILED"):
            return found
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--versions", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, tastemaker.embedded(Path(tmp) / "data") as tm:
        p = tm.personalize
        files = write_files(Path(tmp) / "data" / "files")  # the data folder's exchange area: its default local root
        group = p.create_dataset_group(name="personalize-poc-movielens")["datasetGroupArn"]
        wait(p.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
        for kind, file in files.items():
            schema = p.create_schema(name=f"poc-{kind}", schema=json.dumps(SCHEMAS[kind]))["schemaArn"]
            ds = p.create_dataset(name=f"poc-{kind}", schemaArn=schema, datasetGroupArn=group,
                                  datasetType=kind)["datasetArn"]
            wait(p.describe_dataset, "dataset", datasetArn=ds)
            job = p.create_dataset_import_job(jobName=f"poc-{kind}", datasetArn=ds,
                                              dataSource={"dataLocation": str(file)},
                                              roleArn="arn:aws:iam::000000000000:role/PersonalizeRolePOC")
            done = wait(p.describe_dataset_import_job, "datasetImportJob",
                        datasetImportJobArn=job["datasetImportJobArn"])
            assert done["status"] == "ACTIVE", done
        print(f"| recipe | {' | '.join(SHORT)} |\n|---|" + "---|" * len(SHORT))
        for recipe, reference in PERSONALIZE.items():
            solution = p.create_solution(name=recipe.replace("aws-", "poc-"), datasetGroupArn=group,
                                         recipeArn=f"arn:aws:personalize:::recipe/{recipe}")["solutionArn"]
            wait(p.describe_solution, "solution", solutionArn=solution)
            runs, seconds = [], []
            for _ in range(args.versions):
                start = time.perf_counter()
                version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
                done = wait(p.describe_solution_version, "solutionVersion", solutionVersionArn=version)
                assert done["status"] == "ACTIVE", done
                seconds.append(time.perf_counter() - start)
                runs.append(p.get_solution_metrics(solutionVersionArn=version)["metrics"])
            means = [statistics.mean(r[k] for r in runs) for k in KEYS]
            stds = [statistics.pstdev(r[k] for r in runs) for k in KEYS]
            print(f"| {recipe} ({args.versions} versions, {statistics.mean(seconds):.1f} s each) | "
                  + " | ".join(f"{m:.4f}±{s:.4f}" for m, s in zip(means, stds)) + " |")
            print("| Personalize | " + " | ".join(f"{r:.4f}" for r in reference) + " |")
            print("| ratio | " + " | ".join(f"{m / r:.2f}x" for m, r in zip(means, reference)) + " |")


if __name__ == "__main__":
    main()
