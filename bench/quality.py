"""Offline quality: Tastemaker recipes vs Personalize's recorded POC metrics and peers (mean ± std over seeds).

    python bench/quality.py [--seeds 5] [--datasets poc,ml-latest-small,ml-100k,beauty,lastfm] [--no-peers]
                            [--untuned-peers] [--truth newest-10%|next-item]

The peers' hyperparameters (EASE l2, ALS alpha, item-kNN k) are picked per split on the training users' newest
10%, as user-personalization picks its blend; the table shows the values picked (one per seed).

--truth next-item keeps the documented split's users and input histories but makes each held-out user's truth
the single row that follows the input (docs/evaluation.md, "next-item mode").
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import datasets  # noqa: E402
from bench.peers import PEERS, tuned_peer  # noqa: E402
from tastemaker.data.build import interactions_from_table  # noqa: E402
from tastemaker.data.types import TrainingData  # noqa: E402
from tastemaker.evaluation.metrics import METRIC_KEYS  # noqa: E402
from tastemaker.evaluation.offline import evaluate  # noqa: E402
from tastemaker.data.split import TRUTH_MODES, personalize_split  # noqa: E402
from tastemaker.recipes.base import TrainingOptions  # noqa: E402
from tastemaker.recipes.registry import get_recipe  # noqa: E402

PERSONALIZE = {  # recorded on the POC (ml-latest-small, click + watch rows)
    "aws-user-personalization": [0.0791, 0.269, 0.2279, 0.2687, 0.3321, 0.075, 0.0571, 0.0379],
    "aws-sims": [0.1861, 0.1669, 0.1889, 0.2234, 0.2895, 0.0824, 0.0588, 0.0418],
    "aws-personalized-ranking": [0.0038, 0.0537, 0.0578, 0.0707, 0.0956, 0.0189, 0.0132, 0.0113],
}
SHORT = ["coverage", "mrr@25", "ndcg@5", "ndcg@10", "ndcg@25", "p@5", "p@10", "p@25"]


def run(inter, name: str, seeds: int, exclude_seen: bool, peers: bool, recipes: list[str],
        truth: str = "newest-10%", tune_peers: bool = True) -> dict:
    """{model name: list of metric dicts (one per seed)} plus training seconds (a tuned peer's include its
    search) and, for a tuned peer, the value picked."""
    out: dict[str, list] = {}
    for seed in range(seeds):
        split = personalize_split(inter, seed, truth=truth)
        data = TrainingData(split.train)
        for recipe_name in recipes:
            recipe = get_recipe(recipe_name)
            t = time.perf_counter()
            model = recipe.train(data, {}, {}, TrainingOptions(seed=seed))
            secs = time.perf_counter() - t
            m = evaluate(model, recipe.recipe_type, split, exclude_seen=exclude_seen)
            out.setdefault(recipe_name, []).append({**m, "train_s": secs})
            if recipe.recipe_type == "RELATED_ITEMS":
                m = evaluate(model, recipe.recipe_type, split, exclude_seen=exclude_seen, related="item")
                out.setdefault(recipe_name + " (similar(newest item))", []).append({**m, "train_s": secs})
        for peer_name, cls in (PEERS.items() if peers else []):
            t = time.perf_counter()
            model, picked = tuned_peer(peer_name, split.train, seed, exclude_seen) if tune_peers \
                else (cls(split.train), {})
            secs = time.perf_counter() - t
            m = evaluate(model, "USER_PERSONALIZATION", split, exclude_seen=exclude_seen)
            out.setdefault("peer " + peer_name, []).append({**m, "train_s": secs, "picked": picked})
        print(f"  [{name}] seed {seed} done", file=sys.stderr, flush=True)
    return out


def table(title: str, results: dict, reference: dict | None = None) -> None:
    print(f"\n### {title}\n")
    print("| model | " + " | ".join(SHORT) + " | train s |")
    print("|---" * (len(SHORT) + 2) + "|")
    for name, runs in results.items():
        cells = []
        for k in METRIC_KEYS:
            v = np.array([r[k] for r in runs])
            cells.append(f"{v.mean():.4f}±{v.std():.4f}")
        t = np.mean([r["train_s"] for r in runs])
        picked = "; ".join(", ".join(f"{k}={v:g}" for k, v in r["picked"].items()) for r in runs if r.get("picked"))
        print(f"| {name}{f' ({picked})' if picked else ''} | " + " | ".join(cells) + f" | {t:.2f} |")
        if reference and name in reference:
            ref = reference[name]
            print(f"| Personalize {name} | " + " | ".join(f"{x:.4f}" for x in ref) + " | |")
            ratios = [np.mean([r[k] for r in runs]) / x for k, x in zip(METRIC_KEYS, ref)]
            print(f"| ratio ours/Personalize | " + " | ".join(f"{x:.2f}x" for x in ratios) + " | |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--datasets", default="poc,ml-latest-small,ml-100k,beauty,lastfm")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--untuned-peers", action="store_true",
                    help="fit the peers with their fixed defaults instead of picking each one's hyperparameter "
                         "(EASE l2, ALS alpha, item-kNN k) on the training users' newest 10%% of every split")
    ap.add_argument("--truth", choices=TRUTH_MODES, default="newest-10%",
                    help="held-out truth: the documented newest 10%% of rows, or the next row only")
    args = ap.parse_args()
    for name in args.datasets.split(","):
        if name == "poc":
            if not datasets.path("ml-latest-small", "ratings.csv").exists():
                print("skip poc: ml-latest-small absent")
                continue
            inter = interactions_from_table(datasets.poc_table())
            res = run(inter, name, args.seeds, False, not args.no_peers,
                      ["aws-user-personalization", "aws-sims", "aws-personalized-ranking"], args.truth,
                      not args.untuned_peers)
            table(f"POC protocol (ml-latest-small click+watch, {len(inter)} rows, {args.seeds} seeds; "
                  f"seen items kept; truth: {args.truth})", res, PERSONALIZE)
            continue
        parts, loader = datasets.CLEAN[name]
        if not datasets.path(*parts).exists():
            print(f"skip {name}: {datasets.path(*parts)} absent")
            continue
        inter = interactions_from_table(loader())
        res = run(inter, name, args.seeds, True, not args.no_peers, ["aws-user-personalization"], args.truth,
                  not args.untuned_peers)
        best_peer = max((n for n in res if n.startswith("peer ")), default=None,
                        key=lambda n: np.mean([r["normalized_discounted_cumulative_gain_at_10"] for r in res[n]]))
        table(f"clean protocol: {name} ({len(inter)} rows, dedup, seen excluded, {args.seeds} seeds; "
              f"truth: {args.truth})", res)
        if best_peer:
            ours = np.mean([r["normalized_discounted_cumulative_gain_at_10"] for r in res["aws-user-personalization"]])
            peer = np.mean([r["normalized_discounted_cumulative_gain_at_10"] for r in res[best_peer]])
            print(f"\nNDCG@10 user-personalization / best peer ({best_peer}): {ours / peer:.3f}x")


if __name__ == "__main__":
    main()
