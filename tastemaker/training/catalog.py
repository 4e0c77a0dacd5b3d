"""The recipe catalogue as Personalize names it: recipe, algorithm and feature-transformation ARNs (spec §5.1)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from .. import __version__
from ..domain.arns import algorithm_arn, feature_transformation_arn
from ..errors import InvalidInputException, ResourceNotFoundException, not_found

RECIPE_PREFIX = "arn:aws:personalize:::recipe/"
ALGORITHM_PREFIX = "arn:aws:personalize:::algorithm/"
FEATURE_PREFIX = "arn:aws:personalize:::feature-transformation/"

CATALOGUE_DATE = dt.datetime(2026, 11, 27, tzinfo=dt.timezone.utc).timestamp()
"""When this catalogue was written: the creation/last-updated time every recipe reports."""

LEGACY = {"aws-hrnn", "aws-hrnn-metadata", "aws-hrnn-coldstart"}


def recipes() -> dict[str, type]:
    from ..recipes.registry import RECIPES

    return dict(RECIPES)


def legacy_error(name: str) -> InvalidInputException:
    return InvalidInputException(
        f"The recipe {name} is no longer available. Use aws-user-personalization-v2 or "
        "aws-user-personalization instead.")


def recipe_name(recipe_arn: str) -> str:
    if not recipe_arn.startswith(RECIPE_PREFIX):
        raise InvalidInputException(f"Invalid recipe ARN {recipe_arn!r}: expected {RECIPE_PREFIX}<name>.")
    return recipe_arn[len(RECIPE_PREFIX):]


def recipe_class(recipe_arn: str) -> type:
    """The registered recipe behind an ARN; legacy HRNN names fail like today's Personalize."""
    name = recipe_name(recipe_arn)
    if name in LEGACY:
        raise legacy_error(name)
    found = recipes().get(name)
    if found is None:
        raise not_found(recipe_arn)
    return found


def recipe_by_name(name: str) -> type:
    return recipe_class(RECIPE_PREFIX + name)


def algorithm_name(recipe: str) -> str:
    return getattr(recipes().get(recipe), "algorithm", None) or recipe


def recipe_for_algorithm(algorithm_arn_: str) -> tuple[str, type]:
    name = algorithm_arn_[len(ALGORITHM_PREFIX):] if algorithm_arn_.startswith(ALGORITHM_PREFIX) else None
    for recipe, cls in recipes().items():
        if name is not None and (cls.algorithm or recipe) == name:
            return recipe, cls
    raise not_found(algorithm_arn_)


def feature_transformation(recipe: str) -> str | None:
    name = getattr(recipes().get(recipe), "feature_transformation", None)
    return feature_transformation_arn(name) if name else None


def feature_defaults_recipe(ft_arn: str) -> tuple[str, type]:
    """(feature transformation name, recipe class giving its defaults)."""
    name = ft_arn[len(FEATURE_PREFIX):] if ft_arn.startswith(FEATURE_PREFIX) else ""
    found = next((cls for cls in recipes().values() if cls.feature_defaults and cls.feature_transformation == name),
                 None) if name else None
    if found is None:
        raise ResourceNotFoundException(f"Resource Arn {ft_arn} does not exist.")
    return name, found


def recipe_record(name: str, cls: type) -> dict[str, Any]:
    """Recipe (DescribeRecipe) and RecipeSummary (ListRecipes) fields, snake_case."""
    return {
        "name": name, "recipe_arn": RECIPE_PREFIX + name, "algorithm_arn": algorithm_arn(algorithm_name(name)),
        "feature_transformation_arn": feature_transformation(name), "status": "ACTIVE",
        "description": getattr(cls, "description", None), "recipe_type": cls.recipe_type,
        "creation_date_time": CATALOGUE_DATE, "last_updated_date_time": CATALOGUE_DATE,
    }


def docker_uri(cls: type) -> str:
    """Not a container: the Tastemaker version and the Python module that trains this algorithm."""
    return f"tastemaker:{__version__}/{cls.__module__}"
