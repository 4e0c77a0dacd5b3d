"""optimizationObjective: checks, the objective's share of the score, average_rewards_at_k, and the boto3 flow."""
from __future__ import annotations

import math

import numpy as np
import pytest
from botocore.exceptions import ClientError

from tastemaker.data.types import History, ItemObjective, TrainingData
from tastemaker.errors import InvalidInputException
from tastemaker.evaluation.metrics import REWARDS_KEY, average_rewards
from tastemaker.recipes._common import rank_scores
from tastemaker.recipes.base import TrainingOptions
from tastemaker.recipes.user_personalization import UserPersonalization
from tastemaker.training.objective import SHARE, check_objective, objective_of
from tests.data.builders import ITEMS, import_wait, make_dataset, write_csv
from tests.training.helpers import small_group
from tests.training.test_events import two_pools

FIELDS = [{"name": "ITEM_ID", "type": "string"}, {"name": "GENRE", "type": "string", "categorical": True},
          {"name": "PRICE", "type": ["null", "double"]}]


def objective(attribute="PRICE", sensitivity="HIGH") -> dict:
    return {"optimization_objective": {"item_attribute": attribute, "objective_sensitivity": sensitivity}}


def test_sensitivity_off_or_no_attribute_means_no_objective():
    assert objective_of(objective()) == ("PRICE", "HIGH")
    assert objective_of(objective(sensitivity="OFF")) is None and objective_of({}) is None
    assert objective_of({"optimization_objective": {"objective_sensitivity": "HIGH"}}) is None
    assert objective_of({"optimization_objective": {"item_attribute": "PRICE"}}) == ("PRICE", "LOW")


def test_check_names_the_recipe_the_dataset_and_the_numeric_columns():
    check_objective("aws-user-personalization", objective(), FIELDS)
    check_objective("aws-sims", objective(sensitivity="OFF"), None)
    with pytest.raises(InvalidInputException, match="aws-user-personalization and aws-personalized-ranking"):
        check_objective("aws-user-personalization-v2", objective(), FIELDS)
    with pytest.raises(InvalidInputException, match="needs an Items dataset"):
        check_objective("aws-personalized-ranking", objective(), None)
    with pytest.raises(InvalidInputException, match="'GENRE' is not a numeric column.*Numeric columns: PRICE"):
        check_objective("aws-user-personalization", objective("GENRE"), FIELDS)


def test_rank_scores_and_average_rewards():
    assert rank_scores(np.array([5.0, 1, 1, 3, 10])).tolist() == [0.75, 0.125, 0.125, 0.5, 1.0]
    assert rank_scores(np.array([2.0, 2.0])).tolist() == [0.0, 0.0]
    rewards = np.array([0.0, 10.0, 30.0, 60.0])
    assert average_rewards(np.array([3, 0]), {1, 2, 3}, rewards) == 0.6  # 60 of the 100 the truth was worth
    assert average_rewards(np.array([1, 2, 3]), {1, 2, 3}, rewards) == 1.0
    assert math.isnan(average_rewards(np.array([1]), {0}, rewards))  # nothing to earn: left out of the mean


def test_a_higher_sensitivity_recommends_more_valuable_items():
    data = two_pools()
    values = np.asarray([float(str(i)[1:]) for i in data.interactions.item_ids])  # item number as its "price"
    mean_value = {}
    for sensitivity in ("OFF", "LOW", "HIGH"):
        train = data if sensitivity == "OFF" else TrainingData(
            data.interactions, objective=ItemObjective("PRICE", values, SHARE[sensitivity]))
        model = UserPersonalization().train(train, {}, {}, TrainingOptions(seed=0))
        tops = [values[model.recommend(History.of(data.interactions.item[data.interactions.user == u][:8]), 10)[0]]
                for u in range(20)]
        mean_value[sensitivity] = float(np.mean(tops))
        if sensitivity == "HIGH":  # the saved arrays carry the objective
            assert UserPersonalization().load(model.arrays()).objective_share == SHARE["HIGH"]
    assert mean_value["OFF"] < mean_value["LOW"] < mean_value["HIGH"], mean_value


def test_the_boto3_flow(personalize, tmp_path):
    group = small_group(personalize, tmp_path)
    up = "arn:aws:personalize:::recipe/aws-user-personalization"
    config = {"optimizationObjective": {"itemAttribute": "PRICE", "objectiveSensitivity": "MEDIUM"}}
    with pytest.raises(ClientError, match="needs an Items dataset"):
        personalize.create_solution(name="o", datasetGroupArn=group, recipeArn=up, solutionConfig=config)
    items = make_dataset(personalize, group, "Items", ITEMS)
    rows = [[f"i{k}", "a|b" if k % 2 else "c", 1990 + k % 20, float(k % 7) * 3.5] for k in range(80)]
    path = write_csv(tmp_path / "items.csv", ["ITEM_ID", "GENRE", "YEAR", "PRICE"], rows)
    assert import_wait(personalize, items, str(path), "items")["status"] == "ACTIVE"
    with pytest.raises(ClientError, match="'GENRE' is not a numeric column"):
        personalize.create_solution(name="o", datasetGroupArn=group, recipeArn=up, solutionConfig={
            "optimizationObjective": {"itemAttribute": "GENRE", "objectiveSensitivity": "LOW"}})
    arn = personalize.create_solution(name="o", datasetGroupArn=group, recipeArn=up, solutionConfig=config)[
        "solutionArn"]
    version = personalize.create_solution_version(solutionArn=arn)["solutionVersionArn"]
    described = personalize.describe_solution_version(solutionVersionArn=version)["solutionVersion"]
    assert described["status"] == "ACTIVE", described.get("failureReason")
    assert described["solutionConfig"]["optimizationObjective"] == config["optimizationObjective"]
    metrics = personalize.get_solution_metrics(solutionVersionArn=version)["metrics"]
    assert 0.0 < metrics[REWARDS_KEY] <= 1.0 and len(metrics) == 9
