"""evaluate / train_and_evaluate / hpo on small known data."""
from __future__ import annotations

import numpy as np
import pytest

from tastemaker.data.types import TrainingData
from tastemaker.evaluation.metrics import METRIC_KEYS
from tastemaker.evaluation.offline import evaluate
from tastemaker.errors import InvalidInputException
from tastemaker.evaluation.pipeline import hpo, train_and_evaluate
from tastemaker.data.split import personalize_split
from tastemaker.recipes.base import TrainingOptions
from tastemaker.recipes.registry import get_recipe
from tastemaker.testing.recipes import checkerboard


@pytest.fixture(scope="module")
def data() -> TrainingData:
    return checkerboard()


def test_evaluate_keys_and_known_quality(data):
    split = personalize_split(data.interactions, 0)
    recipe = get_recipe("aws-user-personalization")
    model = recipe.train(TrainingData(split.train), {}, {}, TrainingOptions())
    metrics = evaluate(model, recipe.recipe_type, split)
    assert tuple(metrics) == METRIC_KEYS
    # every held-out user's truth is in their group of 5 items: a good model finds it in the top 5
    assert metrics["precision_at_5"] >= 0.2 and metrics["mean_reciprocal_rank_at_25"] > 0.5
    distinct = {int(i) for h in split.histories for i in model.recommend(h, 25)[0]}
    assert metrics["coverage"] == round(len(distinct) / data.interactions.n_items, 4)


def test_popularity_is_worse_than_personalization_on_group_b_users(data):
    split = personalize_split(data.interactions, 1)
    up = get_recipe("aws-user-personalization").train(TrainingData(split.train), {}, {}, TrainingOptions())
    pop = get_recipe("aws-popularity-count").train(TrainingData(split.train), {}, {}, TrainingOptions())
    a = evaluate(up, "USER_PERSONALIZATION", split)["normalized_discounted_cumulative_gain_at_10"]
    b = evaluate(pop, "USER_PERSONALIZATION", split)["normalized_discounted_cumulative_gain_at_10"]
    assert a > b


def test_related_items_modes_and_exclude_seen(data):
    split = personalize_split(data.interactions, 0)
    model = get_recipe("aws-sims").train(TrainingData(split.train), {}, {}, TrainingOptions())
    for related in ("history", "item"):
        m = evaluate(model, "RELATED_ITEMS", split, related=related, exclude_seen=True)
        assert 0.0 <= m["normalized_discounted_cumulative_gain_at_10"] <= 1.0


def test_ranking_is_evaluated_over_the_whole_catalogue(data):
    split = personalize_split(data.interactions, 0)
    model = get_recipe("aws-personalized-ranking").train(TrainingData(split.train), {}, {}, TrainingOptions())
    ranked = evaluate(model, "PERSONALIZED_RANKING", split)
    recommended = evaluate(model, "USER_PERSONALIZATION", split)
    for key, value in ranked.items():  # same scores, so the same lists up to ties
        assert abs(value - recommended[key]) <= 0.02, key


def test_train_and_evaluate_with_string_params(data):
    metrics, info = train_and_evaluate(data, "aws-sims", {"popularity_discount_factor": "0.7",
                                                          "min_cointeraction_count": "1"}, {}, seed=4)
    assert tuple(metrics) == METRIC_KEYS and info["seed"] == 4 and info["test_users"] == 6
    again, _ = train_and_evaluate(data, "aws-sims", {"popularity_discount_factor": "0.7",
                                                      "min_cointeraction_count": "1"}, {}, seed=4)
    assert again == metrics  # seeded: reproducible
    with pytest.raises(InvalidInputException, match="popularity_discount_factor"):
        train_and_evaluate(data, "aws-sims", {"popularity_discount_factor": "2"}, {}, seed=0)


def test_hpo_searches_given_ranges_on_training_users_only(data, monkeypatch):
    import tastemaker.evaluation.pipeline as pipeline
    evaluated_users: list[set] = []
    real = pipeline.evaluate

    def spy(model, recipe_type, split, **kw):
        evaluated_users.append(set(split.test_users.tolist()))
        return real(model, recipe_type, split, **kw)

    monkeypatch.setattr(pipeline, "evaluate", spy)
    ranges = {"continuous_hyper_parameter_ranges": [{"name": "popularity_discount_factor", "min_value": 0.1,
                                                     "max_value": 0.9}],
              "integer_hyper_parameter_ranges": [{"name": "min_cointeraction_count", "min_value": 0,
                                                  "max_value": 2}]}
    best, trials = hpo(data, "aws-sims", ranges, max_trials=3, parallel=1, seed=0)
    assert len(trials) == 3 and set(best) == {"popularity_discount_factor", "min_cointeraction_count"}
    assert 0.1 <= float(best["popularity_discount_factor"]) <= 0.9 and best["min_cointeraction_count"] in "012"
    held_out = set(personalize_split(data.interactions, 0).test_users.tolist())
    assert evaluated_users and all(not (users & held_out) for users in evaluated_users)


def test_hpo_default_ranges_are_the_tunable_fields(data):
    best, trials = hpo(data, "aws-sims", None, max_trials=2, parallel=1, seed=1)
    assert set(best) == {"popularity_discount_factor", "min_cointeraction_count"} and len(trials) == 2


def test_hpo_runs_its_trials_in_rounds_through_fan_out(data):
    rounds: list[list[dict]] = []

    def fan_out(fn, items, parallel):
        assert parallel == 2 and len(items) <= 2
        rounds.append(items)
        return [fn(item) for item in items]

    best, trials = hpo(data, "aws-sims", None, max_trials=5, parallel=2, seed=0, fan_out=fan_out)
    assert [len(r) for r in rounds] == [2, 2, 1] and len(trials) == 5
    assert all(t["state"] == "COMPLETE" for t in trials)
    assert all(r[0] != r[1] for r in rounds[:2])  # the constant liar keeps a round's trials apart
    assert best == max(trials, key=lambda t: t["value"])["params"]


def test_hpo_is_reproducible_for_a_seed(data):
    first = hpo(data, "aws-sims", None, max_trials=3, parallel=1, seed=3)
    again = hpo(data, "aws-sims", None, max_trials=3, parallel=1, seed=3,
                fan_out=lambda fn, items, parallel: [fn(i) for i in items])
    assert first == again
