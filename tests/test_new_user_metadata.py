"""New users served from the Users dataset through boto3: a user known only by its metadata (imported, or sent
with PutUsers after training) gets what users with the same values interact with, not the popular list."""
from __future__ import annotations

import csv
import json
from collections import Counter

import pytest

import tastemaker
from tests import serving_setup as ss
from tests.poc import wait_status

USERS_SCHEMA = json.dumps({
    "type": "record", "name": "Users", "namespace": "com.amazonaws.personalize.schema",
    "fields": [{"name": "USER_ID", "type": "string"}, {"name": "TASTE", "type": "string", "categorical": True},
               {"name": "AGE", "type": "int"}],
    "version": "1.0"})


def taste(user: int) -> str:
    return "comedy" if user < ss.N_USERS // 2 else "drama"  # users 0-59 watch comedies, 60-119 dramas


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("new-users")
    with tastemaker.embedded(root / "data", executor="inline") as emb:
        p = emb.personalize
        group = ss.setup_group(p, root / "csv", "new-users")["dataset_group_arn"]
        path = root / "csv" / "users.csv"
        with open(path, "w", newline="") as out:
            w = csv.writer(out)
            w.writerow(["USER_ID", "TASTE", "AGE"])
            for u in range(ss.N_USERS):
                w.writerow([f"u{u}", taste(u), 20 + u % 40])
            w.writerow(["imported-drama-fan", "drama", 30])
        schema = p.create_schema(name="new-users-users", schema=USERS_SCHEMA)["schemaArn"]
        users = p.create_dataset(name="new-users-users", schemaArn=schema, datasetGroupArn=group,
                                 datasetType="Users")["datasetArn"]
        wait_status(p.describe_dataset, "dataset", datasetArn=users)
        job = p.create_dataset_import_job(jobName="new-users-import", datasetArn=users,
                                          dataSource={"dataLocation": str(path)},
                                          roleArn="arn:aws:iam::000000000000:role/R")["datasetImportJobArn"]
        assert wait_status(p.describe_dataset_import_job, "datasetImportJob",
                           datasetImportJobArn=job)["status"] == "ACTIVE"
        up = ss.train(p, group, "new-users-up", "aws-user-personalization")["solution_version_arn"]
        rank = ss.train(p, group, "new-users-rank", "aws-personalized-ranking")["solution_version_arn"]
        plain = {"itemExplorationConfig": {"explorationWeight": "0"}}
        yield {"emb": emb, "users": users, "up": ss.deploy(p, "new-users-up", up, campaignConfig=plain),
               "rank": ss.deploy(p, "new-users-rank", rank)}


def dramas(items: list[str]) -> int:
    return sum(int(i[1:]) >= 100 for i in items)


def recommended(env, user: str) -> list[str]:
    got = env["emb"].runtime.get_recommendations(campaignArn=env["up"], userId=user)
    assert all("score" in i for i in got["itemList"])
    return [i["itemId"] for i in got["itemList"]]


def test_an_imported_user_without_interactions_gets_its_segments_items(env):
    assert dramas(recommended(env, "imported-drama-fan")) == 25
    assert recommended(env, "nobody") != recommended(env, "imported-drama-fan")


def test_put_users_after_training_takes_effect_at_once(env):
    before = recommended(env, "late-comer")
    env["emb"].events.put_users(datasetArn=env["users"], users=[
        {"userId": "late-comer", "properties": json.dumps({"taste": "comedy", "age": 25})}])
    after = recommended(env, "late-comer")
    assert before == recommended(env, "nobody") and dramas(after) == 0


def test_personalized_ranking_of_a_user_known_by_metadata(env):
    counts = Counter(i for u in range(ss.N_USERS) for i in ss.user_items(u))
    top = [f"i{i}" for i, _ in counts.most_common() if i < 100][:5] + \
        [f"i{i}" for i, _ in counts.most_common() if i >= 100][:5]  # each cluster's 5 most watched
    rt = env["emb"].runtime
    got = rt.get_personalized_ranking(campaignArn=env["rank"], userId="imported-drama-fan",
                                      inputList=top)["personalizedRanking"]
    assert sorted(i["itemId"] for i in got) == sorted(top) and abs(sum(i["score"] for i in got) - 1.0) < 1e-6
    assert dramas([i["itemId"] for i in got[:5]]) == 5
