"""HPO wall time with maxParallelTrainingJobs 1 vs 2, trials through the thread executor's map, on ml-latest-small.

    python bench/hpo_parallel.py [--trials 4] [--recipes aws-sims,aws-user-personalization]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import datasets  # noqa: E402
from tastemaker.data.build import interactions_from_table  # noqa: E402
from tastemaker.data.types import TrainingData  # noqa: E402
from tastemaker.evaluation.pipeline import hpo  # noqa: E402
from tastemaker.jobs.executors import ThreadExecutor  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--trials", type=int, default=4)
    ap.add_argument("--recipes", default="aws-sims,aws-user-personalization")
    args = ap.parse_args()
    if not datasets.path("ml-latest-small", "ratings.csv").exists():
        print("skip: ml-latest-small absent")
        return
    data = TrainingData(interactions_from_table(datasets.clean_ml_latest_small()))
    executor = ThreadExecutor(lambda job_id: None)
    print(f"\n| recipe | trials | parallel 1 s | parallel 2 s | speed-up | best NDCG@10 (1 / 2) |")
    print("|---|---|---|---|---|---|")
    for name in args.recipes.split(","):
        secs, best = {}, {}
        for parallel in (1, 2):
            t = time.perf_counter()
            _, trials = hpo(data, name, None, args.trials, parallel, seed=0, fan_out=executor.map)
            secs[parallel] = time.perf_counter() - t
            best[parallel] = max(tr["value"] for tr in trials)
        print(f"| {name} | {args.trials} | {secs[1]:.1f} | {secs[2]:.1f} | {secs[1] / secs[2]:.2f}x | "
              f"{best[1]:.4f} / {best[2]:.4f} |")
    executor.shutdown()


if __name__ == "__main__":
    main()
