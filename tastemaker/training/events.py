"""eventsConfig: which event types a solution trains on, their value thresholds and their weights (spec §6.1)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data.types import Interactions
from ..errors import InvalidInputException

RECIPES = ("aws-user-personalization-v2", "aws-personalized-ranking-v2")
"""The recipes Personalize documents eventsConfig for."""
MAX_EVENT_TYPES = 10
WHERE = "solutionConfig.eventsConfig.eventParametersList"


@dataclass(frozen=True)
class EventParameters:
    event_type: str  # lower case: event types match case-insensitively, as eventType does
    threshold: float | None
    weight: float


def event_parameters(config: dict[str, Any] | None, where: str = WHERE) -> list[EventParameters]:
    """The checked eventParametersList of a solutionConfig (or solutionUpdateConfig); [] when none is given.
    A missing weight counts as 1.0; only the ratios of the weights matter."""
    given = ((config or {}).get("events_config") or {}).get("event_parameters_list") or []
    if len(given) > MAX_EVENT_TYPES:
        raise InvalidInputException(f"{where} has {len(given)} entries; at most {MAX_EVENT_TYPES} are allowed.")
    out: list[EventParameters] = []
    for i, entry in enumerate(given):
        name = str(entry.get("event_type") or "").strip()
        if not name:
            raise InvalidInputException(f"{where}[{i}] needs an eventType.")
        if any(p.event_type == name.lower() for p in out):
            raise InvalidInputException(f"{where} names event type {name!r} more than once.")
        weight = _number(entry.get("weight", 1.0), f"{where}[{i}].weight")
        if not 0.0 <= weight <= 1.0:
            raise InvalidInputException(f"Invalid {where}[{i}].weight {weight}: it must be from 0.0 to 1.0.")
        threshold = entry.get("event_value_threshold")
        threshold = None if threshold is None else _number(threshold, f"{where}[{i}].eventValueThreshold")
        out.append(EventParameters(name.lower(), threshold, weight))
    if out and not any(p.weight > 0 for p in out):
        raise InvalidInputException(f"Every weight in {where} is 0: give at least one event type a weight above 0.")
    return out


def _number(value: Any, where: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise InvalidInputException(f"Invalid {where} {value!r}: it must be a number.")
    return number


def check_events_config(recipe_name: str, config: dict[str, Any] | None, event_type: str | None) -> None:
    """What CreateSolution can check: the list itself, the recipe, and no solution-wide eventType beside it."""
    if not event_parameters(config):
        return
    if recipe_name not in RECIPES:
        raise InvalidInputException(f"solutionConfig.eventsConfig is supported by {' and '.join(RECIPES)} only; "
                                    f"this solution uses {recipe_name}.")
    if event_type:
        raise InvalidInputException("Give either eventType or solutionConfig.eventsConfig, not both: the events "
                                    "configuration already names the event types to train on.")
    if (config or {}).get("event_value_threshold") is not None:
        raise InvalidInputException("Give either solutionConfig.eventValueThreshold or eventsConfig, not both: "
                                    "set eventValueThreshold on each entry of the events configuration.")


def rewards(params: list[EventParameters]) -> dict[str, float]:
    """Each event type's reward: its weight over the mean weight (weights 0.3 and 0.1 give 1.5 and 0.5)."""
    mean = float(np.mean([p.weight for p in params]))
    return {p.event_type: p.weight / mean for p in params}


def apply_events_config(inter: Interactions, params: list[EventParameters]) -> Interactions:
    """Keep the rows of the listed event types whose value reaches the type's threshold, each weighted by its
    type's reward. Rows of other types, and rows without a value where a threshold is set, are dropped."""
    if not params:
        return inter
    names = np.asarray([str(t).lower() for t in inter.event_types], dtype=object)
    by_type = {p.event_type: p for p in params}
    reward = rewards(params)
    type_reward = np.asarray([reward.get(n, np.nan) for n in names], dtype=np.float64)
    type_threshold = np.asarray([(by_type[n].threshold if n in by_type and by_type[n].threshold is not None
                                  else -np.inf) for n in names], dtype=np.float64)
    codes = inter.event_type.astype(np.int64)
    row_reward = type_reward[codes] if len(names) else np.full(len(inter), np.nan)
    keep = ~np.isnan(row_reward)
    if len(names):
        threshold = type_threshold[codes]
        limited = np.isfinite(threshold)
        keep &= ~limited | (inter.event_value.astype(np.float64) >= threshold)  # NaN values fail a threshold
    rows = np.flatnonzero(keep)
    out = inter.take(rows)
    out.weight = row_reward[rows].astype(np.float32)
    return out
