"""The ray executor: jobs run as Ray tasks in other processes (a local Ray), failures stay inside their job, `map`
keeps the executor contract, and a real `tastemaker serve` with TASTEMAKER_EXECUTOR=ray imports, trains (HPO
trials included), evaluates and serves through boto3 — also in the scale-out configuration (PostgreSQL store, S3
lake on a moto server, Ray), where the workers share nothing with the server but those URLs."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import boto3
import pytest

from tastemaker.jobs.executors import make_executor
from tastemaker.jobs.ray_executor import RayExecutor, parse_address
from tests.conftest import Server, free_port
from tests.serving_setup import deploy, setup_group, train, wait_status

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray for the in-process tests (an executor made while Ray is up joins it and leaves it up)."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def test_parse_address_names_local_ray_a_cluster_or_the_mistake():
    assert parse_address("ray") == "local"
    assert parse_address("ray://head:10001") == "ray://head:10001"
    for bad in ("ray:", "ray://", "ray:head"):
        with pytest.raises(ValueError, match="'ray' \\(local\\) or 'ray://host:port'"):
            parse_address(bad)


def test_jobs_run_in_ray_worker_processes_and_drain_waits_for_them(local_ray, tmp_path):
    def run(job_id: int) -> None:
        time.sleep(0.05)
        (tmp_path / f"job-{job_id}").write_text(str(os.getpid()))

    executor = make_executor("ray", run, 2)
    assert isinstance(executor, RayExecutor)
    for job_id in range(5):
        executor.submit(job_id)
    executor.drain(timeout=60)
    pids = {int((tmp_path / f"job-{job_id}").read_text()) for job_id in range(5)}
    assert os.getpid() not in pids  # not run in this process
    executor.shutdown()
    assert ray.is_initialized()  # it joined a running Ray, so it leaves it up


def test_a_failing_job_is_logged_and_the_others_still_run(local_ray, tmp_path):
    def run(job_id: int) -> None:
        if job_id == 1:
            raise RuntimeError("job 1 broke")
        (tmp_path / f"job-{job_id}").write_text("done")

    executor = make_executor("ray", run, 2)
    for job_id in range(3):
        executor.submit(job_id)
    executor.drain(timeout=60)  # the failure does not surface here, as with the thread executor
    assert sorted(p.name for p in tmp_path.iterdir()) == ["job-0", "job-2"]


def test_a_job_whose_worker_dies_is_reported_lost(local_ray, tmp_path):
    lost: list[tuple[int, str]] = []

    def run(job_id: int) -> None:
        if job_id == 7:
            os._exit(3)  # the worker process dies mid-job (as on an out-of-memory kill)
        (tmp_path / f"job-{job_id}").write_text("done")

    executor = make_executor("ray", run, 2, on_lost=lambda job_id, reason: lost.append((job_id, reason)))
    executor.submit(6)
    executor.submit(7)
    executor.drain(timeout=60)
    deadline = time.monotonic() + 10
    while not lost and time.monotonic() < deadline:  # the callback runs on a Ray thread
        time.sleep(0.05)
    assert [job_id for job_id, _ in lost] == [7]
    assert lost[0][1].startswith("The Ray worker running this job ended before the job did")
    assert (tmp_path / "job-6").exists()


def test_map_runs_pieces_as_ray_tasks_in_order_and_raises_the_first_failure(local_ray, tmp_path):
    executor = make_executor("ray", lambda job_id: None, 2)

    def slow_square(x: int) -> int:
        time.sleep(0.01 * (5 - x))
        (tmp_path / f"piece-{x}").write_text(f"{os.getpid()} {time.monotonic()}")
        return x * x

    assert executor.map(slow_square, [0, 1, 2, 3, 4], 2) == [0, 1, 4, 9, 16]
    assert executor.map(slow_square, [], 3) == []
    pids = {int((tmp_path / f"piece-{x}").read_text().split()[0]) for x in range(5)}
    assert os.getpid() not in pids  # the pieces ran in Ray workers

    def piece(x: int) -> int:
        (tmp_path / f"started-{x}").write_text("")
        time.sleep(0.05)
        if x == 1:
            raise KeyError("piece 1")
        return x

    with pytest.raises(KeyError, match="piece 1"):
        executor.map(piece, list(range(20)), 2)
    assert len(list(tmp_path.glob("started-*"))) < 20  # the pieces after the failure were not started

    def slow_beside_a_failure(x: int) -> int:
        (tmp_path / f"began-{x}").write_text("")
        if x == 1:
            raise KeyError("piece 1")
        time.sleep(0.5)
        (tmp_path / f"ended-{x}").write_text("")
        return x

    with pytest.raises(KeyError, match="piece 1"):
        executor.map(slow_beside_a_failure, [0, 1, 2], 2)
    began = {p.name.split("-")[1] for p in tmp_path.glob("began-*")} - {"1"}
    assert began and began == {p.name.split("-")[1] for p in tmp_path.glob("ended-*")}  # none cut short


def test_a_piece_function_and_its_data_are_shipped_once_for_every_round(local_ray, monkeypatch):
    executor = make_executor("ray", lambda job_id: None, 2)
    shipped, put = [], ray.put
    monkeypatch.setattr(ray, "put", lambda value, **kw: shipped.append(value) or put(value, **kw))
    data = list(range(1000))  # what an HPO trial captures: the training data

    def trial(x: int) -> int:
        return sum(data) + x

    assert executor.map(trial, [1, 2], 2) == [499501, 499502]  # two rounds of the same search
    assert executor.map(trial, [3, 4], 2) == [499503, 499504]
    assert shipped == [trial]


def test_a_stop_inside_a_piece_reaches_the_job_as_a_stop(local_ray):
    from tastemaker.jobs.runner import StopRequested

    def piece(x: int) -> int:
        if x == 2:
            raise StopRequested()
        return x

    with pytest.raises(StopRequested):
        make_executor("ray", lambda job_id: None, 2).map(piece, [0, 1, 2, 3], 2)


def test_a_job_that_fans_out_on_a_one_cpu_ray_ends(tmp_path):
    """A job waiting on its pieces gives its CPU back, so a Ray with one CPU does not deadlock (a separate Ray:
    this one has a single CPU)."""
    script = tmp_path / "one_cpu.py"
    script.write_text(
        "import ray\n"
        "from tastemaker.jobs.executors import make_executor\n"
        "ray.init(address='local', num_cpus=1, include_dashboard=False, log_to_driver=False, configure_logging=False)\n"
        "@ray.remote(num_cpus=1)\n"
        "def job():  # as in a worker: the job's service makes its own executor on the running Ray\n"
        "    return make_executor('ray', lambda job_id: None, 1).map(lambda x: x + 10, [1, 2, 3], 3)\n"
        "print(ray.get(job.remote(), timeout=60))\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[11, 12, 13]"


def test_a_context_travels_as_its_settings(tmp_path):
    import pickle

    import tastemaker

    with tastemaker.embedded(tmp_path / "data", executor="inline") as emb:
        from tastemaker.control.dataset_groups import create_dataset_group

        ctx = emb.service.context("eu-west-1", "111111111111")
        group = create_dataset_group(ctx, name="g")["dataset_group_arn"]
        copy = pickle.loads(pickle.dumps(ctx))  # what a piece on a Ray worker gets
        assert copy is not ctx and (copy.region, copy.account_id) == ("eu-west-1", "111111111111")
        assert copy.store.get("dataset_group", group)["name"] == "g"  # the same store, opened again
        assert emb.personalize.list_dataset_groups()["datasetGroups"] == []  # us-east-1 of the default account


def test_serve_with_the_ray_executor_trains_evaluates_and_serves(tmp_path):
    srv = Server(tmp_path / "data", env={"TASTEMAKER_EXECUTOR": "ray", "RAY_USAGE_STATS_ENABLED": "0"}).start()
    try:
        personalize, runtime = srv.client("personalize"), srv.client("personalize-runtime")
        group = setup_group(personalize, tmp_path)["dataset_group_arn"]  # the imports run on Ray too
        up = train(personalize, group, "up", "aws-user-personalization")
        metrics = personalize.get_solution_metrics(solutionVersionArn=up["solution_version_arn"])["metrics"]
        assert 0.0 < metrics["normalized_discounted_cumulative_gain_at_10"] <= 1.0
        assert tuned_with_two_trials_at_once(personalize, group)
        assert stopped_in_flight(personalize, group) == "CREATE STOPPED"
        campaign = deploy(personalize, "up", up["solution_version_arn"])
        items = runtime.get_recommendations(campaignArn=campaign, userId="u1", numResults=5)["itemList"]
        assert len(items) == 5
        ray_processes = children(srv.proc.pid)
        assert ray_processes  # the local Ray the server started (GCS, raylet, workers)
    finally:
        srv.stop()
    deadline = time.monotonic() + 20
    while any(alive(pid) for pid in ray_processes) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in ray_processes if alive(pid)]  # stopping the server stops its Ray


def test_scale_out_configuration_ray_postgresql_and_s3(tmp_path, postgres_database):
    from moto.server import ThreadedMotoServer

    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    endpoint = f"http://127.0.0.1:{port}"
    credentials = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                      aws_secret_access_key="test")
    s3.create_bucket(Bucket="lake")
    srv = Server(tmp_path / "data", env={
        "TASTEMAKER_EXECUTOR": "ray", "TASTEMAKER_STORE_URL": "postgresql://" + postgres_database.split("://", 1)[1],
        "TASTEMAKER_LAKE_URL": "s3://lake/tastemaker", "AWS_ENDPOINT_URL_S3": endpoint, "RAY_USAGE_STATS_ENABLED": "0",
        **credentials})
    try:
        srv.start()
        personalize, runtime = srv.client("personalize"), srv.client("personalize-runtime")
        group = setup_group(personalize, tmp_path / "csv")["dataset_group_arn"]
        up = train(personalize, group, "up", "aws-user-personalization")
        metrics = personalize.get_solution_metrics(solutionVersionArn=up["solution_version_arn"])["metrics"]
        assert 0.0 < metrics["precision_at_5"] <= 1.0
        campaign = deploy(personalize, "up", up["solution_version_arn"])
        assert len(runtime.get_recommendations(campaignArn=campaign, userId="u1", numResults=5)["itemList"]) == 5
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="lake", Prefix="tastemaker/")["Contents"]]
        assert any(k.endswith(".parquet") for k in keys) and any(k.endswith("model.npz") for k in keys)
        assert not list((tmp_path / "data").rglob("*.db"))  # no SQLite: the metadata is in PostgreSQL
    finally:
        srv.stop()
        moto.stop()


@pytest.mark.skipif(os.environ.get("TASTEMAKER_TEST_RAY_CLIENT") != "1", reason=(
    "opt-in (TASTEMAKER_TEST_RAY_CLIENT=1): beside the rest of the suite Ray's client proxy sometimes fails to start "
    "its per-client server ('Starting Ray client server failed'), which is Ray's, not ours"))
def test_serve_joins_a_ray_cluster_through_ray_client(tmp_path):
    """TASTEMAKER_EXECUTOR=ray://host:port: a separate Ray head (`ray start --head`, token auth off on loopback)
    runs the jobs and the HPO trials; the server is only its client."""
    from pathlib import Path

    env = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}
    client_port = free_port()
    head = subprocess.Popen([str(Path(sys.executable).parent / "ray"), "start", "--head", "--block", "--num-cpus", "2",
                             "--port", str(free_port()), "--ray-client-server-port", str(client_port),
                             "--include-dashboard=false", "--disable-usage-stats"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    srv = Server(tmp_path / "data", env={"TASTEMAKER_EXECUTOR": f"ray://127.0.0.1:{client_port}",
                                         "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"})
    try:
        wait_port(client_port, 90)
        srv.start(timeout=120)  # Ray Client retries while the head's client server finishes starting
        personalize = srv.client("personalize")
        group = setup_group(personalize, tmp_path / "csv")["dataset_group_arn"]
        up = train(personalize, group, "up", "aws-user-personalization")
        metrics = personalize.get_solution_metrics(solutionVersionArn=up["solution_version_arn"])["metrics"]
        assert 0.0 < metrics["precision_at_5"] <= 1.0
        assert tuned_with_two_trials_at_once(personalize, group)
        assert not children(srv.proc.pid)  # the server started no Ray of its own
    finally:
        srv.stop()
        head.terminate()  # --block: the head stops its processes when it ends
        head.wait(60)


def wait_port(port: int, timeout: float) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            assert time.monotonic() < deadline, f"nothing listens on port {port}"
            time.sleep(0.2)


def tuned_with_two_trials_at_once(personalize, group: str) -> dict:
    """An ACTIVE SIMS version whose HPO ran two trials at once (as Ray tasks); its tuned hyperparameters."""
    solution = personalize.create_solution(
        name="sims-hpo", datasetGroupArn=group, recipeArn="arn:aws:personalize:::recipe/aws-sims", performHPO=True,
        solutionConfig={"hpoConfig": {"hpoResourceConfig": {"maxNumberOfTrainingJobs": "2",
                                                            "maxParallelTrainingJobs": "2"}}})["solutionArn"]
    wait_status(personalize.describe_solution, "solution", solutionArn=solution)
    arn = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    tuned = wait_status(personalize.describe_solution_version, "solutionVersion", solutionVersionArn=arn)
    assert tuned["status"] == "ACTIVE", tuned.get("failureReason")
    return tuned["tunedHPOParams"]["algorithmHyperParameters"]


def stopped_in_flight(personalize, group: str) -> str:
    """StopSolutionVersionCreation on a long HPO search whose trials run as Ray tasks: the stop, written to the
    store by the server, is seen by the job and its trials in the Ray workers. Returns the final status."""
    solution = personalize.create_solution(
        name="up-hpo", datasetGroupArn=group, recipeArn="arn:aws:personalize:::recipe/aws-user-personalization",
        performHPO=True, solutionConfig={"hpoConfig": {"hpoResourceConfig": {
            "maxNumberOfTrainingJobs": "40", "maxParallelTrainingJobs": "2"}}})["solutionArn"]
    wait_status(personalize.describe_solution, "solution", solutionArn=solution)
    arn = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    describe = personalize.describe_solution_version
    deadline = time.monotonic() + 60
    while describe(solutionVersionArn=arn)["solutionVersion"]["status"] != "CREATE IN_PROGRESS":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    personalize.stop_solution_version_creation(solutionVersionArn=arn)
    while (status := describe(solutionVersionArn=arn)["solutionVersion"]["status"]) == "CREATE STOPPING":
        assert time.monotonic() < deadline + 60, "the stop was not seen"
        time.sleep(0.1)
    return status


def children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended
