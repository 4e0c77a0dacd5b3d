"""HPO settings of a solution: validate hpoConfig ranges and resource limits against the recipe's fields."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ..errors import InvalidInputException
from ..recipes.params import CATEGORICAL, bounds, is_tunable, kind_of, parse_value, tunable_ranges

MAX_TRAINING_JOBS = 40  # Personalize's documented ceilings for hpoResourceConfig
MAX_PARALLEL_JOBS = 10
DEFAULT_RESOURCE = {"max_number_of_training_jobs": 16, "max_parallel_training_jobs": 2}
"""Tastemaker's own defaults (its trials take seconds; 2 in parallel suits a small machine)."""

_LISTS = {"integer": "integer_hyper_parameter_ranges", "continuous": "continuous_hyper_parameter_ranges",
          "categorical": "categorical_hyper_parameter_ranges"}


def resource_limits(hpo_config: dict[str, Any] | None) -> tuple[int, int]:
    """(max trials, max parallel trials) from hpoResourceConfig, checked against 40 / 10."""
    given = (hpo_config or {}).get("hpo_resource_config") or {}
    trials = _count(given, "max_number_of_training_jobs", "maxNumberOfTrainingJobs", MAX_TRAINING_JOBS)
    parallel = _count(given, "max_parallel_training_jobs", "maxParallelTrainingJobs", MAX_PARALLEL_JOBS)
    return trials, min(parallel, trials)


def _count(given: dict[str, Any], key: str, wire: str, ceiling: int) -> int:
    text = given.get(key)
    if text is None:
        return DEFAULT_RESOURCE[key]
    try:
        value = int(str(text).strip())
    except ValueError:
        value = 0
    if not 1 <= value <= ceiling:
        raise InvalidInputException(
            f"Invalid hpoResourceConfig.{wire} {text!r}: it must be an integer from 1 to {ceiling}.")
    return value


def search_space(model: type[BaseModel], ranges: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The ranges to search: the user's (validated) or, when none are given, every tunable field's
    documented range. Each entry: {name, kind, min, max} or {name, kind: categorical, values}."""
    given = [(kind, r) for kind, key in _LISTS.items() for r in (ranges or {}).get(key) or []]
    if not given:
        return _defaults(model)
    seen: set[str] = set()
    out = []
    for kind, entry in given:
        name = entry.get("name")
        if name in seen:
            raise InvalidInputException(f"Hyperparameter {name} has more than one range in hpoConfig.")
        seen.add(name)
        out.append(_check_range(model, kind, entry))
    return out


def _defaults(model: type[BaseModel]) -> list[dict[str, Any]]:
    ranges = tunable_ranges(model)
    return [_check_range(model, kind, entry) for kind, key in _LISTS.items() for entry in ranges[key]]


def _check_range(model: type[BaseModel], kind: str, entry: dict[str, Any]) -> dict[str, Any]:
    name = entry.get("name")
    where = f"hpoConfig.algorithmHyperParameterRanges.{kind}HyperParameterRanges"
    field = model.model_fields.get(name)
    if field is None:
        known = ", ".join(n for n, f in model.model_fields.items() if is_tunable(f)) or "none"
        raise InvalidInputException(f"Unknown hyperparameter {name!r} in {where}. Tunable ones: {known}.")
    if not is_tunable(field):
        raise InvalidInputException(f"Hyperparameter {name} is not tunable; remove it from {where}.")
    if kind_of(field) != kind:
        raise InvalidInputException(
            f"Hyperparameter {name} is {kind_of(field)}; give its range in {kind_of(field)}HyperParameterRanges.")
    if kind == CATEGORICAL:
        values = [parse_value(name, field, v, where) for v in entry.get("values") or []]
        if not values:
            raise InvalidInputException(f"The categorical range of {name} in {where} has no values.")
        return {"name": name, "kind": kind, "values": values}
    low, high = entry.get("min_value"), entry.get("max_value")
    if low is None or high is None:
        raise InvalidInputException(f"The range of {name} in {where} needs minValue and maxValue.")
    lo_doc, hi_doc = bounds(field)
    if low > high or (lo_doc is not None and low < lo_doc) or (hi_doc is not None and high > hi_doc):
        raise InvalidInputException(
            f"Invalid range [{low}, {high}] for {name} in {where}: it must lie inside "
            f"[{lo_doc}, {hi_doc}] with minValue <= maxValue.")
    return {"name": name, "kind": kind, "min": low, "max": high}
