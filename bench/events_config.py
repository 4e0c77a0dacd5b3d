"""eventsConfig on the POC data: aws-user-personalization-v2 trained with event weights (watch 1.0, click 0.1)
against the same recipe trained without them, both scored on the same splits with the event-weights NDCG.

    python bench/events_config.py [--seeds 3] [--click 0.1] [--temporal]

--temporal holds out every user's newest 10% (610 evaluated users instead of the documented split's 61).
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import datasets  # noqa: E402
from tastemaker.data.build import interactions_from_table  # noqa: E402
from tastemaker.data.types import TrainingData  # noqa: E402
from tastemaker.evaluation.metrics import EVENT_WEIGHTS_KEY  # noqa: E402
from tastemaker.evaluation.offline import evaluate  # noqa: E402
from tastemaker.data.split import personalize_split, temporal_split  # noqa: E402
from tastemaker.recipes.base import TrainingOptions  # noqa: E402
from tastemaker.recipes.registry import get_recipe  # noqa: E402
from tastemaker.training.events import apply_events_config, event_parameters  # noqa: E402

KEYS = [EVENT_WEIGHTS_KEY, "normalized_discounted_cumulative_gain_at_10", "precision_at_10",
        "mean_reciprocal_rank_at_25", "coverage"]
SHORT = ["ndcg_w@k", "ndcg@10", "p@10", "mrr@25", "coverage"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--click", type=float, default=0.1, help="weight of click events (watch weighs 1.0)")
    parser.add_argument("--temporal", action="store_true", help="every user's newest 10%% is the truth")
    args = parser.parse_args()
    if not datasets.path("ml-latest-small", "ratings.csv").exists():
        print("skip: ml-latest-small absent")
        return
    inter = interactions_from_table(datasets.poc_table())
    config = {"events_config": {"event_parameters_list": [{"event_type": "watch", "weight": 1.0},
                                                          {"event_type": "click", "weight": args.click}]}}
    weighted = apply_events_config(inter, event_parameters(config))
    recipe = get_recipe("aws-user-personalization-v2")
    results: dict[str, list] = {"without eventsConfig": [], "with eventsConfig": []}
    for seed in range(args.seeds):
        # the truth rows carry their rewards; both models meet the same users
        split = temporal_split(weighted, seed) if args.temporal else personalize_split(weighted, seed)
        for name, train in (("without eventsConfig", dataclasses.replace(split.train, weight=None)),
                            ("with eventsConfig", split.train)):
            t = time.perf_counter()
            model = recipe.train(TrainingData(train), {}, {}, TrainingOptions(seed=seed))
            secs = time.perf_counter() - t
            results[name].append({**evaluate(model, recipe.recipe_type, split), "train_s": secs})
        print(f"  seed {seed} done", file=sys.stderr, flush=True)
    protocol = "every user's newest 10%" if args.temporal else "the documented split"
    print(f"\n### eventsConfig on the POC data (watch 1.0, click {args.click}; {protocol}, {args.seeds} seeds, "
          "aws-user-personalization-v2)\n")
    print("| model | " + " | ".join(SHORT) + " | train s |")
    print("|---" * (len(SHORT) + 2) + "|")
    means = {}
    for name, runs in results.items():
        values = np.asarray([[r[k] for k in KEYS] for r in runs])
        means[name] = values.mean(axis=0)
        cells = [f"{m:.4f}±{s:.4f}" for m, s in zip(values.mean(axis=0), values.std(axis=0))]
        print(f"| {name} | " + " | ".join(cells) + f" | {np.mean([r['train_s'] for r in runs]):.1f} |")
    ratio = means["with eventsConfig"] / np.maximum(means["without eventsConfig"], 1e-12)
    print("| ratio with/without | " + " | ".join(f"{r:.2f}x" for r in ratio) + " | |")


if __name__ == "__main__":
    main()
