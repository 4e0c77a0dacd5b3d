"""Schemas through boto3: generic Avro rules at CreateSchema, dataset-type rules at CreateDataset."""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.data.builders import INTERACTIONS, make_group, schema
from tests.poc import INTERACTIONS_SCHEMA, ITEMS_SCHEMA


def _error(call, **kwargs) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    err = info.value.response["Error"]
    return err["Code"], err["Message"]


def test_create_describe_list_delete(personalize):
    arn = personalize.create_schema(name="personalize-poc-movielens-interactions", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    assert arn == "arn:aws:personalize:us-east-1:000000000000:schema/personalize-poc-movielens-interactions"
    found = personalize.describe_schema(schemaArn=arn)["schema"]
    assert found["name"] == "personalize-poc-movielens-interactions"
    assert json.loads(found["schema"]) == json.loads(INTERACTIONS_SCHEMA)
    assert "status" not in found and found["creationDateTime"]
    personalize.create_schema(name="items", schema=ITEMS_SCHEMA, domain="VIDEO_ON_DEMAND")
    listed = personalize.list_schemas()["schemas"]
    assert [s["name"] for s in listed] == ["personalize-poc-movielens-interactions", "items"]
    assert listed[1]["domain"] == "VIDEO_ON_DEMAND"
    personalize.delete_schema(schemaArn=arn)
    code, message = _error(personalize.describe_schema, schemaArn=arn)
    assert code == "ResourceNotFoundException" and arn in message


def test_duplicate_name(personalize):
    personalize.create_schema(name="s", schema=INTERACTIONS_SCHEMA)
    code, message = _error(personalize.create_schema, name="s", schema=INTERACTIONS_SCHEMA)
    assert code == "ResourceAlreadyExistsException" and "schema/s" in message


@pytest.mark.parametrize("text, words", [
    ("{not json", "not valid JSON"),
    (json.dumps({"type": "enum", "fields": []}), "Avro record"),
    (schema("X"), "non-empty"),
    (schema("X", ("USER_ID", "string"), ("TAGS", {"type": "array", "items": "string"})), "TAGS"),
    (schema("X", ("USER_ID", "string"), ("A", "decimal")), "unsupported type"),
    (schema("X", ("USER_ID", "string"), ("A", ["int", "string"])), "one type"),
    (schema("X", ("USER_ID", "string"), ("GENRES_FIELD_1", "string"), ("GENRESFIELD1", "string")), "clash"),
    (schema("X", ("USER_ID", "string"), {"name": "N", "type": "int", "categorical": True}), "only allowed on string"),
    (schema("X", ("USER-ID", "string")), "Invalid field name"),
])
def test_generic_rules_at_create_schema(personalize, text, words):
    code, message = _error(personalize.create_schema, name="bad", schema=text)
    assert code == "InvalidInputException"
    assert words in message


@pytest.mark.parametrize("dataset_type, text, words", [
    ("Interactions", schema("I", ("USER_ID", "string"), ("ITEM_ID", "string")), "TIMESTAMP"),
    ("Interactions", schema("I", ("USER_ID", "string"), ("ITEM_ID", "string"), ("TIMESTAMP", "int")), "TIMESTAMP"),
    ("Interactions", schema("I", ("USER_ID", ["null", "string"]), ("ITEM_ID", "string"), ("TIMESTAMP", "long")),
     "USER_ID"),
    ("Interactions", schema("I", ("USER_ID", "string"), ("ITEM_ID", "string"), ("TIMESTAMP", "long"),
                            ("EVENT_VALUE", "string")), "EVENT_VALUE"),
    ("Interactions", schema("I", ("USER_ID", "string"), ("ITEM_ID", "string"), ("TIMESTAMP", "long"),
                            {"name": "EVENT_TYPE", "type": "string", "categorical": True}), "EVENT_TYPE"),
    ("Interactions", schema("I", ("USER_ID", "string"), ("ITEM_ID", "string"), ("TIMESTAMP", "long"),
                            {"name": "DESCRIPTION", "type": "string", "textual": True}), "textual"),
    ("Items", schema("It", ("ITEM_ID", "string")), "at least one metadata"),
    ("Items", schema("It", ("ITEM_ID", "string"), ("CREATION_TIMESTAMP", "string")), "CREATION_TIMESTAMP"),
    ("Items", schema("It", ("ITEM_ID", "string"), {"name": "A", "type": "string", "textual": True},
                     {"name": "B", "type": "string", "textual": True}), "At most one textual"),
    ("Users", schema("U", ("ITEM_ID", "string"), ("AGE", "int")), "USER_ID"),
])
def test_dataset_type_rules_at_create_dataset(personalize, dataset_type, text, words):
    group = make_group(personalize)
    schema_arn = personalize.create_schema(name="s", schema=text)["schemaArn"]
    code, message = _error(personalize.create_dataset, name="d", schemaArn=schema_arn, datasetGroupArn=group,
                           datasetType=dataset_type)
    assert code == "InvalidInputException"
    assert words in message
    assert personalize.list_datasets()["datasets"] == []


def test_delete_schema_in_use(personalize):
    group = make_group(personalize)
    schema_arn = personalize.create_schema(name="s", schema=INTERACTIONS)["schemaArn"]
    dataset = personalize.create_dataset(name="d", schemaArn=schema_arn, datasetGroupArn=group,
                                         datasetType="Interactions")["datasetArn"]
    code, message = _error(personalize.delete_schema, schemaArn=schema_arn)
    assert code == "ResourceInUseException" and dataset in message
    personalize.delete_dataset(datasetArn=dataset)
    personalize.delete_schema(schemaArn=schema_arn)
    assert personalize.list_schemas()["schemas"] == []
