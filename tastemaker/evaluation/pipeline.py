"""Train-and-evaluate for a solution version, and HPO (Optuna) on a validation split of the training users."""
from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from typing import Any

import optuna
from pydantic import BaseModel

from ..data.types import TrainingData
from ..jobs.executors import FanOut, map_in_order
from ..recipes.params import parse_params, tunable_ranges
from ..recipes.base import TrainingOptions
from ..recipes.registry import get_recipe
from .metrics import EVENT_WEIGHTS_KEY
from .offline import evaluate
from ..data.split import EvalSplit, personalize_split

HPO_METRIC = "normalized_discounted_cumulative_gain_at_10"


def _train_on(data: TrainingData, split: EvalSplit) -> TrainingData:
    return dataclasses.replace(data, interactions=split.train)


def train_and_evaluate(data: TrainingData, recipe_name: str, params: dict[str, str] | BaseModel | None,
                       features: dict[str, str] | BaseModel | None, seed: int,
                       options: TrainingOptions | None = None, truth: str = "newest-10%"
                       ) -> tuple[dict[str, float], dict[str, Any]]:
    """Personalize's offline metrics: split users (seeded), train on the 90%, evaluate on the rest (`truth`:
    one of split.TRUTH_MODES)."""
    recipe = get_recipe(recipe_name)
    params = parse_params(recipe.HyperParameters, params)
    features = parse_params(recipe.FeatureParameters, features)
    options = options or TrainingOptions(seed=seed)
    split = personalize_split(data.interactions, seed, truth=truth)
    model = recipe.train(_train_on(data, split), params, features, options)
    rewards = data.objective.values if data.objective is not None else None
    return evaluate(model, recipe.recipe_type, split, rewards=rewards), dict(split.info, recipe=recipe_name)


def _suggest(trial: optuna.Trial, ranges: dict[str, list]) -> dict[str, str]:
    out = {}
    for r in ranges.get("integer_hyper_parameter_ranges") or []:
        out[r["name"]] = str(trial.suggest_int(r["name"], int(r["min_value"]), int(r["max_value"])))
    for r in ranges.get("continuous_hyper_parameter_ranges") or []:
        out[r["name"]] = str(trial.suggest_float(r["name"], float(r["min_value"]), float(r["max_value"])))
    for r in ranges.get("categorical_hyper_parameter_ranges") or []:
        out[r["name"]] = str(trial.suggest_categorical(r["name"], [str(v) for v in r["values"]]))
    return out


def hpo(data: TrainingData, recipe_name: str, ranges: dict[str, list] | None, max_trials: int, parallel: int,
        seed: int, base_params: dict[str, str] | None = None, features: dict[str, str] | None = None,
        progress: Callable[[float], None] = lambda fraction: None,
        check: Callable[[], None] = lambda: None,
        fan_out: FanOut = map_in_order) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Search hyperparameters (TPE, seeded) maximising NDCG@10 (with eventsConfig: the event-weights NDCG) on a
    validation split carved from the training users of the evaluation split only. Trials run in rounds of
    `parallel` through `fan_out` (the executor's map): a round's trials are asked of the study together (TPE's
    constant liar keeps them apart) and told when all have ended. `progress` gets the share of trials done after
    each round and `check` is called inside every trial's training: either may raise to stop the search (a
    stopped solution version). Returns (best params as strings, trials)."""
    recipe = get_recipe(recipe_name)
    ranges = ranges if ranges and any(ranges.values()) else tunable_ranges(recipe.HyperParameters)
    outer = personalize_split(data.interactions, seed)
    inner = personalize_split(outer.train, seed + 1)
    train_data = dataclasses.replace(data, interactions=inner.train)

    def run_trial(params: dict[str, str]) -> float:
        model = recipe.train(train_data, parse_params(recipe.HyperParameters, params),
                             parse_params(recipe.FeatureParameters, features),
                             TrainingOptions(seed=seed, progress=lambda fraction: check()))
        metrics = evaluate(model, recipe.recipe_type, inner)
        return metrics.get(EVENT_WEIGHTS_KEY, metrics[HPO_METRIC])  # eventsConfig: the weighted NDCG

    n_trials = max(1, int(max_trials))
    parallel = max(1, min(int(parallel), n_trials))
    study = _study(seed, parallel)
    while len(study.trials) < n_trials:
        asked = [study.ask() for _ in range(min(parallel, n_trials - len(study.trials)))]
        values = fan_out(run_trial, [{**(base_params or {}), **_suggest(t, ranges)} for t in asked], parallel)
        for trial, value in zip(asked, values):
            study.tell(trial, value)
        progress(len(study.trials) / n_trials)
    trials = [{"number": t.number, "params": {k: str(v) for k, v in t.params.items()},
               "value": float(t.value) if t.value is not None else float("nan"), "state": t.state.name}
              for t in study.trials]
    best = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in study.best_params.items()}
    return best, trials


def _study(seed: int, parallel: int) -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():  # constant_liar is marked experimental in some Optuna versions
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(seed=seed, constant_liar=parallel > 1)
    return optuna.create_study(direction="maximize", sampler=sampler)
