"""ListRecipes, DescribeRecipe, DescribeAlgorithm, DescribeFeatureTransformation through boto3."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

RECIPE = "arn:aws:personalize:::recipe/"


def test_list_recipes_lists_the_registered_custom_recipes(personalize):
    recipes = personalize.list_recipes(recipeProvider="SERVICE")["recipes"]
    names = {r["name"] for r in recipes}
    assert {"aws-user-personalization", "aws-sims", "aws-personalized-ranking", "aws-popularity-count"} <= names
    assert not names & {"aws-hrnn", "aws-hrnn-metadata", "aws-hrnn-coldstart"}
    for recipe in recipes:
        assert recipe["recipeArn"] == RECIPE + recipe["name"]
        assert recipe["status"] == "ACTIVE"
        assert recipe["creationDateTime"] <= recipe["lastUpdatedDateTime"]
    assert personalize.list_recipes(domain="ECOMMERCE")["recipes"] == []
    paged = personalize.get_paginator("list_recipes").paginate(PaginationConfig={"PageSize": 2})
    assert sorted(r["name"] for page in paged for r in page["recipes"]) == sorted(names)


def test_describe_recipe_matches_the_catalogue(personalize):
    sims = personalize.describe_recipe(recipeArn=RECIPE + "aws-sims")["recipe"]
    assert sims["recipeType"] == "RELATED_ITEMS"
    assert sims["algorithmArn"] == "arn:aws:personalize:::algorithm/aws-sims"
    assert sims["featureTransformationArn"] == "arn:aws:personalize:::feature-transformation/sims"
    ranking = personalize.describe_recipe(recipeArn=RECIPE + "aws-personalized-ranking")["recipe"]
    assert ranking["recipeType"] == "PERSONALIZED_RANKING"
    assert ranking["featureTransformationArn"].endswith("feature-transformation/JSON-percentile-filtering")
    up = personalize.describe_recipe(recipeArn=RECIPE + "aws-user-personalization")["recipe"]
    assert up["recipeType"] == "USER_PERSONALIZATION" and "featureTransformationArn" not in up
    trending = personalize.describe_recipe(recipeArn=RECIPE + "aws-trending-now")["recipe"]
    assert trending["algorithmArn"] == "arn:aws:personalize:::algorithm/aws-trending-now-custom"


def test_describe_algorithm_reports_defaults_and_ranges(personalize):
    algo = personalize.describe_algorithm(algorithmArn="arn:aws:personalize:::algorithm/aws-sims")["algorithm"]
    assert algo["defaultHyperParameters"]["popularity_discount_factor"] == "0.5"
    assert algo["defaultHyperParameters"]["min_cointeraction_count"] == "3"
    ranges = algo["defaultHyperParameterRanges"]
    assert {"name": "popularity_discount_factor", "minValue": 0.0, "maxValue": 1.0, "isTunable": True} in \
        ranges["continuousHyperParameterRanges"]
    assert {"name": "min_cointeraction_count", "minValue": 0, "maxValue": 10, "isTunable": True} in \
        ranges["integerHyperParameterRanges"]
    assert set(algo["defaultResourceConfig"]) == {"maxNumberOfTrainingJobs", "maxParallelTrainingJobs"}
    assert algo["algorithmImage"]["dockerURI"].startswith("tastemaker:")
    assert algo["trainingInputMode"] == "File"
    up = personalize.describe_algorithm(
        algorithmArn="arn:aws:personalize:::algorithm/aws-user-personalization")["algorithm"]
    assert up["defaultHyperParameters"]["hidden_dimension"] == "149"


def test_every_listed_recipe_describes_its_algorithm(personalize):
    for summary in personalize.list_recipes()["recipes"]:
        recipe = personalize.describe_recipe(recipeArn=summary["recipeArn"])["recipe"]
        algo = personalize.describe_algorithm(algorithmArn=recipe["algorithmArn"])["algorithm"]
        assert algo["algorithmArn"] == recipe["algorithmArn"]
        for value in algo["defaultHyperParameters"].values():
            assert isinstance(value, str)
        if "featureTransformationArn" in recipe:
            ft = personalize.describe_feature_transformation(
                featureTransformationArn=recipe["featureTransformationArn"])["featureTransformation"]
            assert ft["status"] == "ACTIVE"


def test_describe_feature_transformation(personalize):
    ft = personalize.describe_feature_transformation(
        featureTransformationArn="arn:aws:personalize:::feature-transformation/sims")["featureTransformation"]
    assert ft["name"] == "sims"
    assert ft["defaultParameters"]["min_user_history_length_percentile"] == "0.005"
    assert ft["defaultParameters"]["max_item_interaction_count_percentile"] == "0.9"


@pytest.mark.parametrize("call, kwargs, code, words", [
    ("describe_recipe", {"recipeArn": RECIPE + "aws-hrnn"}, "InvalidInputException", "no longer available"),
    ("describe_recipe", {"recipeArn": RECIPE + "aws-nope"}, "ResourceNotFoundException", "aws-nope"),
    ("describe_algorithm", {"algorithmArn": "arn:aws:personalize:::algorithm/aws-nope"},
     "ResourceNotFoundException", "aws-nope"),
    ("describe_feature_transformation",
     {"featureTransformationArn": "arn:aws:personalize:::feature-transformation/featurize_metadata"},
     "ResourceNotFoundException", "featurize_metadata"),
])
def test_unknown_and_legacy_names(personalize, call, kwargs, code, words):
    with pytest.raises(ClientError) as err:
        getattr(personalize, call)(**kwargs)
    assert err.value.response["Error"]["Code"] == code
    assert words in err.value.response["Error"]["Message"]
