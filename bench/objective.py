"""optimizationObjective on the POC data: aws-user-personalization with objectiveSensitivity OFF/LOW/MEDIUM/HIGH,
the objective being a movie's release year − 1900 from movies.csv (a stand-in for a price: favour newer films).
Relevance (NDCG@10, precision@10) against average_rewards_at_k and the mean objective of what is recommended.

    python bench/objective.py [--seeds 3]
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pyarrow.csv as pcsv

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import datasets  # noqa: E402
from tastemaker.data.build import interactions_from_table  # noqa: E402
from tastemaker.data.types import ItemObjective, TrainingData  # noqa: E402
from tastemaker.evaluation.metrics import REWARDS_KEY  # noqa: E402
from tastemaker.evaluation.offline import evaluate, ranked_list  # noqa: E402
from tastemaker.data.split import personalize_split  # noqa: E402
from tastemaker.recipes.base import TrainingOptions  # noqa: E402
from tastemaker.recipes.registry import get_recipe  # noqa: E402
from tastemaker.training.objective import SHARE  # noqa: E402


def years(item_ids: np.ndarray) -> np.ndarray:
    movies = pcsv.read_csv(datasets.path("ml-latest-small", "movies.csv"))
    year = {}
    for movie, title in zip(movies["movieId"].to_pylist(), movies["title"].to_pylist()):
        found = re.findall(r"\((\d{4})\)", title or "")
        if found:
            year[str(movie)] = float(found[-1]) - 1900.0
    return np.asarray([year.get(str(i), 0.0) for i in item_ids])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    if not datasets.path("ml-latest-small", "ratings.csv").exists():
        print("skip: ml-latest-small absent")
        return
    inter = interactions_from_table(datasets.poc_table())
    values = years(inter.item_ids)
    recipe = get_recipe("aws-user-personalization")
    rows = {}
    for seed in range(args.seeds):
        split = personalize_split(inter, seed)
        for sensitivity in ("OFF", "LOW", "MEDIUM", "HIGH"):
            objective = None if sensitivity == "OFF" else ItemObjective("YEAR", values, SHARE[sensitivity])
            model = recipe.train(TrainingData(split.train, objective=objective), {}, {}, TrainingOptions(seed=seed))
            m = evaluate(model, recipe.recipe_type, split, rewards=values)
            lists = [ranked_list(model, recipe.recipe_type, h, 25, False) for h in split.histories]
            m["mean objective"] = float(np.mean([values[ids].mean() for ids in lists if len(ids)]))
            rows.setdefault(sensitivity, []).append(m)
        print(f"  seed {seed} done", file=sys.stderr, flush=True)
    keys = ["normalized_discounted_cumulative_gain_at_10", "precision_at_10", REWARDS_KEY, "mean objective"]
    print(f"\n### optimizationObjective on the POC data (objective: release year − 1900; {args.seeds} seeds)\n")
    print("| objectiveSensitivity | ndcg@10 | p@10 | average_rewards_at_k | mean objective of the top 25 |")
    print("|---|---|---|---|---|")
    for sensitivity, runs in rows.items():
        cells = [f"{np.mean([r[k] for r in runs]):.4f}±{np.std([r[k] for r in runs]):.4f}" for k in keys]
        print(f"| {sensitivity} | " + " | ".join(cells) + " |")
    print(f"\nMean objective of the whole catalogue: {values[values > 0].mean():.1f} (items with a year).")


if __name__ == "__main__":
    main()
