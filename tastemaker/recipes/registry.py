"""Recipe registry: Personalize recipe names to recipe classes."""
from __future__ import annotations

from .popularity import PopularityCount
from .sims import Sims
from .similar_items import SimilarItems
from .trending import TrendingNow
from .user_personalization import (PersonalizedRanking, PersonalizedRankingV2, UserPersonalization,
                                   UserPersonalizationV2)

RECIPES: dict[str, type] = {cls.name: cls for cls in (
    UserPersonalization, UserPersonalizationV2, PersonalizedRanking, PersonalizedRankingV2,
    Sims, SimilarItems, PopularityCount, TrendingNow)}


def recipe_class(name: str) -> type:
    """A recipe class by Personalize name (e.g. 'aws-sims'): what it is, declared on it; KeyError if unknown."""
    if name not in RECIPES:
        raise KeyError(f"unknown recipe {name!r}; known: {', '.join(sorted(RECIPES))}")
    return RECIPES[name]


def get_recipe(name: str):
    """A recipe instance by Personalize name (e.g. 'aws-sims'); KeyError if unknown."""
    return recipe_class(name)()
