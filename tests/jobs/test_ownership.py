"""Jobs have one owner, always: one server per SQLite folder, jobs resumed only once the server listens, servers
sharing PostgreSQL split the work and survive kill -9 of either, light work never waits behind training, and a
burst of creates and deletes leaves nothing running."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from botocore.exceptions import ClientError

import tastemaker
from tastemaker.folder_lock import FolderInUse
from tastemaker.store import open_store
from tastemaker.synthetic import INTERACTIONS_SCHEMA, generate
from tests.conftest import Server, free_port

RECIPE = "arn:aws:personalize:::recipe/"
ROLE = "arn:aws:iam::000000000000:role/r"


def _imported_group(p, name: str, folder, users: int = 300) -> str:
    """A dataset group with synthetic interactions imported (no waits beyond the import's own polling)."""
    paths = generate(n_users=users, n_items=400, n_interactions=users * 50, seed=3).write_csv(folder)
    group = p.create_dataset_group(name=name)["datasetGroupArn"]
    schema = p.create_schema(name=name, schema=INTERACTIONS_SCHEMA)["schemaArn"]
    dataset = p.create_dataset(name=name, schemaArn=schema, datasetGroupArn=group,
                               datasetType="Interactions")["datasetArn"]
    job = p.create_dataset_import_job(jobName=name, datasetArn=dataset, roleArn=ROLE,
                                      dataSource={"dataLocation": str(paths["interactions"])})["datasetImportJobArn"]
    _until(lambda: p.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"]["status"],
           {"ACTIVE"}, 120)
    return group


def _until(read, wanted: set[str], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while (found := read()) not in wanted:
        if found in ("CREATE FAILED", "CREATE STOPPED") or time.monotonic() > deadline:
            return found
        time.sleep(0.1)
    return found


def _train(p, group: str, name: str, recipe: str = "aws-user-personalization") -> str:
    solution = p.create_solution(name=name, datasetGroupArn=group, recipeArn=RECIPE + recipe)["solutionArn"]
    return p.create_solution_version(solutionArn=solution)["solutionVersionArn"]


def _version_status(p, arn: str) -> str:
    return p.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]["status"]


def _serve(data_dir, port: int, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tastemaker", "serve", "--port", str(port), "--data-dir",
                           str(data_dir), "--log-level", "warning"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_a_second_server_on_the_folder_refuses_and_touches_nothing(tmp_path):
    first = Server(tmp_path / "data").start()
    try:
        p = first.client("personalize")
        group = _imported_group(p, "owned", tmp_path / "csv")
        version = _train(p, group, "owned")
        _until(lambda: _version_status(p, version), {"CREATE IN_PROGRESS"}, 60)
        for port in (free_port(), first.port):  # another port, and the same (taken) one
            second = _serve(first.data_dir, port)
            assert second.returncode == 1
            [line] = second.stderr.strip().splitlines()
            assert f"process {first.proc.pid}" in line and f":{first.port}" in line, line
        with pytest.raises(FolderInUse, match=f"process {first.proc.pid}"):
            tastemaker.embedded(first.data_dir)
        assert _until(lambda: _version_status(p, version), {"ACTIVE"}, 180) == "ACTIVE"
    finally:
        first.stop()


def test_jobs_resume_only_once_the_server_listens(tmp_path):
    """A server that cannot bind its port exits before it resumes anything left in its folder."""
    data = tmp_path / "idle"
    with tastemaker.embedded(data, executor="inline") as emb:
        group = emb.personalize.create_dataset_group(name="left")["datasetGroupArn"]
    store = open_store(f"sqlite:///{data / 'tastemaker.db'}")
    arn = group.replace(":dataset-group/", ":thing/")
    store.insert("dataset_import_job", {"arn": arn, "name": "left", "status": "CREATE PENDING"})
    job_id = store.add_job("dataset_import", arn, {})
    busy = Server(tmp_path / "busy").start()
    try:
        refused = _serve(data, busy.port)
        assert refused.returncode == 1 and "Cannot listen" in refused.stderr, refused.stderr
        assert store.get_job(job_id)["state"] == "pending"
        assert store.get("dataset_import_job", arn)["status"] == "CREATE PENDING"
    finally:
        busy.stop()
        store.close()


def test_light_resources_and_deployments_never_wait_behind_training(tmp_path):
    server = Server(tmp_path / "data").start()
    try:
        p = server.client("personalize")
        group = _imported_group(p, "light", tmp_path / "csv", users=1000)  # trainings long enough to watch
        ready = _train(p, group, "ready", "aws-sims")
        assert _until(lambda: _version_status(p, ready), {"ACTIVE"}, 120) == "ACTIVE"
        busy = [_train(p, group, f"busy-{k}") for k in range(2)]  # both heavy workers
        _until(lambda: _version_status(p, busy[1]), {"CREATE IN_PROGRESS"}, 60)
        solution = p.create_solution(name="next", datasetGroupArn=group, recipeArn=RECIPE + "aws-sims")["solutionArn"]
        assert p.describe_solution(solutionArn=solution)["solution"]["status"] == "ACTIVE"
        queued = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]  # accepted at once
        campaign = p.create_campaign(name="light", solutionVersionArn=ready)["campaignArn"]
        status = _until(lambda: p.describe_campaign(campaignArn=campaign)["campaign"]["status"], {"ACTIVE"}, 60)
        assert status == "ACTIVE"
        assert {_version_status(p, v) for v in busy} == {"CREATE IN_PROGRESS"}  # deployed beside the trainings
        assert _version_status(p, queued) == "CREATE PENDING"
        tracker = p.create_event_tracker(name="light", datasetGroupArn=group)
        server.client("personalize-events").put_events(
            trackingId=tracker["trackingId"], userId="u1", sessionId="s1",
            eventList=[{"eventType": "click", "sentAt": time.time(), "itemId": "i1"}])
    finally:
        server.stop()


def test_a_burst_of_creates_and_deletes_leaves_nothing_running(tmp_path):
    server = Server(tmp_path / "data").start()
    errors: list[str] = []

    def churn(worker: int) -> None:
        p = server.client("personalize")
        deadline = time.monotonic() + 8
        k = 0
        while time.monotonic() < deadline:
            name = f"churn-{worker}-{k}"
            k += 1
            try:
                arn = p.create_dataset_group(name=name)["datasetGroupArn"]
                p.create_filter(name=name, datasetGroupArn=arn, filterExpression='EXCLUDE ItemID WHERE '
                                'Interactions.EVENT_TYPE IN ("x")')
                p.delete_filter(filterArn=arn.replace(":dataset-group/", ":filter/"))
                p.delete_dataset_group(datasetGroupArn=arn)
            except ClientError as exc:
                errors.append(f"{name}: {exc}")

    try:
        threads = [threading.Thread(target=churn, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        p = server.client("personalize")
        assert p.list_dataset_groups()["datasetGroups"] == []
        store = open_store(f"sqlite:///{server.data_dir / 'tastemaker.db'}")
        try:
            assert store.jobs(["pending", "running"]) == []
        finally:
            store.close()
        arn = p.create_dataset_group(name="twice")["datasetGroupArn"]
        outcomes: list[str] = []
        barrier = threading.Barrier(2)

        def delete() -> None:
            client = server.client("personalize")
            barrier.wait()
            try:
                client.delete_dataset_group(datasetGroupArn=arn)
                outcomes.append("deleted")
            except ClientError as exc:
                outcomes.append(exc.response["Error"]["Code"])

        pair = [threading.Thread(target=delete) for _ in range(2)]
        for t in pair:
            t.start()
        for t in pair:
            t.join()
        assert outcomes.count("deleted") == 1, outcomes
        assert set(outcomes) - {"deleted"} <= {"ResourceNotFoundException", "ResourceInUseException"}
        with pytest.raises(ClientError, match="ResourceNotFoundException"):
            p.delete_dataset_group(datasetGroupArn=arn)
    finally:
        server.stop()


def _owner_pid(store, arn: str) -> int | None:
    for job in store.jobs(["running"]):
        if job["arn"] == arn and job.get("owner"):
            return int(job["owner"].split(":")[1])
    return None


def test_two_servers_on_postgresql_survive_kill_9_of_either(tmp_path, postgres_database):
    env = {"TASTEMAKER_STORE_URL": postgres_database, "TASTEMAKER_JOB_LEASE_SECONDS": "3",
           "TASTEMAKER_AUTO_TRAINING_CHECK_SECONDS": "0"}
    servers = [Server(tmp_path / "shared", env).start() for _ in range(2)]  # one lake folder, one store
    store = open_store(postgres_database)
    try:
        p = servers[0].client("personalize")
        group = _imported_group(p, "shared", tmp_path / "csv")
        versions = [_train(servers[k % 2].client("personalize"), group, f"split-{k}") for k in range(4)]
        deadline = time.monotonic() + 60
        while (pid := _owner_pid(store, versions[0])) is None:
            assert time.monotonic() < deadline, "the first version never started"
            time.sleep(0.05)
        victim = next(s for s in servers if s.proc.pid == pid)
        survivor = next(s for s in servers if s is not victim)
        os.kill(victim.proc.pid, signal.SIGKILL)
        victim.proc.wait(10)
        q = survivor.client("personalize")
        final = {v: _until(lambda v=v: _version_status(q, v), {"ACTIVE"}, 300) for v in versions}
        assert set(final.values()) == {"ACTIVE"}, final
        retried = [j for j in store.jobs(["done"]) if j["arn"] == versions[0]]
        assert retried and retried[0]["attempts"] == 2  # the killed run, then the survivor's
        assert q.get_solution_metrics(solutionVersionArn=versions[0])["metrics"]["precision_at_5"] >= 0
    finally:
        store.close()
        for s in servers:
            s.stop()
