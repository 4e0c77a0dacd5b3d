"""personalize-runtime through boto3 on a small two-cluster dataset: scores, cold start, filters, events, ranking."""
from __future__ import annotations

import re
import time
from collections import Counter

import pytest
from botocore.exceptions import ClientError

import tastemaker
from tests import serving_setup as ss


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("runtime")
    with tastemaker.embedded(root / "data", executor="inline") as emb:
        p = emb.personalize
        out = ss.setup_group(p, root / "csv")
        group = out["dataset_group_arn"]
        for short, recipe in (("up", "aws-user-personalization"), ("sims", "aws-sims"),
                              ("rank", "aws-personalized-ranking"), ("pop", "aws-popularity-count"),
                              ("trend", "aws-trending-now")):
            version = ss.train(p, group, f"rt-{short}", recipe)["solution_version_arn"]
            kw = {"campaignConfig": {"itemExplorationConfig": {"explorationWeight": "0"},
                                     "enableMetadataWithRecommendations": True}} if short == "up" else {}
            out[short] = ss.deploy(p, f"rt-{short}", version, **kw)
            out[short + "_version"] = version
        out["noir"] = ss.make_filter(p, group, "noir", 'INCLUDE ItemID WHERE Items.GENRE IN ("Film-Noir")')
        out["genre"] = ss.make_filter(p, group, "genre", "INCLUDE ItemID WHERE Items.GENRE IN ($GENRE)")
        out["unwatched"] = ss.make_filter(p, group, "unwatched",
                                          'EXCLUDE ItemID WHERE Interactions.event_type IN ("watch")')
        out["watched"] = ss.make_filter(p, group, "watched",
                                        'INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")')
        out["tracking"] = p.create_event_tracker(name="rt", datasetGroupArn=group)["trackingId"]
        out["emb"] = emb
        yield out


def items_of(response):
    return [i["itemId"] for i in response["itemList"]]


def test_user_recommendations_follow_the_users_cluster_with_scores(env):
    rt = env["emb"].runtime
    got = rt.get_recommendations(campaignArn=env["up"], userId="u3")
    assert re.fullmatch(r"RID-[0-9a-f-]{36}", got["recommendationId"])
    assert len(got["itemList"]) == 25
    comedies = [i for i in items_of(got) if int(i[1:]) < 100]
    assert len(comedies) >= 20
    scores = [i["score"] for i in got["itemList"]]
    assert scores == sorted(scores, reverse=True) and 0 < sum(scores) <= 1.0 + 1e-9
    assert len(items_of(rt.get_recommendations(campaignArn=env["up"], userId="u3", numResults=7))) == 7


def test_unknown_user_gets_popular_items(env):
    counts = Counter(f"i{i}" for u in range(ss.N_USERS) for i in ss.user_items(u))
    got = items_of(env["emb"].runtime.get_recommendations(campaignArn=env["up"], userId="nobody", numResults=5))
    top = sorted(counts.values(), reverse=True)[4]
    assert all(counts[i] >= top for i in got)


def test_related_items_and_popularity_have_no_scores(env):
    rt = env["emb"].runtime
    sims = rt.get_recommendations(campaignArn=env["sims"], itemId="i150")
    assert sims["itemList"] and all("score" not in i for i in sims["itemList"])
    assert sum(int(i[1:]) >= 100 for i in items_of(sims)) >= 20
    unknown = rt.get_recommendations(campaignArn=env["sims"], itemId="no-such-item", numResults=3)
    assert len(unknown["itemList"]) == 3
    pop = rt.get_recommendations(campaignArn=env["pop"], userId="u1")
    assert pop["itemList"] and all("score" not in i for i in pop["itemList"])
    assert items_of(rt.get_recommendations(campaignArn=env["pop"], userId="u99")) == items_of(pop)
    trend = rt.get_recommendations(campaignArn=env["trend"])  # trending needs no userId
    assert len(trend["itemList"]) == 25 and all("score" not in i for i in trend["itemList"])
    assert items_of(rt.get_recommendations(campaignArn=env["trend"], userId="u5")) == items_of(trend)


