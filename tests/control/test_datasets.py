"""Datasets through boto3: ARNs, one per type per group, in-use rules, UpdateDataset compatibility."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.data.builders import INTERACTIONS, ITEMS, make_dataset, make_group, schema


def _error(call, **kwargs) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    err = info.value.response["Error"]
    return err["Code"], err["Message"]


def test_create_describe_list(personalize):
    group = make_group(personalize, "personalize-poc-movielens")
    schema_arn = personalize.create_schema(name="s", schema=INTERACTIONS)["schemaArn"]
    arn = personalize.create_dataset(name="personalize-poc-movielens-ints", schemaArn=schema_arn,
                                     datasetGroupArn=group, datasetType="Interactions")["datasetArn"]
    assert arn == "arn:aws:personalize:us-east-1:000000000000:dataset/personalize-poc-movielens/INTERACTIONS"
    found = personalize.describe_dataset(datasetArn=arn)["dataset"]
    assert found["datasetType"] == "INTERACTIONS" and found["status"] == "ACTIVE"
    assert found["schemaArn"] == schema_arn and found["datasetGroupArn"] == group
    items = make_dataset(personalize, group, "items", ITEMS)
    assert items.endswith("dataset/personalize-poc-movielens/ITEMS")
    other = make_group(personalize, "other")
    make_dataset(personalize, other, "USERS", schema("U", ("USER_ID", "string"), ("AGE", "int")))
    assert [d["datasetType"] for d in personalize.list_datasets(datasetGroupArn=group)["datasets"]] == \
        ["INTERACTIONS", "ITEMS"]
    assert len(personalize.list_datasets()["datasets"]) == 3


def test_one_dataset_per_type_per_group(personalize):
    group = make_group(personalize)
    arn = make_dataset(personalize, group, "Interactions", INTERACTIONS)
    schema_arn = personalize.describe_dataset(datasetArn=arn)["dataset"]["schemaArn"]
    code, message = _error(personalize.create_dataset, name="again", schemaArn=schema_arn, datasetGroupArn=group,
                           datasetType="INTERACTIONS")
    assert code == "ResourceAlreadyExistsException" and arn in message


def test_bad_type_and_missing_parents(personalize):
    group = make_group(personalize)
    schema_arn = personalize.create_schema(name="s", schema=INTERACTIONS)["schemaArn"]
    code, message = _error(personalize.create_dataset, name="d", schemaArn=schema_arn, datasetGroupArn=group,
                           datasetType="Clicks")
    assert code == "InvalidInputException" and "Clicks" in message
    missing_group = group + "-nope"
    code, message = _error(personalize.create_dataset, name="d", schemaArn=schema_arn,
                           datasetGroupArn=missing_group, datasetType="Interactions")
    assert code == "ResourceNotFoundException" and missing_group in message
    missing_schema = schema_arn + "-nope"
    code, message = _error(personalize.create_dataset, name="d", schemaArn=missing_schema, datasetGroupArn=group,
                           datasetType="Interactions")
    assert code == "ResourceNotFoundException" and missing_schema in message
    code, message = _error(personalize.describe_dataset, datasetArn=group.replace("dataset-group", "dataset") + "/X")
    assert code == "ResourceNotFoundException"


def test_delete_blocked_while_a_version_of_the_group_trains(embedded):
    personalize = embedded.personalize
    group = make_group(personalize)
    arn = make_dataset(personalize, group, "Interactions", INTERACTIONS)
    version = "arn:aws:personalize:us-east-1:000000000000:solution/s/0123abcd"
    embedded.service.store.insert("solution_version", {"arn": version, "dataset_group_arn": group,
                                                       "status": "CREATE IN_PROGRESS"})
    code, message = _error(personalize.delete_dataset, datasetArn=arn)
    assert code == "ResourceInUseException" and version in message
    embedded.service.store.update("solution_version", version, {"status": "ACTIVE"})
    personalize.delete_dataset(datasetArn=arn)
    code, message = _error(personalize.describe_dataset, datasetArn=arn)
    assert code == "ResourceNotFoundException" and arn in message


def test_delete_blocked_while_an_import_is_in_flight(embedded, tmp_path):
    personalize = embedded.personalize
    group = make_group(personalize)
    arn = make_dataset(personalize, group, "Interactions", INTERACTIONS)
    job = "arn:aws:personalize:us-east-1:000000000000:dataset-import-job/j"
    embedded.service.store.insert("dataset_import_job", {"arn": job, "dataset_arn": arn, "status": "CREATE PENDING"})
    code, message = _error(personalize.delete_dataset, datasetArn=arn)
    assert code == "ResourceInUseException" and job in message


def test_update_dataset_schema(personalize):
    group = make_group(personalize)
    arn = make_dataset(personalize, group, "Items", ITEMS)
    wider = schema("Items", ("ITEM_ID", "string"), {"name": "GENRE", "type": "string", "categorical": True},
                   ("YEAR", ["null", "int"]), ("PRICE", "double"), ("BRAND", ["null", "string"]))
    wider_arn = personalize.create_schema(name="wider", schema=wider)["schemaArn"]
    personalize.update_dataset(datasetArn=arn, schemaArn=wider_arn)
    found = personalize.describe_dataset(datasetArn=arn)["dataset"]
    assert found["schemaArn"] == wider_arn
    assert found["latestDatasetUpdate"]["schemaArn"] == wider_arn
    assert found["latestDatasetUpdate"]["status"] == "ACTIVE"
    for name, text, words in [
        ("drops", schema("Items", ("ITEM_ID", "string"), ("PRICE", "double")), "drops field GENRE"),
        ("retype", schema("Items", ("ITEM_ID", "string"), {"name": "GENRE", "type": "string"},
                          ("YEAR", ["null", "long"]), ("PRICE", "double"), ("BRAND", ["null", "string"])), "YEAR"),
        ("notnull", schema("Items", ("ITEM_ID", "string"), {"name": "GENRE", "type": "string"},
                           ("YEAR", ["null", "int"]), ("PRICE", "double"), ("BRAND", ["null", "string"]),
                           ("SIZE", "int")), "SIZE"),
    ]:
        bad = personalize.create_schema(name=name, schema=text)["schemaArn"]
        code, message = _error(personalize.update_dataset, datasetArn=arn, schemaArn=bad)
        assert code == "InvalidInputException" and words in message
    assert personalize.describe_dataset(datasetArn=arn)["dataset"]["schemaArn"] == wider_arn
