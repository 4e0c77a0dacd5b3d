"""How much could user-personalization gain from a better blend of its own components? NDCG@10 on the clean
protocol's held-out users with the blend the recipe picks (on its training users' newest rows) next to the best
blend found on the held-out users themselves (an oracle: coordinate ascent on the test truth, a finer grid).

    python bench/blend_ceiling.py [--datasets lastfm] [--seeds 5]

The oracle is not a protocol — it reads the answers — but it bounds what any choice of the blend weights can do
with today's components: a gap to a goal larger than oracle - picked needs new components, not a better search.
Both are scored the same way (seen items pushed down by the repeat weight, as the recipe itself does; the
candidates are each component's top 50), so the picked column matches bench/quality.py's clean figure closely.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import datasets  # noqa: E402
from tastemaker.data.build import interactions_from_table  # noqa: E402
from tastemaker.data.split import personalize_split  # noqa: E402
from tastemaker.recipes import blend as bl  # noqa: E402
from tastemaker.recipes import user_personalization as up  # noqa: E402
from tastemaker.recipes import user_personalization_blend as upb  # noqa: E402
from tastemaker.recipes.params import parse_params  # noqa: E402

FINE = [0.0, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0]


def oracle_space() -> dict[str, list]:
    """The recipe's search space with a finer grid for every weight."""
    weights = {k: FINE for k in ("w_tr", "w_pop", "w_als", "w_seq")}
    return {**upb.SPACE, **weights, "w_rep": [-10.0, -3.0, -1.0] + FINE}


def ceiling(inter, seed: int) -> tuple[float, float, dict]:
    """(NDCG@10 of the picked blend, of the oracle blend, the oracle blend) on one split's held-out users."""
    params = up.effective_params(parse_params(up.UserPersonalization.HyperParameters, {}))
    split = personalize_split(inter, seed)
    picked = upb.fit_blend(split.train, params, seed, params.recency_mask)
    space = oracle_space()
    scored = upb._split_objective(split, params, seed, space)
    starts = [dict(picked), {**picked, "w_als": 1.0, "w_cf": 0.3}, {**picked, "w_tr": 1.0}]
    best, value = max((bl.coordinate_ascent(scored, space, s, rounds=5) for s in starts), key=lambda r: r[1])
    return scored(picked), value, best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--datasets", default="lastfm")
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    print("| dataset | picked blend | oracle blend | oracle / picked | oracle weights (last seed) |")
    print("|---|---|---|---|---|")
    for name in args.datasets.split(","):
        files, load = datasets.CLEAN[name]
        if not datasets.path(*files).exists():
            print(f"| {name} | skip: ../shared/data absent | | | |")
            continue
        inter = interactions_from_table(load())
        runs = []
        for seed in range(args.seeds):
            runs.append(ceiling(inter, seed))
            print(f"  {name} seed {seed}: picked {runs[-1][0]:.4f} oracle {runs[-1][1]:.4f}", file=sys.stderr,
                  flush=True)
        picked, oracle = np.mean([r[0] for r in runs]), np.mean([r[1] for r in runs])
        weights = ", ".join(f"{k} {v:g}" for k, v in runs[-1][2].items())
        print(f"| {name} | {picked:.4f} | {oracle:.4f} | {oracle / picked:.3f}x | {weights} |")


if __name__ == "__main__":
    main()