@pytest.mark.parametrize("kwargs, needle", [
    ({"campaign": "up"}, "userId is required"),
    ({"campaign": "sims", "userId": "u1"}, "itemId is required"),
    ({"campaign": "rank", "userId": "u1"}, "GetPersonalizedRanking"),
    ({"campaign": "up", "userId": "u1", "numResults": 501}, "at most 500"),
])
def test_recommendation_input_errors(env, kwargs, needle):
    kwargs = dict(kwargs)
    with pytest.raises(ClientError) as err:
        env["emb"].runtime.get_recommendations(campaignArn=env[kwargs.pop("campaign")], **kwargs)
    assert err.value.response["Error"]["Code"] == "InvalidInputException"
    assert needle in err.value.response["Error"]["Message"]


def test_item_filters_return_only_allowed_items(env):
    rt = env["emb"].runtime
    noir = items_of(rt.get_recommendations(campaignArn=env["up"], userId="u3", filterArn=env["noir"]))
    assert sorted(noir) == sorted(f"i{i}" for i in range(100, 200, 10))  # all 10, found beyond the top
    comedy = items_of(rt.get_recommendations(campaignArn=env["up"], userId="u70", filterArn=env["genre"],
                                             filterValues={"GENRE": '"Comedy"'}))
    assert len(comedy) == 25 and all(int(i[1:]) < 100 for i in comedy)


def test_interaction_filters_use_the_users_history(env):
    rt = env["emb"].runtime
    watched = {f"i{i}" for k, i in enumerate(ss.user_items(5)) if k % 2}
    unwatched = items_of(rt.get_recommendations(campaignArn=env["up"], userId="u5", filterArn=env["unwatched"]))
    assert unwatched and not set(unwatched) & watched
    only = items_of(rt.get_recommendations(campaignArn=env["up"], userId="u5", filterArn=env["watched"]))
    assert set(only) <= watched and only


def test_put_events_change_the_next_response_and_filters(env):
    rt, ev = env["emb"].runtime, env["emb"].events
    before = items_of(rt.get_recommendations(campaignArn=env["up"], userId="newbie"))
    dramas = ["i120", "i121", "i122", "i123"]
    ev.put_events(trackingId=env["tracking"], userId="newbie", sessionId="s-newbie", eventList=[
        {"sentAt": int(time.time()) + k, "eventType": "watch", "properties": ss.props(itemId=i)}
        for k, i in enumerate(dramas)])
    after = rt.get_recommendations(campaignArn=env["up"], userId="newbie")
    assert items_of(after) != before
    assert sum(int(i[1:]) >= 100 for i in items_of(after)) >= 20
    watched = items_of(rt.get_recommendations(campaignArn=env["up"], userId="newbie", filterArn=env["watched"]))
    assert set(watched) == set(dramas)
    sims_after = items_of(rt.get_recommendations(campaignArn=env["sims"], itemId="i150"))
    assert sims_after == items_of(rt.get_recommendations(campaignArn=env["sims"], itemId="i150"))


def test_personalized_ranking_scores_sum_to_one_and_unknown_items_trail(env):
    rt = env["emb"].runtime
    inputs = ["i5", "i150", "ghost-1", "i7", "i160", "ghost-2", "i9"]
    got = rt.get_personalized_ranking(campaignArn=env["rank"], userId="u3", inputList=inputs)["personalizedRanking"]
    assert [i["itemId"] for i in got[-2:]] == ["ghost-1", "ghost-2"]
    assert all("score" not in i for i in got[-2:])
    scores = [i["score"] for i in got[:-2]]
    assert sum(scores) == pytest.approx(1.0, abs=1e-6) and scores == sorted(scores, reverse=True)
    assert int(got[0]["itemId"][1:]) < 100  # the comedy fan ranks a comedy first
    watched = [f"i{i}" for k, i in enumerate(ss.user_items(3)) if k % 2][:3]
    kept = rt.get_personalized_ranking(campaignArn=env["rank"], userId="u3", inputList=watched + ["i5", "ghost-1"],
                                       filterArn=env["unwatched"])["personalizedRanking"]
    assert [i["itemId"] for i in kept] == ["i5", "ghost-1"] and kept[0]["score"] == pytest.approx(1.0)
    with pytest.raises(ClientError) as err:
        rt.get_personalized_ranking(campaignArn=env["up"], userId="u3", inputList=inputs)
    assert "PERSONALIZED_RANKING" in err.value.response["Error"]["Message"]


