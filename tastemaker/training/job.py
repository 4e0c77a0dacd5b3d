"""The training job of a solution version: load, check, tune, evaluate, train on everything, save."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from pydantic import BaseModel

from ..context import Context
from ..data.types import TrainingData
from ..domain.arns import last_name
from ..domain.status import ACTIVE
from ..jobs import JobFailed, task
from ..recipes.base import TrainingOptions
from . import artifacts, catalog
from .config import event_value_threshold, training_columns, typed_params
from .events import apply_events_config, event_parameters
from .objective import item_objective
from .hpo import resource_limits, search_space
from ..recipes.params import format_value, parse_params, to_strings

MIN_INTERACTIONS = 1000
MIN_USERS = 25


def instance(cls: Any) -> Any:
    return cls() if isinstance(cls, type) else cls


def stage(progress: Any, low: float, high: float, label: str | Callable[[float], str] | None = None
          ) -> Callable[[float], None]:
    """A progress callback for one stage, mapped into [low, high] of the whole job and named `label` (text, or a
    function of the stage's own fraction); it may raise StopRequested."""
    def report(fraction: float) -> None:
        share = max(0.0, min(1.0, float(fraction)))
        text = label(share) if callable(label) else label
        progress.update(low + (high - low) * share, text)
    return report


def trial_label(trials: int) -> Callable[[float], str]:
    """'tuning hyperparameters: trial n of N' from the share of trials done."""
    return lambda done: f"tuning hyperparameters: trial {min(trials, round(done * trials) + 1)} of {trials}"


def seed_of(solution_version_arn: str) -> int:
    """The evaluation split's seed: fixed per version (from its 8-hex id) and recorded on it."""
    return int(last_name(solution_version_arn).rsplit("/", 1)[-1], 16) & 0x7FFFFFFF


def check_minimum(data: TrainingData) -> None:
    """Personalize's minimum to train: 1000 interactions and 25 users with at least 2 interactions each."""
    inter = data.interactions
    if len(inter) < MIN_INTERACTIONS:
        raise JobFailed(f"Create failed. Dataset has fewer than {MIN_INTERACTIONS} interactions. Found "
                        f"{len(inter)} (after the solution's eventType, eventValueThreshold and eventsConfig, "
                        "if any).")
    counts = np.bincount(inter.user, minlength=inter.n_users)
    users = int((counts >= 2).sum())
    if users < MIN_USERS:
        raise JobFailed(f"Create failed. Dataset has fewer than {MIN_USERS} users with at least 2 interactions "
                        f"each. Found {users}.")


def load_data(ctx: Context, version: dict[str, Any]) -> TrainingData:
    from ..data.loader import load_training_data

    config = version.get("solution_config") or {}
    try:
        data = load_training_data(ctx, version["dataset_group_arn"], event_type=version.get("event_type"),
                                  event_value_threshold=event_value_threshold(config))
    except ValueError as exc:
        raise JobFailed(f"Create failed. {exc} Import interactions (or record events) and train again.") from None
    data.interactions = apply_events_config(data.interactions, event_parameters(config))
    data.objective = item_objective(data, config)  # before trainingDataConfig: an excluded column still counts
    return apply_columns(data, training_columns(config))


def apply_columns(data: TrainingData, rules: dict[str, tuple[str, list[str]]]) -> TrainingData:
    """trainingDataConfig on the metadata tables (their ID column always stays)."""
    for kind, id_column in (("items", "ITEM_ID"), ("users", "USER_ID")):
        table, rule = getattr(data, kind), rules.get(kind)
        if table is None or rule is None:
            continue
        mode, columns = rule
        keep = [c for c in table.column_names
                if c.upper() == id_column or ((c.upper() in columns) == (mode == "include"))]
        setattr(data, kind, table.select(keep))
    return data


@task("train", "solution_version")
def train_solution_version(ctx: Context, arn: str, payload: dict[str, Any] | None, progress: Any) -> dict[str, Any]:
    started = time.monotonic()
    version = ctx.store.get("solution_version", arn)
    progress.update(0.0, "loading data")
    data = load_data(ctx, version)
    check_minimum(data)
    progress.update(0.02)
    if not version.get("recipe_arn"):  # performAutoML: choose the recipe first
        version = choose(ctx, version, data, progress)
    name = catalog.recipe_name(version["recipe_arn"])
    recipe = catalog.recipe_by_name(name)
    params, features = typed_params(recipe, version.get("solution_config"))
    if version.get("training_mode") == "UPDATE":
        changes = update_model(ctx, version, name, recipe, data, progress)
    else:
        changes = full_training(ctx, version, name, recipe, (params, features), data, progress)
    return {**changes, "training_hours": round((time.monotonic() - started) / 3600, 3)}


def choose(ctx: Context, version: dict[str, Any], data: TrainingData, progress: Any) -> dict[str, Any]:
    """performAutoML: pick the recipe (training/automl.py), record it on the version and the solution."""
    from .automl import choose_recipe

    name, scores = choose_recipe(data, version.get("solution_config"), seed_of(version["arn"]),
                                 stage(progress, 0.02, 0.3, "choosing a recipe (AutoML)"), fan_out=ctx.fan_out)
    recipe_arn = catalog.RECIPE_PREFIX + name
    ctx.store.update("solution", version["solution_arn"], {"auto_ml_result": {"best_recipe_arn": recipe_arn}})
    return ctx.store.update("solution_version", version["arn"],
                            {"recipe_arn": recipe_arn, "auto_ml_scores": {k: round(v, 4) for k, v in scores.items()}})


def full_training(ctx: Context, version: dict[str, Any], name: str, recipe: Any,
                  settings: tuple[BaseModel, BaseModel], data: TrainingData, progress: Any) -> dict[str, Any]:
    from ..evaluation.pipeline import train_and_evaluate

    params, features = settings
    seed, tuned, trials = seed_of(version["arn"]), None, None
    if version.get("perform_hpo"):
        params, trials = tune(ctx, version, name, recipe, settings, data, seed, progress)
        tuned = {"algorithm_hyper_parameters": to_strings(params)}
    metrics, split_info = train_and_evaluate(data, name, params, features, seed,
                                             TrainingOptions(seed=seed, progress=stage(progress, 0.5, 0.75, "evaluating on held-out users")),
                                             truth=ctx.settings.evaluation_truth)
    model = instance(recipe).train(data, params, features,
                                   TrainingOptions(seed=seed, progress=stage(progress, 0.75, 0.98, "training on all data")))
    progress.update(0.98, "saving the model")
    artifacts.save_model(ctx, version["arn"], name, model)
    return {"metrics": {k: round(float(v), 4) for k, v in metrics.items()}, "tuned_hpo_params": tuned,
            "evaluation": {"seed": seed, **plain(split_info or {}), "hpo_trials": plain(trials)}}


def tune(ctx: Context, version: dict[str, Any], name: str, recipe: Any,
         settings: tuple[BaseModel, BaseModel], data: TrainingData, seed: int,
         progress: Any) -> tuple[BaseModel, list[dict[str, Any]]]:
    """HPO on a validation split of the training users, its trials through the executor (ctx.fan_out);
    the searched values replace the fixed ones. Returns the tuned hyperparameters and the trials (kept on
    the version record)."""
    from ..evaluation.pipeline import hpo

    params, features = settings
    config = (version.get("solution_config") or {}).get("hpo_config") or {}
    space = search_space(recipe.HyperParameters, config.get("algorithm_hyper_parameter_ranges"))
    trials, parallel = resource_limits(config)
    label = trial_label(trials)
    progress.update(0.05, label(0.0))
    best, trials = hpo(data, name, hpo_ranges(space), trials, parallel, seed,
                       base_params=to_strings(params), features=to_strings(features),
                       progress=stage(progress, 0.05, 0.5, label), check=progress.check_stop, fan_out=ctx.fan_out)
    progress.update(0.5)
    searched = {entry["name"] for entry in space}
    chosen = {k: v for k, v in dict(best).items() if k in searched}
    tuned = parse_params(recipe.HyperParameters, {**to_strings(params), **chosen}, "the tuned hyperparameters")
    return tuned, list(trials or [])


def hpo_ranges(space: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The validated search space in hpoConfig's (snake_case) range shape, categorical values as strings."""
    out: dict[str, list[dict[str, Any]]] = {f"{kind}_hyper_parameter_ranges": []
                                            for kind in ("integer", "continuous", "categorical")}
    for entry in space:
        key = f"{entry['kind']}_hyper_parameter_ranges"
        if entry["kind"] == "categorical":
            out[key].append({"name": entry["name"], "values": [format_value(v) for v in entry["values"]]})
        else:
            out[key].append({"name": entry["name"], "min_value": entry["min"], "max_value": entry["max"]})
    return out


def update_model(ctx: Context, version: dict[str, Any], name: str, recipe: Any, data: TrainingData,
                 progress: Any) -> dict[str, Any]:
    """trainingMode UPDATE: refresh the latest ACTIVE FULL model with the current data; metrics are the base's."""
    base = latest_full(ctx, version["solution_arn"], exclude=version["arn"])
    if base is None:
        raise JobFailed("Create failed. trainingMode UPDATE needs an ACTIVE solution version trained with FULL.")
    _, model = artifacts.load_model(ctx, base["arn"])
    updated = instance(recipe).update(model, data, TrainingOptions(seed=seed_of(version["arn"]),
                                                                   progress=stage(progress, 0.1, 0.95, "updating the model")))
    artifacts.save_model(ctx, version["arn"], name, updated)
    return {"metrics": base.get("metrics") or {}, "base_solution_version_arn": base["arn"]}


def latest_full(ctx: Context, solution_arn: str, exclude: str | None = None) -> dict[str, Any] | None:
    found = [v for v in ctx.store.list("solution_version", solution_arn=solution_arn)
             if v["status"] == ACTIVE and v.get("training_mode", "FULL") in ("FULL", "AUTOTRAIN")
             and v["arn"] != exclude]
    return found[-1] if found else None


def plain(value: Any) -> Any:
    """numpy scalars/arrays -> JSON-friendly Python (the store writes JSON)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value
