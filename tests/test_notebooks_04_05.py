"""POC notebooks 04-05 (+ 06 clean-up) against a real `tastemaker serve` on the MovieLens POC data (spec §1.4)."""
from __future__ import annotations

import csv
import json
import time
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.conftest import Server, free_port
from tests.poc import poc_interactions_csv, poc_items_csv, setup_poc, wait_status

ROLE = "arn:aws:iam::000000000000:role/PersonalizeRolePOC"
RECIPES = {"userpersonalization": "aws-user-personalization", "SIMS": "aws-sims", "rerank": "aws-personalized-ranking"}
FILTERS = {"Film-Noir": 'INCLUDE ItemID WHERE Items.GENRE IN ("Film-Noir")',
           "1970s": "INCLUDE ItemID WHERE Items.YEAR >= 1970 AND Items.YEAR < 1980",
           "unwatched": 'EXCLUDE ItemID WHERE Interactions.event_type IN ("watch")',
           "watched": 'INCLUDE ItemID WHERE Interactions.event_type IN ("watch")'}


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    from moto.server import ThreadedMotoServer

    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    moto.start()
    endpoint = f"http://127.0.0.1:{port}"
    yield endpoint, boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                                 aws_access_key_id="test", aws_secret_access_key="test")
    moto.stop()


@pytest.fixture(scope="module")
def poc(tmp_path_factory, s3):
    root = tmp_path_factory.mktemp("poc")
    env = {"AWS_ENDPOINT_URL_S3": s3[0], "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1"}
    server = Server(root / "d", env=env).start()
    try:
        p = server.client("personalize")
        out = setup_poc(p, root / "csv")
        group = out["dataset_group_arn"]
        solutions = {k: p.create_solution(name=f"personalize-poc-{k.lower()}", datasetGroupArn=group,
                                          recipeArn=f"arn:aws:personalize:::recipe/{r}")["solutionArn"]
                     for k, r in RECIPES.items()}
        for arn in solutions.values():
            wait_status(p.describe_solution, "solution", solutionArn=arn)
        versions = {k: p.create_solution_version(solutionArn=a)["solutionVersionArn"] for k, a in solutions.items()}
        for arn in versions.values():
            assert wait_status(p.describe_solution_version, "solutionVersion", timeout=300,
                               solutionVersionArn=arn)["status"] == "ACTIVE"
        out.update(server=server, p=p, rt=server.client("personalize-runtime"), ev=server.client("personalize-events"),
                   solutions=solutions, versions=versions, root=root, s3=s3[1])
        yield out
    finally:
        server.stop()


@pytest.fixture(scope="module")
def data(poc):
    with open(poc_items_csv(poc["root"] / "meta")) as f:
        items = {r["ITEM_ID"]: r for r in csv.DictReader(f)}
    watched: dict[str, set[str]] = {}
    with open(poc_interactions_csv(poc["root"] / "meta")) as f:
        for r in csv.DictReader(f):
            if r["EVENT_TYPE"] == "watch":
                watched.setdefault(r["USER_ID"], set()).add(r["ITEM_ID"])
    return items, watched


@pytest.fixture(scope="module")
def campaigns(poc):
    p = poc["p"]
    arns = {k: p.create_campaign(name=f"personalize-poc-{k}", solutionVersionArn=v, minProvisionedTPS=1)["campaignArn"]
            for k, v in poc["versions"].items()}
    for arn in arns.values():
        assert wait_status(p.describe_campaign, "campaign", campaignArn=arn)["status"] == "ACTIVE"
    filters = {n: p.create_filter(name=n, datasetGroupArn=poc["dataset_group_arn"], filterExpression=e)["filterArn"]
               for n, e in FILTERS.items()}
    for arn in filters.values():
        assert wait_status(p.describe_filter, "filter", filterArn=arn)["status"] == "ACTIVE"
    return {**arns, "filters": filters}


def ids(response, key="itemList"):
    return [i["itemId"] for i in response[key]]


def test_campaign_names_keep_their_case(poc, campaigns):
    assert campaigns["SIMS"].endswith(":campaign/personalize-poc-SIMS")
    found = poc["p"].describe_campaign(campaignArn=campaigns["SIMS"])["campaign"]
    assert found["status"] == "ACTIVE" and found["minProvisionedTPS"] == 1


def test_sims_and_user_recommendations(poc, campaigns):
    sims = poc["rt"].get_recommendations(campaignArn=campaigns["SIMS"], itemId="589")
    assert len(sims["itemList"]) == 25 and "589" not in ids(sims)
    assert all("score" not in i for i in sims["itemList"])
    for user in ("115", "518", "252"):
        got = poc["rt"].get_recommendations(campaignArn=campaigns["userpersonalization"], userId=user)
        assert len(got["itemList"]) == 25 and all(0 < i["score"] < 1 for i in got["itemList"])


