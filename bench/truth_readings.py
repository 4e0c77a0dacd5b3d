"""Which truth would give Personalize's recorded POC metrics? The same trained models scored against several
readings of "the held-out user's truth" (mean over seeds), next to Personalize's figures.

    python bench/truth_readings.py [--seeds 5]

Every reading keeps the documented split's held-out users, input histories (oldest 90% of rows) and training
rows; only the truth changes. Personalize's figures (NDCG rising 0.23 -> 0.33 from K=5 to 25, precision@25 0.038)
point to one or two truth items per user; the documented "newest 10% of rows" gives ~16 (docs/evaluation.md).
This is an analysis, not a protocol: GetSolutionMetrics uses the documented split (or the next-item mode).
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import datasets  # noqa: E402
from bench.peers import PEERS  # noqa: E402
from bench.quality import PERSONALIZE, SHORT  # noqa: E402
from tastemaker.data.build import interactions_from_table  # noqa: E402
from tastemaker.data.types import Interactions, TrainingData  # noqa: E402
from tastemaker.evaluation.metrics import METRIC_KEYS  # noqa: E402
from tastemaker.evaluation.offline import evaluate  # noqa: E402
from tastemaker.data.split import EvalSplit, personalize_split  # noqa: E402
from tastemaker.recipes.base import TrainingOptions  # noqa: E402
from tastemaker.recipes.registry import get_recipe  # noqa: E402


def truth_rows(inter: Interactions, split: EvalSplit) -> list[np.ndarray]:
    """Per held-out user, the row numbers of its documented truth (the newest rows, in time order)."""
    offsets = inter.user_offsets()
    return [np.arange(offsets[u + 1] - len(t), offsets[u + 1]) for u, t in zip(split.test_users, split.truths)]


def readings(inter: Interactions, split: EvalSplit) -> dict[str, list[np.ndarray]]:
    """{reading: per held-out user truth items}."""
    rows = truth_rows(inter, split)
    ts = inter.timestamp

    def distinct(r: np.ndarray, n: int) -> np.ndarray:
        return np.asarray(list(dict.fromkeys(inter.item[r].tolist()))[:n], dtype=np.int64)

    return {"newest 10% of rows (documented)": split.truths,
            "next row": [inter.item[r[:1]] for r in rows],
            "rows of the next second": [inter.item[r[ts[r] == ts[r[0]]]] for r in rows],
            "next 2 distinct items": [distinct(r, 2) for r in rows],
            "next 3 distinct items": [distinct(r, 3) for r in rows],
            "rows of the newest second": [inter.item[r[ts[r] == ts[r[-1]]]] for r in rows]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    if not datasets.path("ml-latest-small", "ratings.csv").exists():
        print("skip: ml-latest-small absent")
        return
    inter = interactions_from_table(datasets.poc_table())
    results: dict[tuple[str, str], list[list[float]]] = {}
    sizes: dict[str, list[float]] = {}
    for seed in range(args.seeds):
        split = personalize_split(inter, seed)
        models = {name: (get_recipe(name).recipe_type,
                         get_recipe(name).train(TrainingData(split.train), {}, {}, TrainingOptions(seed=seed)))
                  for name in ("aws-user-personalization", "aws-sims")}
        models["peer recent-items"] = ("USER_PERSONALIZATION", PEERS["recent-items"](split.train))
        for reading, truths in readings(inter, split).items():
            sizes.setdefault(reading, []).append(float(np.mean([len(np.unique(t)) for t in truths])))
            variant = dataclasses.replace(split, truths=truths, truth_weights=None)
            for name, (kind, model) in models.items():
                m = evaluate(model, kind, variant)
                results.setdefault((reading, name), []).append([m[k] for k in METRIC_KEYS])
        print(f"  seed {seed} done", file=sys.stderr, flush=True)

    print(f"\n### POC data, {args.seeds} seeds: metrics under each truth reading (mean)\n")
    print("| truth reading | distinct truth items | model | " + " | ".join(SHORT) + " |")
    print("|---" * (len(SHORT) + 3) + "|")
    for name, ref in PERSONALIZE.items():
        if name != "aws-personalized-ranking":
            print(f"| Personalize (recorded) | | {name} | " + " | ".join(f"{x:.4f}" for x in ref) + " |")
    for (reading, name), runs in results.items():
        mean = np.mean(runs, axis=0)
        ref = PERSONALIZE.get(name)
        cells = [f"{v:.4f}" + (f" ({v / r:.2f}x)" if ref else "") for v, r in zip(mean, ref or mean)]
        print(f"| {reading} | {np.mean(sizes[reading]):.1f} | {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
