"""Job lifecycle: statuses through the runner, and no job left IN_PROGRESS after the process dies."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tastemaker import jobs
from tastemaker.jobs import runner
from tastemaker.service import Service
from tastemaker.settings import Settings
from tests.conftest import ROOT, Server, wait_for

KIND = "test_thing"
SEEN: list[str] = []


@jobs.task("test:work", KIND)
def work(ctx, arn, payload, progress):
    SEEN.append(ctx.store.get(KIND, arn)["status"])
    progress.update(0.5)
    if payload.get("fail"):
        raise jobs.JobFailed(f"the input at {payload['fail']} has no USER_ID column")
    if payload.get("crash"):
        raise ValueError("boom")
    return {"answer": 42}


def make_service(path, executor="inline") -> Service:
    return Service(Settings(data_dir=path, executor=executor))


def new_thing(service: Service, name: str, **payload) -> tuple[str, int]:
    arn = service.base.arn(f"thing/{name}")
    service.store.insert(KIND, {"arn": arn, "name": name, "status": "CREATE PENDING"})
    return arn, service.store.add_job("test:work", arn, payload)


@pytest.fixture
def service(tmp_path):
    svc = make_service(tmp_path / "data")
    yield svc
    svc.close()


def test_statuses_go_pending_in_progress_active(service):
    SEEN.clear()
    arn, job_id = new_thing(service, "ok")
    assert service.store.get(KIND, arn)["status"] == "CREATE PENDING"
    service._run(job_id)
    assert SEEN == ["CREATE IN_PROGRESS"]
    record = service.store.get(KIND, arn)
    assert (record["status"], record["answer"]) == ("ACTIVE", 42)
    assert service.store.get_job(job_id)["state"] == "done"


def test_job_failed_becomes_create_failed_with_the_reason(service):
    arn, job_id = new_thing(service, "bad", fail="s3://bucket/x.csv")
    service._run(job_id)
    record = service.store.get(KIND, arn)
    assert record["status"] == "CREATE FAILED"
    assert record["failure_reason"] == "the input at s3://bucket/x.csv has no USER_ID column"


def test_a_crash_is_a_failure_that_names_the_error(service):
    arn, job_id = new_thing(service, "crash", crash=True)
    service._run(job_id)
    record = service.store.get(KIND, arn)
    assert record["status"] == "CREATE FAILED"
    assert "ValueError: boom" in record["failure_reason"]


def test_a_job_runs_once_even_if_submitted_twice(service):
    SEEN.clear()
    arn, job_id = new_thing(service, "twice")
    service._run(job_id)
    service._run(job_id)
    assert SEEN == ["CREATE IN_PROGRESS"]


def test_pending_jobs_resume_after_a_restart(tmp_path):
    first = make_service(tmp_path / "data")
    arn, job_id = new_thing(first, "later")
    first.close()  # the process ends before any executor ran the job
    second = make_service(tmp_path / "data")
    second.start()
    assert second.store.get(KIND, arn)["status"] == "ACTIVE"
    assert second.store.get_job(job_id)["state"] == "done"
    second.close()


def _die_while_running(path, job_id: int, arn: str) -> None:
    """What a process that dies mid-job leaves behind: the job claimed, the resource IN_PROGRESS."""
    svc = make_service(path)
    assert svc.store.claim_job(job_id) is not None
    svc.store.update(KIND, arn, {"status": "CREATE IN_PROGRESS"})
    svc.close()


def test_a_running_job_is_retried_once_then_failed_with_a_reason(tmp_path):
    data = tmp_path / "data"
    first = make_service(data)
    arn, job_id = new_thing(first, "flaky")
    first.close()
    _die_while_running(data, job_id, arn)
    probe = make_service(data)
    assert runner.recover(probe.base) == [job_id]  # retried once: pending again
    assert probe.store.get(KIND, arn)["status"] == "CREATE PENDING"
    probe.close()
    _die_while_running(data, job_id, arn)  # ... and the retry dies too
    last = make_service(data)
    last.start()
    record = last.store.get(KIND, arn)
    assert record["status"] == "CREATE FAILED"
    assert "stopped while this job was running, twice" in record["failure_reason"]
    assert last.store.get_job(job_id)["state"] == "failed"
    last.close()


class SlowServer(Server):
    """A real `tastemaker serve` whose dataset import jobs take minutes."""

    def start(self) -> Server:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.jobs.slow_serve", "serve", "--port", str(self.port),
             "--data-dir", str(self.data_dir), "--log-level", "warning"],
            env=self.env, cwd=str(ROOT),
        )
        wait_for(self.url + "/")
        return self


def _slow_import(client, name: str, csv_path) -> str:
    """A dataset group, a dataset and an import job (slow on a SlowServer); returns the job's ARN."""
    from tastemaker.synthetic import INTERACTIONS_SCHEMA

    group = client.create_dataset_group(name=name)["datasetGroupArn"]
    schema = client.create_schema(name=name, schema=INTERACTIONS_SCHEMA)["schemaArn"]
    dataset = client.create_dataset(name=name, schemaArn=schema, datasetGroupArn=group,
                                    datasetType="Interactions")["datasetArn"]
    csv_path.write_text("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n")
    return client.create_dataset_import_job(jobName=name, datasetArn=dataset, roleArn="arn:aws:iam::1:role/r",
                                            dataSource={"dataLocation": str(csv_path)})["datasetImportJobArn"]