def test_filters_return_only_what_they_allow(poc, campaigns, data):
    items, watched = data
    rt, filters = poc["rt"], campaigns["filters"]
    for user in ("115", "518", "252"):
        noir = ids(rt.get_recommendations(campaignArn=campaigns["userpersonalization"], userId=user,
                                          filterArn=filters["Film-Noir"]))
        assert noir and all("Film-Noir" in items[i]["GENRE"].split("|") for i in noir)
        seventies = ids(rt.get_recommendations(campaignArn=campaigns["userpersonalization"], userId=user,
                                               filterArn=filters["1970s"]))
        assert seventies and all(1970 <= int(items[i]["YEAR"]) < 1980 for i in seventies)
        unwatched = ids(rt.get_recommendations(campaignArn=campaigns["userpersonalization"], userId=user,
                                               filterArn=filters["unwatched"]))
        assert len(unwatched) == 25 and not set(unwatched) & watched[user]


def test_put_events_for_a_new_user(poc, campaigns):
    p, rt, ev = poc["p"], poc["rt"], poc["ev"]
    tracker = p.create_event_tracker(name="MovieTracker", datasetGroupArn=poc["dataset_group_arn"])
    assert wait_status(p.describe_event_tracker, "eventTracker",
                       eventTrackerArn=tracker["eventTrackerArn"])["status"] == "ACTIVE"
    campaign, user = campaigns["userpersonalization"], f"new-{uuid.uuid4().hex[:6]}"
    before = ids(rt.get_recommendations(campaignArn=campaign, userId=user))
    movies = ["1", "2", "3", "4"]
    for k, movie in enumerate(movies):
        ev.put_events(trackingId=tracker["trackingId"], userId=user, sessionId=str(uuid.uuid1()), eventList=[
            {"sentAt": int(time.time()) + k, "eventType": "watch", "properties": json.dumps({"itemId": movie})}])
    after = ids(rt.get_recommendations(campaignArn=campaign, userId=user))
    assert after != before
    watched = ids(rt.get_recommendations(campaignArn=campaign, userId=user, filterArn=campaigns["filters"]["watched"]))
    assert set(watched) == set(movies)
    p.delete_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])


def test_personalized_ranking_of_25_items(poc, campaigns, data):
    items = sorted(data[0])[:23] + ["no-such-movie-1", "no-such-movie-2"]
    got = poc["rt"].get_personalized_ranking(campaignArn=campaigns["rerank"], userId="115", inputList=items)
    ranked = got["personalizedRanking"]
    assert len(ranked) == 25 and [i["itemId"] for i in ranked[-2:]] == ["no-such-movie-1", "no-such-movie-2"]
    scores = [i["score"] for i in ranked if "score" in i]
    assert len(scores) == 23 and sum(scores) == pytest.approx(1.0, abs=1e-6)


def test_batch_inference_through_s3(poc):
    s3, p = poc["s3"], poc["p"]
    s3.create_bucket(Bucket="personalizepocvod")
    s3.put_object(Bucket="personalizepocvod", Key="json_input.json",
                  Body="\n".join(json.dumps({"userId": u}) for u in ("115", "518", "252")).encode())
    job = p.create_batch_inference_job(
        jobName=f"VOD-POC-Batch-Inference-Job-UserPersonalization_{int(time.time() * 1000)}",
        solutionVersionArn=poc["versions"]["userpersonalization"], roleArn=ROLE,
        jobInput={"s3DataSource": {"path": "s3://personalizepocvod/json_input.json"}},
        jobOutput={"s3DataDestination": {"path": "s3://personalizepocvod/"}})["batchInferenceJobArn"]
    done = wait_status(p.describe_batch_inference_job, "batchInferenceJob", batchInferenceJobArn=job)
    assert done["status"] == "ACTIVE", done.get("failureReason")
    body = s3.get_object(Bucket="personalizepocvod", Key="json_input.json.out")["Body"].read().decode()
    lines = [json.loads(line) for line in body.splitlines()]
    assert [line["input"]["userId"] for line in lines] == ["115", "518", "252"]
    assert all(len(line["output"]["recommendedItems"]) == 25 for line in lines)


def test_clean_up_in_order(poc, campaigns):
    p = poc["p"]
    with pytest.raises(ClientError) as err:
        p.delete_solution(solutionArn=poc["solutions"]["SIMS"])
    assert err.value.response["Error"]["Code"] == "ResourceInUseException"
    for key in RECIPES:
        p.delete_campaign(campaignArn=campaigns[key])
    for arn in campaigns["filters"].values():
        p.delete_filter(filterArn=arn)
    for arn in poc["solutions"].values():
        p.delete_solution(solutionArn=arn)
    for key in ("interactions_dataset_arn", "items_dataset_arn"):
        p.delete_dataset(datasetArn=poc[key])
    p.delete_dataset_group(datasetGroupArn=poc["dataset_group_arn"])
    assert poc["dataset_group_arn"] not in [g["datasetGroupArn"] for g in p.list_dataset_groups()["datasetGroups"]]
