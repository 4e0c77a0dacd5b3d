"""Filter API through boto3: create (parse + schema checks + quotas), describe, list, delete."""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tastemaker.control._common import new_record

NS = "com.amazonaws.personalize.schema"
INTERACTIONS = {"type": "record", "name": "Interactions", "namespace": NS, "fields": [
    {"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
    {"name": "EVENT_TYPE", "type": "string"}, {"name": "TIMESTAMP", "type": "long"}]}
ITEMS = {"type": "record", "name": "Items", "namespace": NS, "fields": [
    {"name": "ITEM_ID", "type": "string"}, {"name": "GENRE", "type": "string", "categorical": True},
    {"name": "YEAR", "type": "int"}, {"name": "PRICE", "type": ["null", "float"]},
    {"name": "DESCRIPTION", "type": ["null", "string"], "textual": True}, {"name": "IS_NEW", "type": "boolean"}]}
USERS = {"type": "record", "name": "Users", "namespace": NS, "fields": [
    {"name": "USER_ID", "type": "string"}, {"name": "AGE", "type": "int"},
    {"name": "MEMBERSHIP", "type": "string", "categorical": True}]}
POC = {
    "Film-Noir": 'INCLUDE ItemID WHERE Items.GENRE IN ("Film-Noir")',
    "1970s": 'INCLUDE ItemID WHERE Items.YEAR >= 1970 AND Items.YEAR < 1980',
    "unwatched": 'EXCLUDE ItemID WHERE Interactions.event_type IN ("watch")',
    "watched": 'INCLUDE ItemID WHERE Interactions.event_type IN ("watch")',
}


def make_group(personalize, name="movies", **schemas) -> str:
    group = personalize.create_dataset_group(name=name)["datasetGroupArn"]
    for dataset_type, schema in schemas.items():
        arn = personalize.create_schema(name=f"{name}-{dataset_type}", schema=json.dumps(schema))["schemaArn"]
        personalize.create_dataset(name=f"{name}-{dataset_type}", schemaArn=arn, datasetGroupArn=group,
                                   datasetType=dataset_type)
    return group


@pytest.fixture
def group(personalize):
    return make_group(personalize, Interactions=INTERACTIONS, Items=ITEMS, Users=USERS)


def error_of(call, **kw) -> tuple[str, str]:
    with pytest.raises(ClientError) as err:
        call(**kw)
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


def test_poc_filters_are_created_described_and_listed(personalize, group):
    arns = {}
    for name, expression in POC.items():
        arns[name] = personalize.create_filter(name=name, datasetGroupArn=group,
                                               filterExpression=expression)["filterArn"]
    assert arns["Film-Noir"] == "arn:aws:personalize:us-east-1:000000000000:filter/Film-Noir"
    described = personalize.describe_filter(filterArn=arns["unwatched"])["filter"]
    assert {k: described[k] for k in ("name", "filterArn", "datasetGroupArn", "filterExpression", "status")} == {
        "name": "unwatched", "filterArn": arns["unwatched"], "datasetGroupArn": group,
        "filterExpression": POC["unwatched"], "status": "ACTIVE"}
    assert described["creationDateTime"] <= described["lastUpdatedDateTime"]
    listed = personalize.list_filters(datasetGroupArn=group)
    assert [f["name"] for f in listed["Filters"]] == list(POC)
    assert "filterExpression" not in listed["Filters"][0]
    pages = personalize.get_paginator("list_filters").paginate(datasetGroupArn=group, PaginationConfig={"PageSize": 3})
    assert [len(p["Filters"]) for p in pages] == [3, 1]


def test_list_filters_by_group(personalize, group):
    other = make_group(personalize, name="other")
    personalize.create_filter(name="a", datasetGroupArn=group, filterExpression=POC["Film-Noir"])
    personalize.create_filter(name="b", datasetGroupArn=other, filterExpression=POC["Film-Noir"])
    assert [f["name"] for f in personalize.list_filters(datasetGroupArn=other)["Filters"]] == ["b"]
    assert [f["name"] for f in personalize.list_filters()["Filters"]] == ["a", "b"]


def test_every_documented_item_expression_is_accepted(personalize, group):
    for k, expression in enumerate([
        'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ($EVENT_TYPE)',
        'INCLUDE ItemID WHERE Items.PRICE <= $PRICE',
        'INCLUDE ItemID WHERE Items.PRICE < CurrentItem.PRICE AND Items.GENRE IN CurrentItem.GENRE',
        'EXCLUDE ItemID WHERE Items.GENRE IN ($GENRE) IF CurrentUser.AGE = $AGE',
        'INCLUDE UserID WHERE Users.MEMBERSHIP IN ($MEMBERSHIP)',
        'INCLUDE ItemID WHERE Items.GENRE IN ($GENRE) | EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")',
    ]):
        personalize.create_filter(name=f"f{k}", datasetGroupArn=group, filterExpression=expression)


def test_malformed_expression_is_invalid_input_with_position(personalize, group):
    code, message = error_of(personalize.create_filter, name="bad", datasetGroupArn=group,
                             filterExpression='INCLUDE ItemID WHERE Items.GENRE "Drama"')
    assert code == "InvalidInputException"
    assert message == ("Invalid filter expression at position 34: expected IN, NOT IN or a comparison operator "
                       "after Items.GENRE, found '\"Drama\"'")
    assert personalize.list_filters()["Filters"] == []


def test_expression_length_limit(personalize, group):
    long = 'INCLUDE ItemID WHERE Items.GENRE IN (' + ", ".join(['"Drama"'] * 400) + ")"
    assert len(long) > 2500
    code, _ = error_of(personalize.create_filter, name="long", datasetGroupArn=group, filterExpression=long)
    assert code == "InvalidInputException"


@pytest.mark.parametrize("expression,message", [
    ('INCLUDE ItemID WHERE Items.genre IN ("x")',
     "Could not create filter: Items.genre does not exist; the ITEMS dataset's schema has ITEM_ID, GENRE, YEAR, "
     "PRICE, DESCRIPTION, IS_NEW."),
    ('INCLUDE ItemID WHERE Items.PRICE < CurrentItem.COST',
     "Could not create filter: CurrentItem.COST does not exist; the ITEMS dataset's schema has ITEM_ID, GENRE, "
     "YEAR, PRICE, DESCRIPTION, IS_NEW."),
    ('EXCLUDE ItemID WHERE Items.GENRE IN ("x") IF CurrentUser.INCOME > 3',
     "Could not create filter: CurrentUser.INCOME does not exist; the USERS dataset's schema has USER_ID, AGE, "
     "MEMBERSHIP."),
    ('INCLUDE ItemID WHERE Interactions.DEVICE IN ("phone")',
     "Could not create filter: Interactions.DEVICE: only Interactions.EVENT_TYPE and Interactions.ITEM_ID can be "
     "filtered so far (not supported yet)."),
    ('INCLUDE ItemID WHERE Items.DESCRIPTION IN ("luxury")',
     "Could not create filter: Items.DESCRIPTION is a textual field; textual (unstructured text) fields cannot be "
     "used in filters."),
    ('INCLUDE ItemID WHERE Items.IS_NEW IN ("true")',
     'Could not create filter. Invalid Expression: Items.IS_NEW is a boolean field and cannot be filtered; store '
     'it as a string ("True"/"False") or 0/1.'),
    ('INCLUDE ActionID WHERE Actions.KIND IN ("x")',
     "Could not create filter: filters on the Actions dataset are not supported yet."),
])
def test_columns_are_checked_against_the_schemas(personalize, group, expression, message):
    assert error_of(personalize.create_filter, name="bad", datasetGroupArn=group, filterExpression=expression) == \
        ("InvalidInputException", message)


def test_columns_of_absent_datasets_are_not_checked(personalize):
    group = make_group(personalize, Interactions=INTERACTIONS)
    personalize.create_filter(name="genre", datasetGroupArn=group, filterExpression=POC["Film-Noir"])
    personalize.create_filter(name="watched", datasetGroupArn=group, filterExpression=POC["watched"])


def test_event_type_must_exist_in_the_interactions_schema(personalize):
    no_event_type = {**INTERACTIONS, "fields": [f for f in INTERACTIONS["fields"] if f["name"] != "EVENT_TYPE"]}
    group = make_group(personalize, Interactions=no_event_type)
    code, message = error_of(personalize.create_filter, name="w", datasetGroupArn=group,
                             filterExpression=POC["watched"])
    assert (code, message) == ("InvalidInputException", "Could not create filter: Interactions.EVENT_TYPE does not "
                               "exist; the INTERACTIONS dataset's schema has USER_ID, ITEM_ID, TIMESTAMP.")


def test_unknown_group_and_duplicate_name(personalize, group):
    missing = group.replace("movies", "nope")
    assert error_of(personalize.create_filter, name="x", datasetGroupArn=missing,
                    filterExpression=POC["watched"]) == \
        ("ResourceNotFoundException", f"Resource Arn {missing} does not exist.")
    arn = personalize.create_filter(name="x", datasetGroupArn=group, filterExpression=POC["watched"])["filterArn"]
    assert error_of(personalize.create_filter, name="x", datasetGroupArn=group,
                    filterExpression=POC["unwatched"]) == \
        ("ResourceAlreadyExistsException", f"Another resource with Arn {arn} already exists.")


def test_thirty_filters_per_group(personalize, group):
    for k in range(30):
        personalize.create_filter(name=f"g{k}", datasetGroupArn=group,
                                  filterExpression=f'INCLUDE ItemID WHERE Items.GENRE IN ("g{k}")')
    code, message = error_of(personalize.create_filter, name="g30", datasetGroupArn=group,
                             filterExpression=POC["Film-Noir"])
    assert code == "LimitExceededException"
    assert message == f"Dataset group {group} already has 30 filters (at most 30); delete one first."


def test_distinct_fields_per_filter(personalize):
    group = make_group(personalize, Interactions=INTERACTIONS)
    expression = "INCLUDE ItemID WHERE " + " AND ".join(f"Items.F{k} > 1" for k in range(11))
    assert error_of(personalize.create_filter, name="wide", datasetGroupArn=group, filterExpression=expression) == \
        ("LimitExceededException", "The filter uses 11 distinct fields; at most 10 are allowed per filter.")


def test_tags(personalize, group):
    arn = personalize.create_filter(name="t", datasetGroupArn=group, filterExpression=POC["watched"],
                                    tags=[{"tagKey": "team", "tagValue": "recs"}])["filterArn"]
    assert personalize.list_tags_for_resource(resourceArn=arn)["tags"] == [{"tagKey": "team", "tagValue": "recs"}]


def test_delete_filter_and_in_use_by_batch_job(personalize, embedded, group):
    arn = personalize.create_filter(name="w", datasetGroupArn=group, filterExpression=POC["watched"])["filterArn"]
    ctx = embedded.service.context()
    job_arn = ctx.arn("batch-inference-job/nightly")
    ctx.store.insert("batch_inference_job", new_record(ctx, "batch_inference_job_arn", job_arn, "nightly",
                                                       filter_arn=arn, status="CREATE IN_PROGRESS"))
    assert error_of(personalize.delete_filter, filterArn=arn) == (
        "ResourceInUseException",
        f"Cannot delete {arn}: batch inference job {job_arn} is CREATE IN_PROGRESS and uses it.")
    ctx.store.update("batch_inference_job", job_arn, {"status": "ACTIVE"})
    personalize.delete_filter(filterArn=arn)
    assert error_of(personalize.describe_filter, filterArn=arn) == \
        ("ResourceNotFoundException", f"Resource Arn {arn} does not exist.")
    assert error_of(personalize.delete_filter, filterArn=arn)[0] == "ResourceNotFoundException"


def test_dataset_group_with_filters_cannot_be_deleted(personalize):
    group = personalize.create_dataset_group(name="bare")["datasetGroupArn"]
    arn = personalize.create_filter(name="w", datasetGroupArn=group, filterExpression=POC["watched"])["filterArn"]
    assert error_of(personalize.delete_dataset_group, datasetGroupArn=group)[0] == "ResourceInUseException"
    personalize.delete_filter(filterArn=arn)
    personalize.delete_dataset_group(datasetGroupArn=group)


def test_distinct_fields_per_group(personalize):
    group = make_group(personalize, Interactions=INTERACTIONS)
    for k in range(4):
        expression = "INCLUDE ItemID WHERE " + " AND ".join(f"Items.F{k}_{j} > 1" for j in range(5))
        personalize.create_filter(name=f"f{k}", datasetGroupArn=group, filterExpression=expression)
    personalize.create_filter(name="reuse", datasetGroupArn=group,
                              filterExpression="INCLUDE ItemID WHERE Items.F0_0 = 2")
    assert error_of(personalize.create_filter, name="more", datasetGroupArn=group,
                    filterExpression="INCLUDE ItemID WHERE Items.NEW = 2") == \
        ("LimitExceededException", f"The filters of {group} would use 21 distinct fields; at most 20 are allowed "
                                   "per dataset group.")


def test_filters_over_http(server):
    personalize = server.client("personalize")
    group = personalize.create_dataset_group(name="http")["datasetGroupArn"]
    arn = personalize.create_filter(name="watched", datasetGroupArn=group,
                                    filterExpression=POC["watched"])["filterArn"]
    assert [f["filterArn"] for f in personalize.list_filters(datasetGroupArn=group)["Filters"]] == [arn]
    code, message = error_of(personalize.create_filter, name="bad", datasetGroupArn=group,
                             filterExpression="EXCLUDE ItemID WHERE")
    assert (code, message) == ("InvalidInputException", "Invalid filter expression at position 21: expected a field "
                               "such as Items.GENRE, found the end of the expression")
