"""Training seconds per recipe on ml-latest-small, and user-personalization on a generated large dataset.

    python bench/train_speed.py [--rows 25000000] [--skip-small] [--skip-large]
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import datasets  # noqa: E402
from tastemaker.data.build import interactions_from_table  # noqa: E402
from tastemaker.data.types import Interactions, TrainingData  # noqa: E402
from tastemaker.recipes.base import TrainingOptions  # noqa: E402
from tastemaker.recipes.registry import RECIPES, get_recipe  # noqa: E402


def generated(rows: int, items: int = 50_000, per_user: int = 100, seed: int = 0) -> Interactions:
    """Zipf-popular items with sequential structure: half the steps move near the previous item."""
    rng = np.random.default_rng(seed)
    users = max(1, rows // per_user)
    user = np.repeat(np.arange(users, dtype=np.int32), per_user)[:rows]
    ranks = np.arange(1, items + 1, dtype=np.float64)
    p = ranks ** -0.9
    base = rng.choice(items, size=rows, p=p / p.sum()).astype(np.int64)
    step = rng.integers(1, 6, size=rows)
    near = rng.random(rows) < 0.5
    item = np.where(near, (np.roll(base, 1) + step) % items, base).astype(np.int32)
    ts = (1_600_000_000 + np.arange(rows) * 7 % 10_000_000 + user.astype(np.int64)).astype(np.int64)
    order = np.lexsort((np.arange(rows), ts, user))
    return Interactions(np.asarray([str(u) for u in range(users)], dtype=object),
                        np.asarray([str(i) for i in range(items)], dtype=object),
                        user[order], item[order], ts[order], np.zeros(rows, np.int16),
                        np.asarray([""], dtype=object), np.full(rows, np.nan, np.float32))


def timed(recipe_name: str, data: TrainingData) -> float:
    t = time.perf_counter()
    get_recipe(recipe_name).train(data, {}, {}, TrainingOptions(seed=0))
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=25_000_000)
    ap.add_argument("--skip-small", action="store_true")
    ap.add_argument("--skip-large", action="store_true")
    args = ap.parse_args()
    if not args.skip_small and datasets.path("ml-latest-small", "ratings.csv").exists():
        data = TrainingData(interactions_from_table(datasets.poc_table()))
        print(f"\n### ml-latest-small POC ({len(data.interactions)} rows)\n\n| recipe | train s |\n|---|---|")
        for name in RECIPES:
            print(f"| {name} | {timed(name, data):.2f} |", flush=True)
    if not args.skip_large:
        t = time.perf_counter()
        inter = generated(args.rows)
        gen = time.perf_counter() - t
        secs = timed("aws-user-personalization", TrainingData(inter))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\n### generated: {len(inter)} rows, {inter.n_users} users, {inter.n_items} items "
              f"(generated in {gen:.1f} s)\n\n| recipe | train s | peak RSS MiB |\n|---|---|---|\n"
              f"| aws-user-personalization | {secs:.1f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
