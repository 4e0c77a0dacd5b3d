"""performAutoML's pure parts: the candidate recipes, the metric, what CreateSolution refuses."""
from __future__ import annotations

import pytest

from tastemaker.errors import InvalidInputException
from tastemaker.training.automl import DEFAULT_METRIC, candidates, check_auto_ml, metric_of

RECIPE = "arn:aws:personalize:::recipe/"


def test_candidates_default_to_every_user_personalization_recipe():
    assert candidates({}) == ["aws-popularity-count", "aws-trending-now", "aws-user-personalization",
                              "aws-user-personalization-v2"]
    listed = {"auto_ml_config": {"recipe_list": [RECIPE + "aws-user-personalization", RECIPE + "aws-trending-now",
                                                 RECIPE + "aws-user-personalization"]}}
    assert candidates(listed) == ["aws-user-personalization", "aws-trending-now"]
    with pytest.raises(InvalidInputException, match="aws-personalized-ranking is PERSONALIZED_RANKING"):
        candidates({"auto_ml_config": {"recipe_list": [RECIPE + "aws-personalized-ranking"]}})


def test_metric_defaults_to_ndcg_at_10_and_must_be_a_metric_key():
    assert metric_of({}) == DEFAULT_METRIC
    assert metric_of({"auto_ml_config": {"metric_name": "precision_at_25"}}) == "precision_at_25"
    with pytest.raises(InvalidInputException, match="metricName 'hits'"):
        metric_of({"auto_ml_config": {"metric_name": "hits"}})


@pytest.mark.parametrize("config, message", [
    ({"algorithm_hyper_parameters": {"bptt": "8"}}, "leave out algorithmHyperParameters"),
    ({"events_config": {"event_parameters_list": [{"event_type": "click"}]}}, "give a recipeArn"),
    ({"optimization_objective": {"item_attribute": "PRICE"}}, "give a recipeArn"),
])
def test_recipe_specific_settings_need_a_recipe(config, message):
    with pytest.raises(InvalidInputException, match=message):
        check_auto_ml(True, None, config)
    check_auto_ml(True, None, {})
    check_auto_ml(False, RECIPE + "aws-sims", {})


def test_candidates_train_through_fan_out_with_the_same_choice_and_steady_progress():
    from tastemaker.jobs.executors import ThreadExecutor
    from tastemaker.testing.recipes import checkerboard
    from tastemaker.training.automl import PARALLEL_CANDIDATES, choose_recipe

    data = checkerboard()
    config = {"auto_ml_config": {"recipe_list": [RECIPE + "aws-popularity-count",
                                                 RECIPE + "aws-user-personalization"]}}
    sequential = choose_recipe(data, config, seed=0)
    executor = ThreadExecutor(lambda job_id: None)
    seen: list[float] = []
    pieces: list[int] = []

    def fan_out(fn, items, parallel):
        pieces.append(len(items))
        assert parallel == PARALLEL_CANDIDATES
        return executor.map(fn, items, parallel)

    try:
        assert choose_recipe(data, config, seed=0, progress=seen.append, fan_out=fan_out) == sequential
    finally:
        executor.shutdown()
    assert sequential[0] == "aws-user-personalization" and pieces == [2]
    assert seen == sorted(seen) and seen[-1] == 1.0  # the mean over candidates never goes back
