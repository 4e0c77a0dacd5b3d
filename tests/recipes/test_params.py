"""Hyperparameter strings -> typed recipe settings, HPO ranges and resource limits, with clear errors."""
from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field

from tastemaker.errors import InvalidInputException
from tastemaker.recipes.sims import Sims
from tastemaker.training.config import check_config, check_schedule, typed_params
from tastemaker.training.hpo import resource_limits, search_space
from tastemaker.recipes.params import default_ranges, default_strings, parse_params, to_strings


class Demo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    size: int = Field(8, ge=2, le=64, json_schema_extra={"tunable": True})
    rate: float = Field(0.5, ge=0.0, le=1.0, json_schema_extra={"tunable": True})
    flag: bool = Field(True, json_schema_extra={"tunable": True})
    every: Literal["1 hour", "2 hours"] = Field("2 hours")


def test_strings_round_trip_to_typed_values():
    typed = parse_params(Demo, {"size": "16", "rate": "0.25", "flag": "FALSE", "every": "1 hour"}, "here")
    assert (typed.size, typed.rate, typed.flag, typed.every) == (16, 0.25, False, "1 hour")
    assert to_strings(typed) == {"size": "16", "rate": "0.25", "flag": "false", "every": "1 hour"}
    assert parse_params(Demo, to_strings(Demo()), "here") == Demo()
    assert default_strings(Demo) == {"size": "8", "rate": "0.5", "flag": "true", "every": "2 hours"}


@pytest.mark.parametrize("values, words", [
    ({"size": "65"}, ["size", "'65'", "[2, 64]"]),
    ({"size": "2.5"}, ["size", "integer"]),
    ({"rate": "-0.1"}, ["rate", "[0.0, 1.0]"]),
    ({"rate": "nan"}, ["rate", "'nan'"]),
    ({"flag": "yes"}, ["flag", "'true', 'false'"]),
    ({"every": "3h"}, ["every", "'1 hour', '2 hours'"]),
    ({"sizes": "3"}, ["'sizes'", "accepts: every, flag, rate, size"]),
])
def test_bad_values_name_parameter_value_and_range(values, words):
    with pytest.raises(InvalidInputException) as err:
        parse_params(Demo, values, "solutionConfig.algorithmHyperParameters")
    for word in words:
        assert word in err.value.message


def test_featurization_parameter_in_the_algorithm_map_says_where_it_belongs():
    with pytest.raises(InvalidInputException, match="belongs in featureTransformationParameters"):
        typed_params(Sims, {"algorithm_hyper_parameters": {"min_user_history_length_percentile": "0.1"}})
    params, features = typed_params(Sims, {"algorithm_hyper_parameters": {"popularity_discount_factor": "0.7"},
                                           "feature_transformation_parameters": {
                                               "max_item_interaction_count_percentile": "0.8"}})
    assert params.popularity_discount_factor == 0.7 and features.max_item_interaction_count_percentile == 0.8


def test_default_ranges_come_from_the_fields():
    ranges = default_ranges(Demo)
    assert ranges["integer_hyper_parameter_ranges"] == [{"name": "size", "min_value": 2, "max_value": 64,
                                                         "is_tunable": True}]
    assert ranges["continuous_hyper_parameter_ranges"][0]["max_value"] == 1.0
    assert {"name": "every", "values": ["1 hour", "2 hours"], "is_tunable": False} in \
        ranges["categorical_hyper_parameter_ranges"]


def test_search_space_defaults_and_checks():
    assert {e["name"] for e in search_space(Demo, None)} == {"size", "rate", "flag"}
    space = search_space(Demo, {"integer_hyper_parameter_ranges": [{"name": "size", "min_value": 4, "max_value": 8}],
                                "categorical_hyper_parameter_ranges": [{"name": "flag", "values": ["false"]}]})
    assert space == [{"name": "size", "kind": "integer", "min": 4, "max": 8},
                     {"name": "flag", "kind": "categorical", "values": [False]}]
    bad = [
        ({"integer_hyper_parameter_ranges": [{"name": "size", "min_value": 1, "max_value": 8}]}, "inside [2, 64]"),
        ({"integer_hyper_parameter_ranges": [{"name": "size", "min_value": 9, "max_value": 8}]}, "minValue <= max"),
        ({"continuous_hyper_parameter_ranges": [{"name": "size", "min_value": 2, "max_value": 8}]}, "is integer"),
        ({"categorical_hyper_parameter_ranges": [{"name": "every", "values": ["1 hour"]}]}, "not tunable"),
        ({"integer_hyper_parameter_ranges": [{"name": "depth", "min_value": 1, "max_value": 2}]}, "'depth'"),
    ]
    for ranges, words in bad:
        with pytest.raises(InvalidInputException, match=words.replace("[", r"\[")):
            search_space(Demo, ranges)


def test_resource_limits():
    assert resource_limits({"hpo_resource_config": {"max_number_of_training_jobs": "40",
                                                    "max_parallel_training_jobs": "10"}}) == (40, 10)
    assert resource_limits({"hpo_resource_config": {"max_number_of_training_jobs": "3",
                                                    "max_parallel_training_jobs": "5"}}) == (3, 3)
    for key, value in (("max_number_of_training_jobs", "41"), ("max_parallel_training_jobs", "11"),
                       ("max_number_of_training_jobs", "0"), ("max_parallel_training_jobs", "two")):
        with pytest.raises(InvalidInputException, match="from 1 to"):
            resource_limits({"hpo_resource_config": {key: value}})


def test_check_config_rejects_what_tastemaker_cannot_do():
    with pytest.raises(InvalidInputException, match="eventsConfig is supported by aws-user-personalization-v2"):
        check_config(Sims, {"events_config": {"event_parameters_list": [{"event_type": "click", "weight": 0.5}]}},
                     False)
    with pytest.raises(InvalidInputException, match="eventValueThreshold"):
        check_config(Sims, {"event_value_threshold": "abc"}, False)
    with pytest.raises(InvalidInputException, match="dataset type 'Actions'"):
        check_config(Sims, {"training_data_config": {"excluded_dataset_columns": {"Actions": ["X"]}}}, False)
    check_schedule({"scheduling_expression": "rate(3 days)"})
    with pytest.raises(InvalidInputException, match="rate"):
        check_schedule({"scheduling_expression": "rate(31 days)"})
