"""performAutoML: the solution's recipe is chosen among USER_PERSONALIZATION recipes by a validation metric."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ..data.types import TrainingData
from ..errors import InvalidInputException
from ..evaluation.metrics import METRIC_KEYS
from ..jobs.executors import FanOut, map_in_order
from . import catalog

DEFAULT_METRIC = "normalized_discounted_cumulative_gain_at_10"
"""autoMLConfig.metricName when none is given (Personalize documents none; HPO maximises the same one)."""


def candidates(config: dict[str, Any] | None) -> list[str]:
    """The recipe names autoMLConfig.recipeList names (checked), or every USER_PERSONALIZATION recipe."""
    listed = ((config or {}).get("auto_ml_config") or {}).get("recipe_list")
    if not listed:
        return sorted(n for n, cls in catalog.recipes().items() if cls.recipe_type == "USER_PERSONALIZATION")
    names = []
    for arn in listed:
        cls = catalog.recipe_class(arn)
        if cls.recipe_type != "USER_PERSONALIZATION":
            raise InvalidInputException(f"autoMLConfig.recipeList may name USER_PERSONALIZATION recipes only; "
                                        f"{arn} is {cls.recipe_type}.")
        if cls.name not in names:
            names.append(cls.name)
    return names


def metric_of(config: dict[str, Any] | None) -> str:
    name = ((config or {}).get("auto_ml_config") or {}).get("metric_name") or DEFAULT_METRIC
    if name not in METRIC_KEYS:
        raise InvalidInputException(f"Invalid autoMLConfig.metricName {name!r}: use one of {', '.join(METRIC_KEYS)}.")
    return name


def check_auto_ml(perform_auto_ml: bool, recipe_arn: str | None, config: dict[str, Any] | None) -> None:
    """What CreateSolution can check."""
    config = config or {}
    if not perform_auto_ml:
        if config.get("auto_ml_config"):
            raise InvalidInputException("solutionConfig.autoMLConfig needs performAutoML true.")
        return
    if recipe_arn:
        raise InvalidInputException("performAutoML chooses the recipe: omit recipeArn (or set performAutoML false).")
    if config.get("events_config") or config.get("optimization_objective"):
        raise InvalidInputException("eventsConfig and optimizationObjective belong to particular recipes: give a "
                                    "recipeArn instead of performAutoML to use them.")
    if config.get("algorithm_hyper_parameters") or (config.get("hpo_config") or {}).get(
            "algorithm_hyper_parameter_ranges"):
        raise InvalidInputException("With performAutoML the recipe is not known yet: leave out "
                                    "algorithmHyperParameters and algorithmHyperParameterRanges.")
    candidates(config)
    metric_of(config)


PARALLEL_CANDIDATES = 2
"""Candidates trained at once through the executor (memory grows with it; Personalize documents no knob)."""


def choose_recipe(data: TrainingData, config: dict[str, Any] | None, seed: int,
                  progress: Callable[[float], None] = lambda fraction: None,
                  fan_out: FanOut = map_in_order) -> tuple[str, dict[str, float]]:
    """Each candidate trains with its defaults on the evaluation split's training users, minus each one's newest
    10% of rows, and is scored on predicting those rows (every training user validates; the evaluation's
    held-out users are never seen); the best by the metric wins (ties: the first listed). The candidates are
    independent pieces handed to `fan_out` (the executor's map), PARALLEL_CANDIDATES at once.
    Returns (recipe name, {recipe name: metric})."""
    from ..evaluation.offline import evaluate
    from ..data.split import personalize_split, temporal_split
    from ..recipes.base import TrainingOptions
    from ..recipes.registry import get_recipe

    names, metric = candidates(config), metric_of(config)
    split = temporal_split(personalize_split(data.interactions, seed).train, seed + 1)
    train = dataclasses.replace(data, interactions=split.train)
    done = [0.0] * len(names)

    def report(k: int, fraction: float) -> None:  # the mean over candidates (no lock: a piece may run elsewhere)
        done[k] = max(done[k], float(fraction))
        progress(sum(done) / len(names))

    def score(k: int) -> float:
        recipe = get_recipe(names[k])
        model = recipe.train(train, {}, {}, TrainingOptions(seed=seed + 1, progress=lambda f: report(k, f)))
        return float(evaluate(model, recipe.recipe_type, split)[metric])

    scores = dict(zip(names, fan_out(score, list(range(len(names))), PARALLEL_CANDIDATES)))
    progress(1.0)
    best = max(names, key=lambda n: (scores[n], -names.index(n)))
    return best, scores
