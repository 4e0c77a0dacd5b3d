"""A training's progress lives in the job record: under `serve --processes 2` both processes report the same
moving share done, stage (HPO trial n of N), elapsed time and estimate, whichever of them runs the job."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from urllib.parse import quote

import boto3

from tastemaker.synthetic import INTERACTIONS_SCHEMA, generate
from tests.conftest import free_port, wait_for

ROLE = "arn:aws:iam::000000000000:role/r"


def _jobs(url: str, arn: str) -> dict:
    with urllib.request.urlopen(f"{url}/console/api/jobs?arns={quote(arn, safe=':/')}", timeout=10) as resp:
        return json.loads(resp.read())  # a new connection each time: either process may answer


def test_both_processes_show_a_training_move_through_its_hpo_trials(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "TASTEMAKER_WORKERS": "1", "TASTEMAKER_LOCAL_ROOTS": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "tastemaker", "serve", "--processes", "2", "--port", str(port),
                             "--data-dir", str(tmp_path / "data"), "--log-level", "warning"], env=env)
    try:
        wait_for(url + "/", 60)
        p = boto3.client("personalize", endpoint_url=url, region_name="us-east-1", aws_access_key_id="test",
                         aws_secret_access_key="test")
        csv = generate(n_users=400, n_items=600, n_interactions=20_000, seed=3).write_csv(tmp_path / "csv")
        group = p.create_dataset_group(name="progress")["datasetGroupArn"]
        schema = p.create_schema(name="progress", schema=INTERACTIONS_SCHEMA)["schemaArn"]
        dataset = p.create_dataset(name="progress", schemaArn=schema, datasetGroupArn=group,
                                   datasetType="Interactions")["datasetArn"]
        p.create_dataset_import_job(jobName="progress", datasetArn=dataset, roleArn=ROLE,
                                    dataSource={"dataLocation": str(csv["interactions"])})
        solution = p.create_solution(
            name="tuned", datasetGroupArn=group, recipeArn="arn:aws:personalize:::recipe/aws-user-personalization",
            performHPO=True, solutionConfig={"hpoConfig": {"hpoResourceConfig": {
                "maxNumberOfTrainingJobs": "6", "maxParallelTrainingJobs": "1"}}})["solutionArn"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the import must end before the training can be asked for
            try:
                version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
                break
            except p.exceptions.ResourceInUseException:
                time.sleep(0.2)
        seen: list[tuple[int, dict]] = []
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            answer = _jobs(url, version)
            job = answer["jobs"][version]
            seen.append((answer["process"], job))
            if not job["running"]:
                break
            time.sleep(0.1)
        assert seen[-1][1]["status"] == "ACTIVE", seen[-1]
        moving = [(pid, j) for pid, j in seen if j["running"] and j["progress"] is not None and not j["queued"]]
        fractions = [j["progress"] for _, j in moving]
        assert fractions == sorted(fractions) and fractions[-1] - fractions[0] > 0.3, fractions
        stages = {j["stage"] for _, j in moving}
        assert {f"tuning hyperparameters: trial {n} of 6" for n in (2, 3, 4, 5)} <= stages, stages
        assert "training on all data" in stages or "evaluating on held-out users" in stages, stages
        assert any(j["eta"] for _, j in moving) and max(j["elapsed"] for _, j in moving) > 1.0
        # both processes read the same record: each one reported the training mid-way at least once
        assert len({pid for pid, j in moving if 0 < j["progress"] < 1}) == 2, {pid for pid, _ in moving}
    finally:
        proc.terminate()
        proc.wait(30)
