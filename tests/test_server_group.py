"""`tastemaker serve --processes 2`: one port, two server processes over one store; requests spread over both, the
processes split the jobs, and a PutEvents answered by one changes what the other serves."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request

import boto3

from tastemaker.store import open_store
from tastemaker.synthetic import INTERACTIONS_SCHEMA, generate
from tests.conftest import free_port, wait_for

ROLE = "arn:aws:iam::000000000000:role/r"


def _pid(url: str) -> int:
    with urllib.request.urlopen(url + "/", timeout=10) as resp:  # a new connection each time
        return json.loads(resp.read())["process"]


def _until(read, timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    while (status := read()) not in ("ACTIVE", "CREATE FAILED") and time.monotonic() < deadline:
        time.sleep(0.1)
    return status


def test_two_processes_share_the_port_the_store_and_the_work(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "TASTEMAKER_WORKERS": "1", "TASTEMAKER_JOB_LEASE_SECONDS": "5"}
    proc = subprocess.Popen([sys.executable, "-m", "tastemaker", "serve", "--processes", "2", "--port", str(port),
                             "--data-dir", str(tmp_path / "data"), "--log-level", "warning"], env=env)
    try:
        wait_for(url + "/", 60)
        deadline = time.monotonic() + 30
        pids: set[int] = set()
        while len(pids) < 2 and time.monotonic() < deadline:
            pids.add(_pid(url))
        assert len(pids) == 2 and proc.pid not in pids, pids  # two members answer; the parent only supervises

        kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
        p = boto3.client("personalize", **kw)
        csv = generate(n_users=200, n_items=300, n_interactions=6000, seed=2).write_csv(tmp_path / "csv")
        group = p.create_dataset_group(name="group")["datasetGroupArn"]
        schema = p.create_schema(name="group", schema=INTERACTIONS_SCHEMA)["schemaArn"]
        dataset = p.create_dataset(name="group", schemaArn=schema, datasetGroupArn=group,
                                   datasetType="Interactions")["datasetArn"]
        job = p.create_dataset_import_job(jobName="group", datasetArn=dataset, roleArn=ROLE, dataSource={
            "dataLocation": str(csv["interactions"])})["datasetImportJobArn"]
        assert _until(lambda: p.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"]["status"]) \
            == "ACTIVE"
        versions = []
        for k in range(2):  # one heavy worker per process: the two versions train on the two processes
            solution = p.create_solution(name=f"s{k}", datasetGroupArn=group,
                                         recipeArn="arn:aws:personalize:::recipe/aws-user-personalization")
            versions.append(p.create_solution_version(solutionArn=solution["solutionArn"])["solutionVersionArn"])
        store, owners = open_store(f"sqlite:///{tmp_path / 'data' / 'tastemaker.db'}"), set()
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and any(
                    p.describe_solution_version(solutionVersionArn=v)["solutionVersion"]["status"]
                    in ("CREATE PENDING", "CREATE IN_PROGRESS") for v in versions):
                owners |= {int(j["owner"].split(":")[1]) for j in store.jobs(["running"]) if j.get("owner")}
                time.sleep(0.1)
        finally:
            store.close()
        assert owners == pids, owners  # each process trained one version
        for v in versions:
            assert p.describe_solution_version(solutionVersionArn=v)["solutionVersion"]["status"] == "ACTIVE"
        campaign = p.create_campaign(name="c", solutionVersionArn=versions[0])["campaignArn"]
        assert _until(lambda: p.describe_campaign(campaignArn=campaign)["campaign"]["status"]) == "ACTIVE"

        tracker = p.create_event_tracker(name="t", datasetGroupArn=group)["trackingId"]
        user = "someone-new"
        for k in range(12):  # fresh clients, fresh connections: both processes serve the campaign
            runtime = boto3.client("personalize-runtime", **kw)
            assert len(runtime.get_recommendations(campaignArn=campaign, userId="1")["itemList"]) == 25
        before = boto3.client("personalize-runtime", **kw).get_recommendations(
            campaignArn=campaign, userId=user)["itemList"]
        items = [i["itemId"] for i in before[:3]]
        boto3.client("personalize-events", **kw).put_events(trackingId=tracker, userId=user, sessionId="s", eventList=[
            {"eventType": "click", "itemId": item, "sentAt": time.time() + n} for n, item in enumerate(items)])
        deadline = time.monotonic() + 10
        changed = 0
        while changed < 6 and time.monotonic() < deadline:  # within a second or so on either process
            after = boto3.client("personalize-runtime", **kw).get_recommendations(
                campaignArn=campaign, userId=user)["itemList"]
            changed = changed + 1 if after != before else 0
            time.sleep(0.2)
        assert changed >= 6, "PutEvents on one process did not reach the other"
    finally:
        proc.terminate()
        proc.wait(30)
