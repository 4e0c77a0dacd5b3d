"""The loader: bulk Parquet plus PutEvents / PutItems / PutUsers data, and TrainingData for recipes."""
from __future__ import annotations

import json

import numpy as np

from tastemaker.data import loader
from tests.data.builders import INTERACTIONS, ITEMS, USERS, import_wait, interaction_rows, make_dataset, make_group, write_csv

HEADER = ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE", "EVENT_VALUE"]


def _setup(embedded, tmp_path):
    personalize = embedded.personalize
    group = make_group(personalize)
    ints = make_dataset(personalize, group, "Interactions", INTERACTIONS)
    items = make_dataset(personalize, group, "Items", ITEMS)
    users = make_dataset(personalize, group, "Users", USERS)
    import_wait(personalize, ints, str(write_csv(tmp_path / "i.csv", HEADER, interaction_rows(1200))), "ints")
    import_wait(personalize, items, str(write_csv(tmp_path / "m.csv", ["ITEM_ID", "GENRE", "YEAR", "PRICE"],
                                                  [[f"i{n}", "Drama", 1990 + n, n] for n in range(40)])), "items")
    import_wait(personalize, users, str(write_csv(tmp_path / "u.csv", ["USER_ID", "AGE"], [["u1", 30]])), "users")
    tracking = personalize.create_event_tracker(name="t", datasetGroupArn=group)["trackingId"]
    return group, ints, items, users, tracking


def test_events_and_records_join_the_bulk_data(embedded, tmp_path):
    group, ints, items, users, tracking = _setup(embedded, tmp_path)
    ctx = embedded.service.context()
    assert loader.dataset_arns(ctx, group) == {"INTERACTIONS": ints, "ITEMS": items, "USERS": users}
    assert [f["name"] for f in loader.schema_fields(ctx, items)] == ["ITEM_ID", "GENRE", "YEAR", "PRICE"]
    embedded.events.put_events(trackingId=tracking, userId="u1", sessionId="s1", eventList=[
        {"sentAt": 1_700_000_000, "eventType": "watch", "itemId": "new-item", "eventValue": 2.5},
        {"sentAt": 1_700_000_001, "eventType": "click", "properties": json.dumps({"itemId": "i3"})},
    ])
    embedded.events.put_items(datasetArn=items, items=[
        {"itemId": "i1", "properties": json.dumps({"genre": "Horror|Comedy", "year": "2001", "price": "9.5"})},
        {"itemId": "zz", "properties": json.dumps({"genre": "Drama", "year": "soon"})},
    ])
    embedded.events.put_users(datasetArn=users, users=[{"userId": "u2", "properties": json.dumps({"age": "41"})}])
    table = loader.load_interactions_table(ctx, group)
    assert table.num_rows == 1202
    assert table.slice(1200).to_pylist() == [
        {"USER_ID": "u1", "ITEM_ID": "new-item", "TIMESTAMP": 1_700_000_000, "EVENT_TYPE": "watch", "EVENT_VALUE": 2.5},
        {"USER_ID": "u1", "ITEM_ID": "i3", "TIMESTAMP": 1_700_000_001, "EVENT_TYPE": "click", "EVENT_VALUE": None},
    ]
    item_table = loader.load_items_table(ctx, group)
    assert item_table.num_rows == 41
    rows = {r["ITEM_ID"]: r for r in item_table.to_pylist()}
    assert rows["i1"] == {"ITEM_ID": "i1", "GENRE": "Horror|Comedy", "YEAR": 2001, "PRICE": 9.5}
    assert rows["zz"] == {"ITEM_ID": "zz", "GENRE": "Drama", "YEAR": None, "PRICE": None}
    assert loader.load_users_table(ctx, group).to_pylist() == [{"USER_ID": "u1", "AGE": 30}, {"USER_ID": "u2", "AGE": 41}]


def test_training_data(embedded, tmp_path):
    group, *_ = _setup(embedded, tmp_path)
    ctx = embedded.service.context()
    data = loader.load_training_data(ctx, group)
    assert len(data.interactions.user) == 1200 and data.now == 1_600_000_000 + 1199
    assert len(data.interactions.item_ids) == 40 and data.items.num_rows == 40
    assert set(data.item_fields) == {"ITEM_ID", "GENRE", "YEAR", "PRICE"} and data.item_fields["GENRE"]["categorical"]
    assert set(data.user_fields) == {"USER_ID", "AGE"}
    watched = loader.load_training_data(ctx, group, event_type="WATCH")
    assert len(watched.interactions.user) == 400
    assert set(watched.interactions.event_types[watched.interactions.event_type]) == {"watch"}
    high = loader.load_training_data(ctx, group, event_value_threshold=3)
    assert len(high.interactions.user) == 480
    assert np.all(high.interactions.event_value >= 3)


def test_a_group_without_data(embedded):
    group = make_group(embedded.personalize)
    ctx = embedded.service.context()
    assert loader.dataset_arns(ctx, group) == {}
    assert loader.load_interactions_table(ctx, group) is None and loader.load_items_table(ctx, group) is None
    make_dataset(embedded.personalize, group, "Interactions", INTERACTIONS)
    assert loader.load_interactions_table(ctx, group) is None
