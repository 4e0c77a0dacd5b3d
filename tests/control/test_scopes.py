"""Accounts and regions isolate: the region comes from the signature's credential scope, the account from the access
key; every ARN carries both, and a resource of one account or region is not found from another."""
from __future__ import annotations

import time

import boto3
import pytest
from botocore.exceptions import ClientError

from tastemaker.synthetic import INTERACTIONS_SCHEMA, generate

ROLE = "arn:aws:iam::000000000000:role/r"


def _client(server, name: str, region: str = "us-east-1", key: str = "test"):
    return boto3.client(name, endpoint_url=server.url, region_name=region, aws_access_key_id=key,
                        aws_secret_access_key="test")


def _poll(read, timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    while (status := read()) not in ("ACTIVE", "CREATE FAILED") and time.monotonic() < deadline:
        time.sleep(0.1)
    return status


def _shop(p, csv_path) -> tuple[str, str]:
    """Dataset group `shop` with its interactions imported (the same names in every region)."""
    group = p.create_dataset_group(name="shop")["datasetGroupArn"]
    schema = p.create_schema(name="shop", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    dataset = p.create_dataset(name="shop", schemaArn=schema, datasetGroupArn=group,
                               datasetType="Interactions")["datasetArn"]
    job = p.create_dataset_import_job(jobName="shop", datasetArn=dataset, roleArn=ROLE,
                                      dataSource={"dataLocation": str(csv_path)})["datasetImportJobArn"]
    assert _poll(lambda: p.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"]["status"]) \
        == "ACTIVE"
    return group, dataset


def test_two_regions_with_one_group_name_keep_their_own_data(server, tmp_path):
    csv = generate(n_users=200, n_items=300, n_interactions=6000, seed=4).write_csv(tmp_path / "csv")["interactions"]
    east, west = _client(server, "personalize"), _client(server, "personalize", "us-west-2")
    east_group, _ = _shop(east, csv)
    west_group, west_dataset = _shop(west, csv)
    assert ":us-east-1:000000000000:" in east_group and ":us-west-2:000000000000:" in west_group
    west.delete_dataset(datasetArn=west_dataset)  # once destroyed us-east-1's data: both used datasets/shop/
    solution = east.create_solution(name="shop", datasetGroupArn=east_group,
                                    recipeArn="arn:aws:personalize:::recipe/aws-sims")["solutionArn"]
    version = east.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    found = _poll(lambda: east.describe_solution_version(solutionVersionArn=version)["solutionVersion"]["status"])
    assert found == "ACTIVE", east.describe_solution_version(solutionVersionArn=version)["solutionVersion"]


def test_a_region_sees_only_its_own_resources(server):
    west, eu = _client(server, "personalize", "us-west-2"), _client(server, "personalize", "eu-west-1")
    arn = west.create_dataset_group(name="regional")["datasetGroupArn"]
    assert arn.startswith("arn:aws:personalize:us-west-2:")
    assert [g["name"] for g in west.list_dataset_groups()["datasetGroups"]] == ["regional"]
    assert eu.list_dataset_groups()["datasetGroups"] == []
    for call in (lambda: eu.describe_dataset_group(datasetGroupArn=arn),
                 lambda: eu.delete_dataset_group(datasetGroupArn=arn),
                 lambda: eu.tag_resource(resourceArn=arn, tags=[{"tagKey": "a", "tagValue": "b"}])):
        with pytest.raises(ClientError) as failure:
            call()
        assert failure.value.response["Error"]["Code"] == "ResourceNotFoundException"
    eu.create_dataset_group(name="regional")  # the same name is free in another region
    assert west.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"] == "ACTIVE"


def test_an_account_sees_only_its_own_resources(server):
    a = _client(server, "personalize", key="111111111111")
    b = _client(server, "personalize", key="222222222222")
    arn = a.create_dataset_group(name="mine")["datasetGroupArn"]
    assert arn.startswith("arn:aws:personalize:us-east-1:111111111111:dataset-group/")
    assert b.list_dataset_groups()["datasetGroups"] == []
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        b.describe_dataset_group(datasetGroupArn=arn)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        b.delete_dataset_group(datasetGroupArn=arn)
    assert [g["datasetGroupArn"] for g in a.list_dataset_groups()["datasetGroups"]] == [arn]
    tracker = a.create_event_tracker(name="mine", datasetGroupArn=arn)
    assert a.describe_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])["eventTracker"]["accountId"] \
        == "111111111111"
