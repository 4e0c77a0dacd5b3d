"""New users without interactions: does user-personalization serve them better from the Users dataset?

    python bench/cold_users.py [--seeds 5]

ml-100k with u.user as the Users dataset (AGE int, GENDER and OCCUPATION categorical). For each seed, 10% of
the users are new users: all their ratings are removed from training, and they stay in the Users dataset. Each
new user is served the whole catalogue from its metadata (`segment_ranking`: the items most shared among
training users with the same values) and, as Personalize does without Users metadata, the popular items; the
truth is every movie the user rated.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import datasets  # noqa: E402
from tastemaker.data.build import interactions_from_table  # noqa: E402
from tastemaker.data.types import TrainingData  # noqa: E402
from tastemaker.evaluation.metrics import user_metrics  # noqa: E402
from tastemaker.recipes.base import TrainingOptions  # noqa: E402
from tastemaker.recipes.registry import get_recipe  # noqa: E402

KEYS = {"mean_reciprocal_rank_at_25": "mrr@25", "normalized_discounted_cumulative_gain_at_10": "ndcg@10",
        "normalized_discounted_cumulative_gain_at_25": "ndcg@25", "precision_at_10": "p@10",
        "precision_at_25": "p@25"}
FIELDS = {"AGE": {"name": "AGE", "type": "int"},
          "GENDER": {"name": "GENDER", "type": "string", "categorical": True},
          "OCCUPATION": {"name": "OCCUPATION", "type": "string", "categorical": True}}


def users_table() -> pa.Table:
    rows = [line.split("|") for line in datasets.path("ml-100k", "u.user").read_text().splitlines() if line]
    return pa.table({"USER_ID": [r[0] for r in rows], "AGE": pa.array([int(r[1]) for r in rows], pa.int64()),
                     "GENDER": [r[2] for r in rows], "OCCUPATION": [r[3] for r in rows]})


def run_seed(seed: int, users: pa.Table, ratings: np.ndarray) -> dict[str, list[dict]]:
    rng = np.random.default_rng(seed)
    ids = np.unique(ratings[:, 0])
    new = set(rng.choice(ids, size=len(ids) // 10, replace=False).tolist())
    is_new = np.isin(ratings[:, 0], list(new))
    train = ratings[~is_new]
    inter = interactions_from_table(pa.table({"USER_ID": train[:, 0].astype(str),
                                              "ITEM_ID": train[:, 1].astype(str), "TIMESTAMP": train[:, 3]}))
    model = get_recipe("aws-user-personalization").train(TrainingData(inter, users=users, user_fields=FIELDS),
                                                         {}, {}, TrainingOptions(seed=seed))
    index = {str(v): k for k, v in enumerate(model.item_ids)}
    popular = np.argsort(-model.item_popularity, kind="stable")
    values = {r["USER_ID"]: {k: v for k, v in r.items() if k != "USER_ID"} for r in users.to_pylist()}
    out: dict[str, list[dict]] = {"Users metadata": [], "popular items": []}
    for u in sorted(new):
        truth = np.asarray([index[str(i)] for i in ratings[ratings[:, 0] == u, 1] if str(i) in index])
        if not len(truth):
            continue
        found = model.segment_ranking(values[str(u)])
        ranked = popular if found is None else found[0]
        out["Users metadata"].append(user_metrics(ranked[:25], truth))
        out["popular items"].append(user_metrics(popular[:25], truth))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    if not datasets.path("ml-100k", "u.user").exists():
        print("skip: ml-100k absent")
        return
    users = users_table()
    ratings = np.loadtxt(datasets.path("ml-100k", "u.data"), dtype=np.int64)
    per_seed: dict[str, list[dict[str, float]]] = {}
    for seed in range(args.seeds):
        for name, rows in run_seed(seed, users, ratings).items():
            per_seed.setdefault(name, []).append({k: float(np.mean([r[k] for r in rows])) for k in KEYS})
        print(f"  seed {seed} done", file=sys.stderr, flush=True)
    print(f"\n### ml-100k: new users (10%, no interactions), {args.seeds} seeds, mean ± std\n")
    print("| served from | " + " | ".join(KEYS.values()) + " |")
    print("|---" * (len(KEYS) + 1) + "|")
    for name, runs in per_seed.items():
        print(f"| {name} | " + " | ".join(f"{np.mean([r[k] for r in runs]):.4f}±{np.std([r[k] for r in runs]):.4f}"
                                          for k in KEYS) + " |")
    ours, pop = (np.mean([r["normalized_discounted_cumulative_gain_at_10"] for r in per_seed[n]])
                 for n in ("Users metadata", "popular items"))
    wins = sum(a["normalized_discounted_cumulative_gain_at_10"] > b["normalized_discounted_cumulative_gain_at_10"]
               for a, b in zip(per_seed["Users metadata"], per_seed["popular items"]))
    print(f"\nNDCG@10 from Users metadata / popular items: {ours / pop:.3f}x (higher on {wins} of {args.seeds} seeds)")


if __name__ == "__main__":
    main()