def test_metadata_columns_need_the_campaign_setting(env):
    rt = env["emb"].runtime
    got = rt.get_recommendations(campaignArn=env["up"], userId="u3", numResults=3, metadataColumns={"ITEMS": ["GENRE"]})
    assert all(i["metadata"]["GENRE"] == ss.genre(int(i["itemId"][1:])) for i in got["itemList"])
    with pytest.raises(ClientError) as err:
        rt.get_recommendations(campaignArn=env["pop"], userId="u3", metadataColumns={"ITEMS": ["GENRE"]})
    assert "enableMetadataWithRecommendations" in err.value.response["Error"]["Message"]


def test_promotion_takes_its_share_from_its_own_filter(env):
    got = env["emb"].runtime.get_recommendations(
        campaignArn=env["up"], userId="u3", numResults=10, filterArn=env["genre"], filterValues={"GENRE": '"Comedy"'},
        promotions=[{"name": "noir-promo", "percentPromotedItems": 30, "filterArn": env["noir"]}])["itemList"]
    promoted = [i for i in got if i.get("promotionName") == "noir-promo"]
    assert len(got) == 10 and len(promoted) == 3
    assert all("Film-Noir" in ss.genre(int(i["itemId"][1:])) for i in promoted)
    assert all(int(i["itemId"][1:]) < 100 for i in got if "promotionName" not in i)


def test_exploration_mixes_in_less_popular_items(env):
    p, rt = env["emb"].personalize, env["emb"].runtime
    plain = items_of(rt.get_recommendations(campaignArn=env["up"], userId="u3", numResults=10))
    explore = {"itemExplorationConfig": {"explorationWeight": "1", "explorationItemAgeCutOff": "30"}}
    p.update_campaign(campaignArn=env["up"], campaignConfig=explore)
    try:
        explored = items_of(rt.get_recommendations(campaignArn=env["up"], userId="u3", numResults=10))
    finally:
        p.update_campaign(campaignArn=env["up"], campaignConfig={
            "itemExplorationConfig": {"explorationWeight": "0"}, "enableMetadataWithRecommendations": True})
    assert len(explored) == 10 and len(set(explored) - set(plain)) == 5
    assert explored[0] == plain[0]  # exploration never takes the first place


def test_put_items_reach_item_filters_and_metadata_at_once(env):  # last: it changes an item of the fixture
    rt, ev = env["emb"].runtime, env["emb"].events
    comedy = {"filterArn": env["genre"], "filterValues": {"GENRE": '"Comedy"'}}
    assert "i150" not in items_of(rt.get_recommendations(campaignArn=env["up"], userId="u70", **comedy))
    ev.put_items(datasetArn=env["items_dataset_arn"], items=[
        {"itemId": "i150", "properties": ss.props(genre="Comedy", year=1999)}])
    assert "i150" in items_of(rt.get_recommendations(campaignArn=env["up"], userId="u70", **comedy))
    got = rt.get_recommendations(campaignArn=env["up"], userId="u70", metadataColumns={"ITEMS": ["GENRE", "YEAR"]},
                                 **comedy)
    meta = {i["itemId"]: i["metadata"] for i in got["itemList"]}
    assert meta["i150"] == {"GENRE": "Comedy", "YEAR": "1999"}


def test_data_deletion_removes_a_users_live_events_from_serving(env, tmp_path):
    p, rt, ev = env["emb"].personalize, env["emb"].runtime, env["emb"].events
    ev.put_events(trackingId=env["tracking"], userId="leaver", sessionId="s-leaver", eventList=[
        {"sentAt": int(time.time()), "eventType": "watch", "itemId": "i130"}])
    assert items_of(rt.get_recommendations(campaignArn=env["up"], userId="leaver",
                                           filterArn=env["watched"])) == ["i130"]
    users = tmp_path / "delete.csv"
    users.write_text("USER_ID\nleaver\n")
    job = p.create_data_deletion_job(jobName="forget-leaver", datasetGroupArn=env["dataset_group_arn"],
                                     dataSource={"dataLocation": str(users)},
                                     roleArn="arn:aws:iam::000000000000:role/R")["dataDeletionJobArn"]
    assert p.describe_data_deletion_job(dataDeletionJobArn=job)["dataDeletionJob"]["status"] == "COMPLETED"
    assert items_of(rt.get_recommendations(campaignArn=env["up"], userId="leaver", filterArn=env["watched"])) == []
