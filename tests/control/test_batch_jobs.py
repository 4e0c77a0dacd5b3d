"""Batch inference jobs through boto3: JSON Lines in and `<input>.out` out, on moto S3 and on local files."""
from __future__ import annotations

import json
import os

import boto3
import pytest
from botocore.exceptions import ClientError

import tastemaker
from tests import serving_setup as ss
from tests.conftest import free_port

ROLE = "arn:aws:iam::000000000000:role/PersonalizeRolePOC"


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL_S3", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update(AWS_ENDPOINT_URL_S3=f"http://127.0.0.1:{port}", AWS_ACCESS_KEY_ID="test",
                      AWS_SECRET_ACCESS_KEY="test")
    yield f"http://127.0.0.1:{port}"
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    server.stop()


@pytest.fixture(scope="module")
def env(tmp_path_factory, s3_endpoint):
    root = tmp_path_factory.mktemp("batch")
    with tastemaker.embedded(root / "data", executor="inline") as emb:
        p = emb.personalize
        out = ss.setup_group(p, root / "csv", name="batch")
        group = out["dataset_group_arn"]
        for short, recipe in (("up", "aws-user-personalization"), ("sims", "aws-sims"),
                              ("rank", "aws-personalized-ranking")):
            out[short] = ss.train(p, group, f"batch-{short}", recipe)["solution_version_arn"]
        out["noir"] = ss.make_filter(p, group, "batch-noir", 'INCLUDE ItemID WHERE Items.GENRE IN ($G)')
        out.update(emb=emb, root=root, s3=boto3.client("s3", region_name="us-east-1", endpoint_url=s3_endpoint))
        out["s3"].create_bucket(Bucket="poc")
        yield out


def run_job(env, name, version, source, target, **kw):
    p = env["emb"].personalize
    arn = p.create_batch_inference_job(jobName=name, solutionVersionArn=version, roleArn=ROLE,
                                       jobInput={"s3DataSource": {"path": source}},
                                       jobOutput={"s3DataDestination": {"path": target}}, **kw)["batchInferenceJobArn"]
    return p.describe_batch_inference_job(batchInferenceJobArn=arn)["batchInferenceJob"]


def lines_of(env, key):
    body = env["s3"].get_object(Bucket="poc", Key=key)["Body"].read().decode()
    return [json.loads(line) for line in body.splitlines()]


def test_user_personalization_on_s3_with_filter_values_and_bad_lines(env):
    lines = ['{"userId": "u3", "filterValues": {"G": "\\"Comedy\\""}}',
             '{"userId": "u70", "filterValues": {"G": "\\"Film-Noir\\""}}', "not json", '{"itemId": "i1"}',
             '{"userId": "u3"}']
    env["s3"].put_object(Bucket="poc", Key="in/users.json", Body="\n".join(lines).encode())
    job = run_job(env, "batch-up", env["up"], "s3://poc/in/users.json", "s3://poc/out/", numResults=10,
                  filterArn=env["noir"])
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert job["numResults"] == 10 and job["filterArn"] == env["noir"]
    out = lines_of(env, "out/users.json.out")
    assert len(out) == 5
    assert out[0]["input"]["userId"] == "u3" and out[0]["error"] is None
    assert len(out[0]["output"]["recommendedItems"]) == 10 and len(out[0]["output"]["scores"]) == 10
    assert all(int(i[1:]) < 100 for i in out[0]["output"]["recommendedItems"])
    noir = out[1]["output"]["recommendedItems"]
    assert noir and all("Film-Noir" in ss.genre(int(i[1:])) for i in noir)
    assert out[2]["error"].startswith("Invalid JSON") and out[2]["output"] is None
    assert "userId" in out[3]["error"]
    assert "$G" in out[4]["error"]  # an INCLUDE filter needs its placeholder value on every line
    listed = env["emb"].personalize.list_batch_inference_jobs(solutionVersionArn=env["up"])["batchInferenceJobs"]
    assert [j["jobName"] for j in listed] == ["batch-up"]


def test_related_items_from_a_folder_and_ranking(env):
    s3 = env["s3"]
    s3.put_object(Bucket="poc", Key="sims/a.json", Body=b'{"itemId": "i5"}\n{"itemId": "nope"}\n')
    s3.put_object(Bucket="poc", Key="sims/b.json", Body=b'{"itemId": "i150"}\n')
    job = run_job(env, "batch-sims", env["sims"], "s3://poc/sims/", "s3://poc/sims-out")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    a, b = lines_of(env, "sims-out/a.json.out"), lines_of(env, "sims-out/b.json.out")
    assert len(a) == 2 and len(b) == 1 and "scores" not in a[0]["output"]
    assert len(a[0]["output"]["recommendedItems"]) == 25
    s3.put_object(Bucket="poc", Key="rank.json", Body=b'{"userId": "u3", "itemList": ["i150", "ghost", "i5", "i7"]}\n')
    job = run_job(env, "batch-rank", env["rank"], "s3://poc/rank.json", "s3://poc/rank-out/")
    out = lines_of(env, "rank-out/rank.json.out")[0]["output"]
    assert out["recommendedItems"][-1] == "ghost" and len(out["scores"]) == 3
    assert sum(out["scores"]) == pytest.approx(1.0, abs=1e-5)


def test_local_files_and_missing_input(env, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"userId": "u1"}\n')
    job = run_job(env, "batch-local", env["up"], source.as_uri(), (tmp_path / "out").as_uri())
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert json.loads((tmp_path / "out" / "in.jsonl.out").read_text())["input"] == {"userId": "u1"}
    job = run_job(env, "batch-missing", env["up"], "s3://poc/nothing-here.json", "s3://poc/x/")
    assert job["status"] == "CREATE FAILED" and "nothing-here" in job["failureReason"]


def test_limits_and_unsupported(env):
    p = env["emb"].personalize
    for kw, needle in (({"batchInferenceJobMode": "THEME_GENERATION"}, "not supported yet"),
                       ({"numResults": 501}, "numResults")):
        with pytest.raises(ClientError) as err:
            run_job(env, "bad", env["up"], "s3://poc/a", "s3://poc/b", **kw)
        assert needle in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        p.create_batch_segment_job(jobName="seg", solutionVersionArn=env["up"], roleArn=ROLE,
                                   jobInput={"s3DataSource": {"path": "s3://poc/a"}},
                                   jobOutput={"s3DataDestination": {"path": "s3://poc/b"}})
    assert "not supported yet" in err.value.response["Error"]["Message"]
    assert p.list_batch_segment_jobs()["batchSegmentJobs"] == []


def test_at_most_five_jobs_in_flight(env):
    store = env["emb"].service.store  # five jobs still waiting (as a busy server would have them)
    waiting = [f"arn:aws:personalize:us-east-1:000000000000:batch-inference-job/waiting-{k}" for k in range(5)]
    for arn in waiting:
        store.insert("batch_inference_job", {"arn": arn, "batch_inference_job_arn": arn, "status": "CREATE PENDING",
                                             "creation_date_time": 0.0, "job_name": arn.rsplit("/", 1)[1]})
    try:
        with pytest.raises(ClientError) as err:
            run_job(env, "one-too-many", env["up"], "s3://poc/a", "s3://poc/b")
        assert err.value.response["Error"]["Code"] == "LimitExceededException"
    finally:
        for arn in waiting:
            store.delete("batch_inference_job", arn)