def _wait_status(client, arn: str, wanted: str, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"]
        if job["status"] == wanted or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def test_killed_server_leaves_nothing_in_progress(tmp_path):
    data = tmp_path / "data"
    slow = SlowServer(data).start()
    try:
        arn = _slow_import(slow.client("personalize"), "survivor", tmp_path / "in.csv")
        assert _wait_status(slow.client("personalize"), arn, "CREATE IN_PROGRESS")["status"] == "CREATE IN_PROGRESS"
    finally:
        slow.kill()
    normal = Server(data).start()  # runs the real import again: the file has no rows, so it fails with why
    try:
        client = normal.client("personalize")
        job = _wait_status(client, arn, "CREATE FAILED")
        assert job["status"] == "CREATE FAILED" and "no data rows" in job["failureReason"]
        statuses = {j["jobName"]: j["status"] for j in client.list_dataset_import_jobs()["datasetImportJobs"]}
        assert statuses == {"survivor": "CREATE FAILED"}
    finally:
        normal.stop()


def test_killed_twice_fails_with_a_reason(tmp_path):
    data = tmp_path / "data"
    for attempt in range(2):
        slow = SlowServer(data).start()
        try:
            client = slow.client("personalize")
            if attempt == 0:
                arn = _slow_import(client, "doomed", tmp_path / "in.csv")
            assert _wait_status(client, arn, "CREATE IN_PROGRESS")["status"] == "CREATE IN_PROGRESS"
        finally:
            slow.kill()
    normal = Server(data).start()
    try:
        job = _wait_status(normal.client("personalize"), arn, "CREATE FAILED")
        assert job["status"] == "CREATE FAILED"
        assert "stopped while this job was running, twice" in job["failureReason"]
    finally:
        normal.stop()


def test_a_resource_deleted_before_its_job_starts_cancels_the_job(service):
    arn, job_id = new_thing(service, "gone")
    service.store.delete(KIND, arn)
    service._run(job_id)  # no exception, and the job does not stay running
    assert service.store.get_job(job_id)["state"] == "cancelled"


@jobs.task("test:self-deleting", KIND)
def self_deleting(ctx, arn, payload, progress):
    ctx.store.delete(KIND, arn)
    return {"answer": 1}


def test_a_resource_deleted_while_its_job_runs_finishes_the_job(service):
    arn = service.base.arn("thing/vanishing")
    service.store.insert(KIND, {"arn": arn, "name": "vanishing", "status": "CREATE PENDING"})
    job_id = service.store.add_job("test:self-deleting", arn, {})
    service._run(job_id)
    assert service.store.get_job(job_id)["state"] == "done"
    assert service.store.find(KIND, arn) is None


def _import(p, group: str, folder) -> None:
    from tastemaker.synthetic import INTERACTIONS_SCHEMA, generate

    paths = generate(n_users=300, n_items=400, n_interactions=15_000, seed=5).write_csv(folder)
    schema = p.create_schema(name="kill-interactions", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    dataset = p.create_dataset(name="kill-interactions", schemaArn=schema, datasetGroupArn=group,
                               datasetType="Interactions")["datasetArn"]
    while p.describe_dataset(datasetArn=dataset)["dataset"]["status"] != "ACTIVE":
        time.sleep(0.05)
    job = p.create_dataset_import_job(jobName="kill-import", datasetArn=dataset, roleArn="arn:aws:iam::1:role/r",
                                      dataSource={"dataLocation": str(paths["interactions"])})["datasetImportJobArn"]
    deadline = time.monotonic() + 60
    while p.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"]["status"] != "ACTIVE":
        assert time.monotonic() < deadline, "import did not finish"
        time.sleep(0.1)


def test_killed_during_real_training_the_version_is_retrained_after_restart(tmp_path):
    data = tmp_path / "data"
    first = Server(data).start()
    try:
        p = first.client("personalize")
        group = p.create_dataset_group(name="killed-training")["datasetGroupArn"]
        _import(p, group, tmp_path / "csv")
        solution = p.create_solution(name="killed", datasetGroupArn=group,
                                     recipeArn="arn:aws:personalize:::recipe/aws-user-personalization")["solutionArn"]
        while p.describe_solution(solutionArn=solution)["solution"]["status"] != "ACTIVE":
            time.sleep(0.05)
        version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
        while p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]["status"] == "CREATE PENDING":
            time.sleep(0.01)
        seen = p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]["status"]
    finally:
        first.kill()
    if seen != "CREATE IN_PROGRESS":
        pytest.skip(f"training finished before the kill ({seen}); nothing to recover")
    second = Server(data).start()
    try:
        p = second.client("personalize")
        deadline = time.monotonic() + 120
        while (found := p.describe_solution_version(solutionVersionArn=version)["solutionVersion"])["status"] in (
                "CREATE PENDING", "CREATE IN_PROGRESS"):
            assert time.monotonic() < deadline, "the interrupted training never finished after the restart"
            time.sleep(0.1)
        assert found["status"] == "ACTIVE", found.get("failureReason")
        assert p.get_solution_metrics(solutionVersionArn=version)["metrics"]["precision_at_5"] >= 0
    finally:
        second.stop()


def test_a_lost_job_fails_with_the_reason_unless_it_had_ended(service):
    arn, job_id = new_thing(service, "lost")
    assert runner.fail_lost(service.base, job_id, "The Ray worker running this job ended before the job did")
    record = service.store.get(KIND, arn)
    assert record["status"] == "CREATE FAILED"
    assert record["failure_reason"].startswith("The Ray worker running this job ended")
    assert service.store.get_job(job_id)["state"] == "failed"
    done_arn, done_id = new_thing(service, "done")
    service._run(done_id)
    assert not runner.fail_lost(service.base, done_id, "too late")  # an ended job keeps its outcome
    assert service.store.get(KIND, done_arn)["status"] == "ACTIVE"
