"""Compare solution versions (of one solution, or of every solution of a dataset group): their settings, status
and offline metrics side by side with deltas against a chosen baseline, a chart per metric, and the evaluation
behind each number. Also the metrics panels of a solution version's and a solution's pages."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .columns import recipe
from .lookup import Record, region_of
from .progress import live
from .templating import render, resource_url
from .web import Reply, Request, html

if TYPE_CHECKING:
    from ..context import Context

ORDER = ("normalized_discounted_cumulative_gain_at_5", "normalized_discounted_cumulative_gain_at_10",
         "normalized_discounted_cumulative_gain_at_25", "precision_at_5", "precision_at_10", "precision_at_25",
         "mean_reciprocal_rank_at_25", "coverage")
NAMED = {"coverage": "Coverage", "mean_reciprocal_rank_at_25": "MRR@25",
         "normalized_discounted_cumulative_gain_with_event_weights_at_k": "NDCG with event weights@25",
         "average_rewards_at_k": "Average rewards@25"}
SPLIT = (("seed", "Seed of the user split"), ("truth", "Held-out rows per evaluated user"),
         ("train_users", "Users trained on"), ("test_users", "Users evaluated (held out)"),
         ("train_interactions", "Interactions trained on"),
         ("test_input_interactions", "Evaluated users' input interactions"),
         ("test_truth_interactions", "Evaluated users' held-out interactions"))
TRUTH = {"newest-10%": "newest 10% of each user's interactions", "next-item": "the next interaction only"}


def metric_label(name: str) -> str:
    """'normalized_discounted_cumulative_gain_at_10' -> 'NDCG@10' (the GetSolutionMetrics name otherwise)."""
    if name in NAMED:
        return NAMED[name]
    for prefix, short in (("normalized_discounted_cumulative_gain_at_", "NDCG@"), ("precision_at_", "Precision@")):
        if name.startswith(prefix):
            return short + name[len(prefix):]
    return name


def metric_names(versions: list[Record]) -> list[str]:
    """Every metric any version has: the standard ones in a fixed order, then the others by name."""
    seen = {name for v in versions for name in (v.get("metrics") or {})}
    return [m for m in ORDER if m in seen] + sorted(seen - set(ORDER))


def delta(value: Any, base: Any) -> dict[str, Any] | None:
    """value - base, and as a share of base: {abs, pct (None when base is 0), direction: up/down/same}."""
    if not isinstance(value, (int, float)) or not isinstance(base, (int, float)):
        return None
    if math.isnan(value) or math.isnan(base):
        return None
    change = round(float(value) - float(base), 10)
    pct = change / abs(base) * 100 if base else None
    return {"abs": change, "pct": pct, "direction": "up" if change > 0 else "down" if change < 0 else "same"}


def recipe_of(version: Record) -> str:
    return str(version.get("recipe_arn") or "").rsplit("/", 1)[-1]


def hyperparameters(version: Record) -> dict[str, str]:
    """algorithmHyperParameters the version trained with: the tuned values (HPO), else the solution config's."""
    tuned = (version.get("tuned_hpo_params") or {}).get("algorithm_hyper_parameters")
    config = (version.get("solution_config") or {}).get("algorithm_hyper_parameters") or {}
    return {str(k): str(v) for k, v in {**config, **(tuned or {})}.items()}


def recipe_defaults(name: str) -> dict[str, str]:
    from ..training.catalog import recipes
    from ..recipes.params import default_strings

    found = recipes().get(name)
    try:
        return default_strings(found.HyperParameters) if found is not None else {}
    except (TypeError, ValueError):  # a recipe without defaults: only the explicit values count
        return {}


def differing_params(versions: list[Record]) -> tuple[list[str], dict[str, dict[str, str]]]:
    """(names, ARN -> {name: value}) of the hyperparameters whose value is not the same for every version (a
    value not set explicitly is the recipe's default; absent where the recipe has no such hyperparameter)."""
    explicit = {v["arn"]: hyperparameters(v) for v in versions}
    names = sorted({k for values in explicit.values() for k in values})
    defaults = {r: recipe_defaults(r) for r in {recipe_of(v) for v in versions}}
    values = {v["arn"]: {k: explicit[v["arn"]].get(k, defaults[recipe_of(v)].get(k)) for k in names}
              for v in versions}
    differ = [k for k in names if len({x[k] for x in values.values() if x[k] is not None}) > 1]
    return differ, {a: {k: x[k] for k in differ if x[k] is not None} for a, x in values.items()}


def split_rows(evaluation: dict[str, Any] | None) -> list[tuple[str, Any]]:
    """The evaluation's split as (label, value) rows."""
    evaluation = evaluation or {}
    out = [(label, TRUTH.get(evaluation[key], evaluation[key]) if key == "truth" else evaluation[key])
           for key, label in SPLIT if evaluation.get(key) is not None]
    return out


def training_seconds(version: Record) -> float | None:
    """Wall time from creation to the end of training (trainingHours when that is the larger)."""
    hours = version.get("training_hours")
    if version.get("status") not in ("ACTIVE", "CREATE FAILED", "CREATE STOPPED"):
        return None
    wall = (version.get("last_updated_date_time") or 0) - (version.get("creation_date_time") or 0)
    return max(wall, float(hours) * 3600 if isinstance(hours, (int, float)) else 0.0) or None


