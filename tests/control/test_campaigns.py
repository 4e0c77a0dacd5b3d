"""Campaigns through boto3: create/describe/list, config validation, the 5-ACTIVE limit, update without downtime."""
from __future__ import annotations

import threading
import time

import pytest
from botocore.exceptions import ClientError

import tastemaker
from tests import serving_setup as ss


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("campaigns")
    with tastemaker.embedded(root / "data", executor="inline") as emb:
        p = emb.personalize
        out = ss.setup_group(p, root / "csv", name="camp")
        up = ss.train(p, out["dataset_group_arn"], "camp-up", "aws-user-personalization")
        out.update(up)
        out["second_version"] = p.create_solution_version(solutionArn=up["solution_arn"])["solutionVersionArn"]
        out["pop"] = ss.train(p, out["dataset_group_arn"], "camp-pop", "aws-popularity-count")
        out["emb"] = emb
        yield out


def code(err):
    return err.value.response["Error"]["Code"]


def test_create_describe_list_delete(env):
    p = env["emb"].personalize
    config = {"itemExplorationConfig": {"explorationWeight": "0.5", "explorationItemAgeCutOff": "7"},
              "enableMetadataWithRecommendations": True}
    arn = p.create_campaign(name="camp-one", solutionVersionArn=env["solution_version_arn"], minProvisionedTPS=3,
                            campaignConfig=config)["campaignArn"]
    assert arn.endswith(":campaign/camp-one")
    found = p.describe_campaign(campaignArn=arn)["campaign"]
    assert found["status"] == "ACTIVE" and found["minProvisionedTPS"] == 3
    assert found["solutionVersionArn"] == env["solution_version_arn"]
    assert found["campaignConfig"]["itemExplorationConfig"] == config["itemExplorationConfig"]
    assert "latestCampaignUpdate" not in found
    listed = p.list_campaigns(solutionArn=env["solution_arn"])["campaigns"]
    assert [c["campaignArn"] for c in listed] == [arn]
    assert p.list_campaigns(solutionArn=env["pop"]["solution_arn"])["campaigns"] == []
    with pytest.raises(ClientError) as err:
        p.create_campaign(name="camp-one", solutionVersionArn=env["solution_version_arn"])
    assert code(err) == "ResourceAlreadyExistsException"
    with pytest.raises(ClientError) as err:
        p.delete_solution(solutionArn=env["solution_arn"])
    assert code(err) == "ResourceInUseException"
    p.delete_campaign(campaignArn=arn)
    with pytest.raises(ClientError) as err:
        p.describe_campaign(campaignArn=arn)
    assert code(err) == "ResourceNotFoundException"


@pytest.mark.parametrize("config, needle", [
    ({"itemExplorationConfig": {"explorationWeight": "1.5"}}, "between 0 and 1"),
    ({"itemExplorationConfig": {"explorationWeight": "lots"}}, "number"),
    ({"itemExplorationConfig": {"explorationItemAgeCutOff": "0"}}, "positive"),
    ({"itemExplorationConfig": {"surprise": "1"}}, "Unknown"),
])
def test_invalid_config(env, config, needle):
    with pytest.raises(ClientError) as err:
        env["emb"].personalize.create_campaign(name="bad", solutionVersionArn=env["solution_version_arn"],
                                               campaignConfig=config)
    assert code(err) == "InvalidInputException" and needle in err.value.response["Error"]["Message"]


def test_unknown_version_and_latest_without_sync(env):
    p = env["emb"].personalize
    with pytest.raises(ClientError) as err:
        p.create_campaign(name="ghost", solutionVersionArn=env["solution_arn"] + "/deadbeef")
    assert code(err) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as err:
        p.create_campaign(name="latest", solutionVersionArn=env["solution_arn"] + "/$LATEST")
    assert "syncWithLatestSolutionVersion" in err.value.response["Error"]["Message"]
    arn = p.create_campaign(name="latest", solutionVersionArn=env["solution_arn"] + "/$LATEST",
                            campaignConfig={"syncWithLatestSolutionVersion": True})["campaignArn"]
    assert p.describe_campaign(campaignArn=arn)["campaign"]["solutionVersionArn"] == env["second_version"]
    third = p.create_solution_version(solutionArn=env["solution_arn"])["solutionVersionArn"]
    time.sleep(1.1)  # the campaign record is re-read at most once a second
    assert len(env["emb"].runtime.get_recommendations(campaignArn=arn, userId="u1")["itemList"]) == 25
    assert p.describe_campaign(campaignArn=arn)["campaign"]["solutionVersionArn"] == third
    p.delete_campaign(campaignArn=arn)


def test_at_most_five_active_campaigns_per_group(env):
    p = env["emb"].personalize
    arns = [p.create_campaign(name=f"lim-{k}", solutionVersionArn=env["pop"]["solution_version_arn"])["campaignArn"]
            for k in range(5)]
    with pytest.raises(ClientError) as err:
        p.create_campaign(name="lim-6", solutionVersionArn=env["pop"]["solution_version_arn"])
    assert code(err) == "LimitExceededException"
    assert err.value.response["Error"]["Message"] == (
        "Cannot create a campaign. More than 5 resources in ACTIVE state. Please delete some and try again.")
    for arn in arns:
        p.delete_campaign(campaignArn=arn)


def test_update_switches_version_without_failed_requests(env):
    emb = env["emb"]
    arn = emb.personalize.create_campaign(name="camp-upd",
                                          solutionVersionArn=env["solution_version_arn"])["campaignArn"]
    failures, served, stop = [], [], threading.Event()

    def hammer():
        while not stop.is_set():
            try:
                served.append(len(emb.runtime.get_recommendations(campaignArn=arn, userId="u1")["itemList"]))
            except Exception as exc:  # any failure is a test failure
                failures.append(exc)

    thread = threading.Thread(target=hammer)
    thread.start()
    try:
        emb.personalize.update_campaign(campaignArn=arn, solutionVersionArn=env["second_version"], minProvisionedTPS=2)
    finally:
        stop.set()
        thread.join()
    assert not failures and served and set(served) == {25}
    found = emb.personalize.describe_campaign(campaignArn=arn)["campaign"]
    assert found["solutionVersionArn"] == env["second_version"] and found["minProvisionedTPS"] == 2
    assert found["latestCampaignUpdate"]["status"] == "ACTIVE"
    assert found["latestCampaignUpdate"]["solutionVersionArn"] == env["second_version"]
    emb.personalize.delete_campaign(campaignArn=arn)
