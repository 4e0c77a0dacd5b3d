"""A solution's solutionConfig checked against its recipe at CreateSolution, and read back for training."""
from __future__ import annotations

import math
import re
from typing import Any

from pydantic import BaseModel

from ..errors import InvalidInputException
from .events import check_events_config
from .hpo import resource_limits, search_space
from ..recipes.params import parse_params

ALGORITHM = "solutionConfig.algorithmHyperParameters"
FEATURES = "solutionConfig.featureTransformationParameters"
DATASET_TYPES = {"interactions": "Interactions", "items": "Items", "users": "Users"}


def typed_params(recipe: type, config: dict[str, Any] | None) -> tuple[BaseModel, BaseModel]:
    """(HyperParameters, FeatureParameters) of the recipe from the config's string maps."""
    config = config or {}
    params = parse_params(recipe.HyperParameters, config.get("algorithm_hyper_parameters"), ALGORITHM,
                          (recipe.FeatureParameters, "featureTransformationParameters"))
    features = parse_params(recipe.FeatureParameters, config.get("feature_transformation_parameters"), FEATURES,
                            (recipe.HyperParameters, "algorithmHyperParameters"))
    return params, features


def event_value_threshold(config: dict[str, Any] | None) -> float | None:
    text = (config or {}).get("event_value_threshold")
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InvalidInputException(f"Invalid solutionConfig.eventValueThreshold {text!r}: it must be a number.")
    return value


def check_config(recipe: type | None, config: dict[str, Any] | None, perform_hpo: bool,
                 event_type: str | None = None) -> None:
    """Everything CreateSolution can check before any training starts (recipe None: performAutoML, whose
    recipe-specific parts training/automl.py checks)."""
    config = config or {}
    event_value_threshold(config)
    if recipe is not None:
        typed_params(recipe, config)
        check_events_config(recipe.name, config, event_type)
    if perform_hpo:
        hpo = config.get("hpo_config") or {}
        resource_limits(hpo)
        if recipe is not None and not search_space(recipe.HyperParameters,
                                                   hpo.get("algorithm_hyper_parameter_ranges")):
            raise InvalidInputException(
                f"performHPO is true but recipe {recipe.name} has no tunable hyperparameters.")
    training_columns(config)
    check_schedule(config.get("auto_training_config"))


def check_schedule(auto_training: dict[str, Any] | None) -> None:
    """autoTrainingConfig.schedulingExpression: `rate(N day)` / `rate(N days)`, N from 1 to 30."""
    text = (auto_training or {}).get("scheduling_expression")
    if text is None:
        return
    match = re.fullmatch(r"rate\((\d+) days?\)", text.strip())
    if not match or not 1 <= int(match.group(1)) <= 30:
        raise InvalidInputException(f"Invalid autoTrainingConfig.schedulingExpression {text!r}: "
                                    "use rate(N days) with N from 1 to 30.")


def training_columns(config: dict[str, Any] | None) -> dict[str, tuple[str, list[str]]]:
    """trainingDataConfig as {dataset type lower case: ("include" | "exclude", columns)}."""
    given = (config or {}).get("training_data_config") or {}
    out: dict[str, tuple[str, list[str]]] = {}
    for mode, key in (("exclude", "excluded_dataset_columns"), ("include", "included_dataset_columns")):
        for dataset_type, columns in (given.get(key) or {}).items():
            kind = dataset_type.lower()
            if kind not in DATASET_TYPES:
                raise InvalidInputException(
                    f"Invalid dataset type {dataset_type!r} in solutionConfig.trainingDataConfig: "
                    "use Interactions, Items or Users.")
            if kind in out:
                raise InvalidInputException(
                    f"solutionConfig.trainingDataConfig names {dataset_type} twice (included and excluded).")
            out[kind] = (mode, [c.upper() for c in columns])
    return out
