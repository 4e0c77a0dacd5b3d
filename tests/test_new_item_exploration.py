"""Exploration of new items through boto3: an item's age comes from CREATION_TIMESTAMP (Items dataset) where given,
items nobody interacted with yet are explored, and user-personalization orders them by the user's metadata."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import tastemaker
from tests import serving_setup as ss

DAY = 86_400
NEW = {"n-comedy": "Comedy", "n-drama": "Drama"}  # created after the last interaction, never interacted with
OLD = "n-old"  # never interacted with, created a year before: older than any cut-off used here
ITEMS_SCHEMA = json.dumps({
    "type": "record", "name": "Items", "namespace": "com.amazonaws.personalize.schema",
    "fields": [{"name": "ITEM_ID", "type": "string"}, {"name": "GENRE", "type": "string", "categorical": True},
               {"name": "YEAR", "type": "int"}, {"name": "CREATION_TIMESTAMP", "type": "long"}],
    "version": "1.0"})


def write_csvs(directory: Path) -> tuple[Path, Path]:
    ints, items = ss.write_csvs(directory)
    with open(items, "w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["ITEM_ID", "GENRE", "YEAR", "CREATION_TIMESTAMP"])
        for i in range(ss.N_ITEMS):
            w.writerow([f"i{i}", ss.genre(i), ss.year(i), ss.BASE_TS])
        for item, genre in NEW.items():
            w.writerow([item, genre, 2000, ss.BASE_TS + 2 * DAY])
        w.writerow([OLD, "Comedy", 2000, ss.BASE_TS - 365 * DAY])
    return ints, items


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("new-items")
    with tastemaker.embedded(root / "data", executor="inline") as emb:
        p = emb.personalize
        group = ss.setup_group(p, root / "csv", "new-items", ITEMS_SCHEMA, write_csvs)["dataset_group_arn"]
        version = ss.train(p, group, "new-items-up", "aws-user-personalization")["solution_version_arn"]
        explore = {"itemExplorationConfig": {"explorationWeight": "1", "explorationItemAgeCutOff": "30"}}
        plain = {"itemExplorationConfig": {"explorationWeight": "0"}}
        yield {"emb": emb, "explore": ss.deploy(p, "new-items-explore", version, campaignConfig=explore),
               "plain": ss.deploy(p, "new-items-plain", version, campaignConfig=plain)}


def items_of(emb, campaign: str, user: str, n: int = 10) -> list[str]:
    got = emb.runtime.get_recommendations(campaignArn=campaign, userId=user, numResults=n)
    return [i["itemId"] for i in got["itemList"]]


@pytest.mark.parametrize("user, first, second", [("u3", "n-comedy", "n-drama"), ("u70", "n-drama", "n-comedy")])
def test_new_items_are_explored_in_the_order_of_the_users_taste(env, user, first, second):
    emb = env["emb"]
    plain, explored = items_of(emb, env["plain"], user), items_of(emb, env["explore"], user)
    assert not set(NEW) & set(plain) and OLD not in plain  # without exploration new items stay below the top
    assert len(explored) == 10 and explored[0] == plain[0]
    assert first in explored and second in explored and OLD not in explored
    assert explored.index(first) < explored.index(second)
    others = [i for i in explored if i not in plain and i not in NEW]
    assert others  # explored slots alternate between new items and little-known ones


def test_the_age_cut_off_reads_the_creation_timestamp(env):
    p, emb = env["emb"].personalize, env["emb"]
    assert OLD not in items_of(emb, env["explore"], "u3")  # created 365 days before: outside 30 days
    p.update_campaign(campaignArn=env["explore"], campaignConfig={
        "itemExplorationConfig": {"explorationWeight": "1", "explorationItemAgeCutOff": "400"}})
    try:
        assert OLD in items_of(emb, env["explore"], "u3")
    finally:
        p.update_campaign(campaignArn=env["explore"], campaignConfig={
            "itemExplorationConfig": {"explorationWeight": "1", "explorationItemAgeCutOff": "30"}})