def pick_baseline(versions: list[Record], wanted: str) -> Record | None:
    by_arn = {v["arn"]: v for v in versions}
    if wanted in by_arn and by_arn[wanted].get("metrics"):
        return by_arn[wanted]
    return next((v for v in versions if v.get("status") == "ACTIVE" and v.get("metrics")), None)


def short_name(name: str, keep: int = 24) -> str:
    """A chart label: the name, or its start and its end (the version id) when long."""
    return name if len(name) <= keep else name[:8] + "…" + name[-(keep - 9):]


def chart(versions: list[Record], name: str, baseline: Record | None = None) -> dict[str, Any]:
    """A bar chart of one metric across versions, the baseline's bar grey (Chart.js config for console.js)."""
    with_value = [v for v in versions if isinstance((v.get("metrics") or {}).get(name), (int, float))]
    colors = ["#98a2b3cc" if baseline and v["arn"] == baseline["arn"] else "#2458c6cc" for v in with_value]
    return {"type": "bar", "data": {"labels": [short_name(v["name"]) for v in with_value],
                                    "datasets": [{"label": metric_label(name), "backgroundColor": colors,
                                                  "data": [v["metrics"][name] for v in with_value]}]},
            "options": {"scales": {"y": {"beginAtZero": True}}, "plugins": {"legend": {"display": False}}}}


def compare_page(req: Request) -> Reply:
    solution_arn, group_arn = req.arg("solution"), req.arg("group")
    arn = solution_arn or group_arn
    ctx = req.context(region_of(arn) or req.region)
    owner = ctx.store.find("solution" if solution_arn else "dataset_group", arn) if arn else None
    if owner is None:
        return html(render("message.html", title="Not found", crumbs=[("Compare", None)], region=req.region,
                           account_id=req.account_id,
                           message="Name a solution (?solution=ARN) or a dataset group (?group=ARN) to compare its "
                                   "solution versions." + (f" No such resource: {arn}." if arn else "")), 404)
    if solution_arn:
        solutions = [owner]
        group = ctx.store.find("dataset_group", owner.get("dataset_group_arn") or "")
    else:
        solutions, group = ctx.store.list("solution", dataset_group_arn=arn), owner
    versions = [v for s in solutions for v in ctx.store.list("solution_version", solution_arn=s["arn"])]
    baseline = pick_baseline(versions, req.arg("baseline"))
    names = metric_names(versions)
    params, values = differing_params(versions)
    rows = [{"record": v, "solution": v.get("solution_arn"), "recipe": recipe(v), "params": values[v["arn"]],
             "seconds": training_seconds(v), "split": split_rows(v.get("evaluation")),
             "trials": (v.get("evaluation") or {}).get("hpo_trials") or [],
             "cells": [((v.get("metrics") or {}).get(n),
                        delta((v.get("metrics") or {}).get(n), (baseline.get("metrics") or {}).get(n))
                        if baseline and v is not baseline else None) for n in names]} for v in versions]
    best = [max((c[i][0] for c in (r["cells"] for r in rows) if isinstance(c[i][0], (int, float))), default=None)
            for i in range(len(names))]
    here = "/console/compare?" + ("solution=" if solution_arn else "group=") + quote(arn, safe=":/")
    crumbs = [(group["name"], resource_url(group["arn"]))] if group else []
    if solution_arn:
        crumbs.append((owner["name"], resource_url(owner["arn"])))
    return html(render("compare.html", title=f"Compare solution versions of {owner['name']}",
                       crumbs=[*crumbs, ("Compare versions", None)], region=ctx.region, account_id=req.account_id,
                       rows=rows, names=names, best=best, labels={n: metric_label(n) for n in names}, params=params,
                       baseline=baseline, here=here, owner=owner, by_solution=not solution_arn,
                       charts=[(n, metric_label(n), chart(versions, n, baseline)) for n in names],
                       states=live(ctx, versions)))


def version_panel(req: Request, ctx: Context, record: Record) -> str:
    """A solution version's metrics (label, GetSolutionMetrics name, value) and its evaluation and HPO trials."""
    metrics = record.get("metrics") or {}
    evaluation = record.get("evaluation") or {}
    compare = "/console/compare?solution=" + quote(record.get("solution_arn") or "", safe=":/") + \
        "&baseline=" + quote(record["arn"], safe=":/")
    return render("compare_version.html", metrics=[(metric_label(n), n, metrics[n]) for n in metric_names([record])],
                  split=split_rows(evaluation), trials=evaluation.get("hpo_trials") or [],
                  base=record.get("base_solution_version_arn"), compare=compare, record=record)


def solution_panel(req: Request, ctx: Context, record: Record) -> str:
    """A solution's newest ACTIVE version's headline metrics, and the way to compare its versions."""
    versions = ctx.store.list("solution_version", solution_arn=record["arn"])
    active = [v for v in versions if v.get("status") == "ACTIVE" and v.get("metrics")]
    latest = active[-1] if active else None
    headline = [m for m in ("normalized_discounted_cumulative_gain_at_10", "precision_at_10",
                            "mean_reciprocal_rank_at_25", "coverage") if latest and m in latest["metrics"]]
    return render("compare_solution.html", latest=latest, count=len(versions),
                  metrics=[(metric_label(m), m, latest["metrics"][m]) for m in headline] if latest else [],
                  compare="/console/compare?solution=" + quote(record["arn"], safe=":/"))
