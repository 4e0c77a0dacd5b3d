"""Recipes, algorithms and feature transformations, read from the recipe registry (spec §5)."""
from __future__ import annotations

from typing import Any

from ..context import Context
from ..domain.arns import algorithm_arn
from ..errors import InvalidInputException
from ..training import catalog
from ..training.hpo import DEFAULT_RESOURCE
from ..recipes.params import default_ranges, default_strings


def list_recipes(ctx: Context, *, recipe_provider: str | None = None, domain: str | None = None) -> dict[str, Any]:
    """Custom recipes only: domain recipes (recommenders) are not offered, so a domain lists none."""
    if recipe_provider not in (None, "SERVICE"):
        raise InvalidInputException(f"Invalid recipeProvider {recipe_provider!r}: the only provider is SERVICE.")
    if domain is not None:
        return {"recipes": []}
    found = [catalog.recipe_record(name, cls) for name, cls in sorted(catalog.recipes().items())]
    return {"recipes": found}


def describe_recipe(ctx: Context, *, recipe_arn: str) -> dict[str, Any]:
    cls = catalog.recipe_class(recipe_arn)
    return {"recipe": catalog.recipe_record(catalog.recipe_name(recipe_arn), cls)}


def describe_algorithm(ctx: Context, *, algorithm_arn: str) -> dict[str, Any]:
    name, cls = catalog.recipe_for_algorithm(algorithm_arn)
    algorithm = catalog.algorithm_name(name)
    return {"algorithm": {
        "name": algorithm, "algorithm_arn": _algorithm_arn(algorithm),
        "algorithm_image": {"name": algorithm, "docker_uri": catalog.docker_uri(cls)},
        "default_hyper_parameters": default_strings(cls.HyperParameters),
        "default_hyper_parameter_ranges": default_ranges(cls.HyperParameters),
        "default_resource_config": {
            "maxNumberOfTrainingJobs": str(DEFAULT_RESOURCE["max_number_of_training_jobs"]),
            "maxParallelTrainingJobs": str(DEFAULT_RESOURCE["max_parallel_training_jobs"]),
        },
        "training_input_mode": "File",
        "creation_date_time": catalog.CATALOGUE_DATE, "last_updated_date_time": catalog.CATALOGUE_DATE,
    }}


def describe_feature_transformation(ctx: Context, *, feature_transformation_arn: str) -> dict[str, Any]:
    name, cls = catalog.feature_defaults_recipe(feature_transformation_arn)
    return {"feature_transformation": {
        "name": name, "feature_transformation_arn": feature_transformation_arn,
        "default_parameters": default_strings(cls.FeatureParameters), "status": "ACTIVE",
        "creation_date_time": catalog.CATALOGUE_DATE, "last_updated_date_time": catalog.CATALOGUE_DATE,
    }}


def _algorithm_arn(name: str) -> str:
    return algorithm_arn(name)
