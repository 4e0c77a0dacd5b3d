"""The same work on each job executor: start the service, import generated data, train three solutions at once
(user-personalization, SIMS, and SIMS with HPO: 4 trials, 2 at a time, the executor's pieces).

    python bench/executors.py [--executors thread,ray] [--interactions 50000]

Prints wall seconds per stage and the ratio to the thread executor. (Metrics are not compared: each solution
version's evaluation split has its own seed, from its id, on any executor.)
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tastemaker  # noqa: E402
from tastemaker.synthetic import generate  # noqa: E402
from tastemaker.synthetic import INTERACTIONS_SCHEMA  # noqa: E402

HPO = {"hpoConfig": {"hpoResourceConfig": {"maxNumberOfTrainingJobs": "4", "maxParallelTrainingJobs": "2"}}}
SOLUTIONS = {"up": ("aws-user-personalization", {}), "sims": ("aws-sims", {}),
             "sims-hpo": ("aws-sims", {"performHPO": True, "solutionConfig": HPO})}


def wait_status(describe, key: str, timeout: float = 600.0, **kwargs) -> dict:
    """Poll a Describe* call until the resource has ended (ACTIVE or failed)."""
    deadline = time.monotonic() + timeout
    while (found := describe(**kwargs)[key])["status"] not in ("ACTIVE", "CREATE FAILED"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{key} still {found['status']} after {timeout} s")
        time.sleep(0.05)
    return found


def run(executor: str, folder: Path, csv: Path) -> dict:
    t0 = time.perf_counter()
    with tastemaker.embedded(folder / executor, executor=executor, local_roots=[csv.parent]) as emb:
        p = emb.personalize
        started = time.perf_counter()
        group = p.create_dataset_group(name="bench")["datasetGroupArn"]
        wait_status(p.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
        schema = p.create_schema(name="bench", schema=INTERACTIONS_SCHEMA)["schemaArn"]
        dataset = p.create_dataset(name="bench", schemaArn=schema, datasetGroupArn=group,
                                   datasetType="Interactions")["datasetArn"]
        wait_status(p.describe_dataset, "dataset", datasetArn=dataset)
        job = p.create_dataset_import_job(jobName="bench", datasetArn=dataset, dataSource={"dataLocation": str(csv)},
                                          roleArn="arn:aws:iam::000000000000:role/R")["datasetImportJobArn"]
        assert wait_status(p.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=job)["status"] \
            == "ACTIVE"
        imported = time.perf_counter()
        versions = []
        for name, (recipe, extra) in SOLUTIONS.items():
            solution = p.create_solution(name=name, datasetGroupArn=group,
                                         recipeArn=f"arn:aws:personalize:::recipe/{recipe}", **extra)["solutionArn"]
            wait_status(p.describe_solution, "solution", solutionArn=solution)
            versions.append(p.create_solution_version(solutionArn=solution)["solutionVersionArn"])
        for arn in versions:
            done = wait_status(p.describe_solution_version, "solutionVersion", timeout=600, solutionVersionArn=arn)
            assert done["status"] == "ACTIVE", done.get("failureReason")
        trained = time.perf_counter()
    return {"start": started - t0, "import": imported - started, "train": trained - imported,
            "total": time.perf_counter() - t0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--executors", default="thread,ray")
    ap.add_argument("--interactions", type=int, default=50_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = generate(n_users=max(200, args.interactions // 50), n_items=max(400, args.interactions // 25),
                        n_interactions=args.interactions)
        csv = data.write_csv(folder / "csv")["interactions"]
        results = {name: run(name, folder, csv) for name in args.executors.split(",")}
    base = results.get("thread")
    print(f"\n{args.interactions} generated interactions; train = {' + '.join(SOLUTIONS)} at once\n")
    print("| executor | start s | import s | train s | total s | total / thread |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        ratio = f"{r['total'] / base['total']:.2f}x" if base else ""
        print(f"| {name} | {r['start']:.1f} | {r['import']:.1f} | {r['train']:.1f} | {r['total']:.1f} | {ratio} |")


if __name__ == "__main__":
    main()
