"""personalize-events through boto3: event trackers, PutEvents storage and dedupe, PutItems/PutUsers checks."""
from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from tests.poc import INTERACTIONS_SCHEMA, ITEMS_SCHEMA


@pytest.fixture
def group(embedded):
    p = embedded.personalize
    arn = p.create_dataset_group(name="events-test")["datasetGroupArn"]
    out = {"group": arn}
    for short, kind, schema in (("ints", "Interactions", INTERACTIONS_SCHEMA), ("items", "Items", ITEMS_SCHEMA)):
        schema_arn = p.create_schema(name=f"events-test-{short}", schema=schema)["schemaArn"]
        out[short] = p.create_dataset(name=f"events-test-{short}", schemaArn=schema_arn, datasetGroupArn=arn,
                                      datasetType=kind)["datasetArn"]
    return out


def test_event_tracker_lifecycle(embedded, group):
    p = embedded.personalize
    created = p.create_event_tracker(name="MovieTracker", datasetGroupArn=group["group"])
    assert created["eventTrackerArn"].rsplit("/", 1)[1].isalnum()
    assert len(created["eventTrackerArn"].rsplit("/", 1)[1]) == 8
    assert len(created["trackingId"]) == 36
    found = p.describe_event_tracker(eventTrackerArn=created["eventTrackerArn"])["eventTracker"]
    assert found["status"] == "ACTIVE" and found["trackingId"] == created["trackingId"]
    assert found["datasetGroupArn"] == group["group"] and found["accountId"] == "000000000000"
    with pytest.raises(ClientError) as err:
        p.create_event_tracker(name="Second", datasetGroupArn=group["group"])
    assert err.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    listed = p.list_event_trackers(datasetGroupArn=group["group"])["eventTrackers"]
    assert [t["eventTrackerArn"] for t in listed] == [created["eventTrackerArn"]]
    p.delete_event_tracker(eventTrackerArn=created["eventTrackerArn"])
    assert p.list_event_trackers(datasetGroupArn=group["group"])["eventTrackers"] == []


def test_put_events_are_stored_once_with_item_in_properties(embedded, group):
    tracking = embedded.personalize.create_event_tracker(name="t", datasetGroupArn=group["group"])["trackingId"]
    now = int(time.time())
    events = [{"sentAt": now, "eventType": "watch", "properties": json.dumps({"itemId": "589"})},
              {"sentAt": now + 1, "eventType": "click", "itemId": "1", "eventValue": 4.5, "impression": ["1", "2"]}]
    embedded.events.put_events(trackingId=tracking, userId="u1", sessionId="s1", eventList=events)
    embedded.events.put_events(trackingId=tracking, userId="u1", sessionId="s1", eventList=events[:1])  # repeat
    embedded.events.put_events(trackingId=tracking, sessionId="anon-1", eventList=[
        {"sentAt": now, "eventType": "click", "itemId": "2", "eventId": "e-1"}])
    stored = embedded.service.store.events(group["group"])
    assert [(e["user_id"], e["item_id"], e["event_type"]) for e in stored] == [
        ("u1", "589", "watch"), ("u1", "1", "click"), ("anon-1", "2", "click")]
    assert stored[1]["event_value"] == 4.5 and stored[1]["impression"] == "1|2"
    assert stored[0]["timestamp"] == now and stored[2]["event_id"] == "e-1"


def test_put_events_errors(embedded, group):
    with pytest.raises(ClientError) as err:
        embedded.events.put_events(trackingId="00000000-0000-0000-0000-000000000000", sessionId="s",
                                   eventList=[{"sentAt": 1, "eventType": "click", "itemId": "1"}])
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    tracking = embedded.personalize.create_event_tracker(name="t", datasetGroupArn=group["group"])["trackingId"]
    with pytest.raises(ClientError) as err:
        embedded.events.put_events(trackingId=tracking, sessionId="s", eventList=[
            {"sentAt": 1, "eventType": "click", "properties": "{not json"}])
    assert err.value.response["Error"]["Code"] == "InvalidInputException"
    with pytest.raises(ClientError) as err:
        embedded.events.put_events(trackingId=tracking, sessionId="s", eventList=[
            {"sentAt": 1, "eventType": "click", "properties": json.dumps({"userId": "x"})}])
    assert "userId" in err.value.response["Error"]["Message"]


def test_put_items_checks_schema_and_stores(embedded, group):
    ev = embedded.events
    ev.put_items(datasetArn=group["items"], items=[
        {"itemId": "new-1", "properties": json.dumps({"genre": "Film-Noir|Drama", "year": 1950})}])
    records = embedded.service.store.records(group["items"])
    assert records[0]["record_id"] == "new-1" and records[0]["properties"]["genre"] == "Film-Noir|Drama"
    with pytest.raises(ClientError) as err:
        ev.put_items(datasetArn=group["items"], items=[{"itemId": "x", "properties": json.dumps({"color": "red"})}])
    assert "color" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        ev.put_users(datasetArn=group["items"], users=[{"userId": "x", "properties": "{}"}])
    assert err.value.response["Error"]["Code"] == "InvalidInputException"


def test_actions_are_not_supported_yet(embedded, group):
    with pytest.raises(ClientError) as err:
        embedded.events.put_actions(datasetArn=group["items"], actions=[{"actionId": "a"}])
    assert "not supported yet" in err.value.response["Error"]["Message"]
