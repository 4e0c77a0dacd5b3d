"""New items without interactions: does user-personalization put the right ones first from item metadata?

    python bench/cold_items.py [--seeds 3] [--datasets ml-latest-small,ml-100k]

MovieLens with its genres and release years as the Items dataset (GENRE categorical, YEAR int). For each seed,
10% of the rated movies become new items: their ratings are removed from training, so they are in the Items
dataset with no interactions. Every user who trained and rated new movies is a test user: its history is its
training rows, its truth the new movies it rated. The new movies are ranked by the model's score for the user
(what orders exploration's candidates: half the user's metadata match, half the popularity of the metadata),
against each half alone (the match with the user's history; the popularity of their metadata, i.e. the mean
training popularity of the items sharing each genre / year decile) and a random order. "same top 25" checks
that the top 25 of the whole catalogue is the same as the model's without metadata (new items go below it).
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import datasets  # noqa: E402
from tastemaker.data.build import interactions_from_table  # noqa: E402
from tastemaker.data.types import History, TrainingData  # noqa: E402
from tastemaker.recipes._common import recency_weights  # noqa: E402
from tastemaker.recipes.base import TrainingOptions  # noqa: E402
from tastemaker.recipes.item_metadata import metadata_popularity, profile_match  # noqa: E402
from tastemaker.recipes.registry import get_recipe  # noqa: E402
from tastemaker.recipes.user_personalization_model import UserPersonalizationModel  # noqa: E402

K = 10


def ranking_metrics(order: np.ndarray, truth: set[int]) -> tuple[float, float]:
    """(NDCG@K, hit@K) of a ranked list of item ids against a truth set."""
    gains = np.asarray([1.0 if int(i) in truth else 0.0 for i in order[:K]])
    disc = 1.0 / np.log2(np.arange(2, K + 2))
    ideal = disc[:min(len(truth), K)].sum()
    return float((gains * disc[:len(gains)]).sum() / ideal), float(gains.any())


def movies_table(name: str) -> pa.Table:
    """ITEM_ID, GENRE ('|'-joined) and YEAR (int, null if unknown) of a MovieLens catalogue."""
    if name == "ml-latest-small":
        movies = pcsv.read_csv(datasets.path(name, "movies.csv"),
                               convert_options=pcsv.ConvertOptions(column_types={"genres": pa.string(),
                                                                                 "title": pa.string()}))
        years = [re.search(r"\((\d{4})\)\s*$", t.strip()) for t in movies["title"].to_pylist()]
        return pa.table({"ITEM_ID": movies["movieId"].to_numpy().astype(str), "GENRE": movies["genres"],
                         "YEAR": pa.array([int(y.group(1)) if y else None for y in years], pa.int64())})
    genres = [line.split("|")[0] for line in
              datasets.path(name, "u.genre").read_text(encoding="latin-1").splitlines() if line]
    ids, genre, year = [], [], []
    for line in datasets.path(name, "u.item").read_text(encoding="latin-1").splitlines():
        f = line.split("|")
        ids.append(f[0]); genre.append("|".join(g for g, flag in zip(genres, f[5:]) if flag == "1"))
        year.append(int(f[2][-4:]) if f[2] else None)
    return pa.table({"ITEM_ID": ids, "GENRE": genre, "YEAR": pa.array(year, pa.int64())})


def ratings_arrays(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if name == "ml-latest-small":
        u, i, _, ts = datasets.ratings_csv(datasets.path(name, "ratings.csv"))
    else:
        a = np.loadtxt(datasets.path(name, "u.data"), dtype=np.int64)
        u, i, ts = a[:, 0], a[:, 1], a[:, 3]
    return u.astype(str), i.astype(str), ts.astype(np.int64)


def run_seed(name: str, seed: int) -> dict[str, float]:
    users, items, ts = ratings_arrays(name)
    movies = movies_table(name)
    rng = np.random.default_rng(seed)
    rated = np.unique(items)
    new = set(rng.choice(rated, size=len(rated) // 10, replace=False).tolist())
    is_new = np.isin(items, list(new))
    train = ~is_new
    movie_ids = movies["ITEM_ID"].to_pylist()
    inter = interactions_from_table(pa.table({"USER_ID": users[train], "ITEM_ID": items[train],
                                              "TIMESTAMP": ts[train]}), extra_items=movie_ids)
    data = TrainingData(inter, items=movies, item_fields={
        "GENRE": {"name": "GENRE", "type": "string", "categorical": True},
        "YEAR": {"name": "YEAR", "type": ["null", "int"]}})
    model = get_recipe("aws-user-personalization").train(data, {}, {}, TrainingOptions(seed=seed))
    plain = UserPersonalizationModel({k: v for k, v in model.arrays().items() if not k.startswith("meta_")})
    index = {str(v): k for k, v in enumerate(inter.item_ids)}
    user_index = {str(v): k for k, v in enumerate(inter.user_ids)}
    pool = np.asarray(sorted(index[i] for i in new if i in index), dtype=np.int64)
    assert np.all(model.item_popularity[pool] == 0)
    truths: dict[str, set[int]] = {}
    for u, i in zip(users[is_new], items[is_new]):
        if u in user_index and i in index:
            truths.setdefault(u, set()).add(index[i])
    offsets = inter.user_offsets()
    rows: dict[str, list] = {"model": [], "match only": [], "popular metadata": [], "random": []}
    popular_order = pool[np.argsort(-metadata_popularity(model.meta, model.item_popularity, pool), kind="stable")]
    same_top = []
    for u, truth in truths.items():
        k = user_index[u]
        history = History.of(inter.item[offsets[k]:offsets[k + 1]])
        with_meta, without = model.scores(history), plain.scores(history)
        rows["model"].append(ranking_metrics(pool[np.argsort(-with_meta[pool], kind="stable")], truth))
        items_k = np.asarray(history.items, dtype=np.int64)
        match = profile_match(model.meta, items_k, recency_weights(len(items_k), model.blend["cf_decay"]), pool)
        rows["match only"].append(ranking_metrics(pool[np.argsort(-match, kind="stable")], truth))
        rows["popular metadata"].append(ranking_metrics(popular_order, truth))
        rows["random"].append(np.mean([ranking_metrics(rng.permutation(pool), truth) for _ in range(20)], axis=0))
        same_top.append(set(np.argsort(-with_meta, kind="stable")[:25].tolist())
                        == set(np.argsort(-without, kind="stable")[:25].tolist()))
    out: dict[str, float] = {"new items": len(pool), "test users": len(truths)}
    for label, vals in rows.items():
        out[f"ndcg@{K} {label}"], out[f"hit@{K} {label}"] = np.mean(vals, axis=0)
    out["same top 25"] = float(np.mean(same_top))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--datasets", default="ml-latest-small,ml-100k")
    args = ap.parse_args()
    orders = ("model", "match only", "popular metadata", "random")
    cols = (["new items", "test users"] + [f"{m}@{K} {label}" for m in ("ndcg", "hit") for label in orders]
            + ["same top 25"])
    for name in args.datasets.split(","):
        if not (datasets.path(name, "ratings.csv").exists() or datasets.path(name, "u.data").exists()):
            print(f"skip {name}: absent")
            continue
        print(f"\n### {name}: ranking the new items (no interactions) for the users who rated them\n")
        print("| seed | " + " | ".join(cols) + " |")
        print("|---" * (len(cols) + 1) + "|")
        results = []
        for seed in range(args.seeds):
            r = run_seed(name, seed)
            results.append(r)
            print(f"| {seed} | " + " | ".join(f"{r[c]:.4f}" if isinstance(r[c], float) else str(r[c])
                                              for c in cols) + " |", flush=True)
        mean = {c: np.mean([r[c] for r in results]) for c in cols[2:]}
        print("| mean | | | " + " | ".join(f"{mean[c]:.4f}" for c in cols[2:]) + " |")
        base = mean[f"ndcg@{K} model"]
        print(f"\nNDCG@{K} of the new items in the model's order / by the user's metadata match only: "
              f"{base / mean[f'ndcg@{K} match only']:.2f}x; / by their metadata's popularity only: "
              f"{base / mean[f'ndcg@{K} popular metadata']:.2f}x; / random order: "
              f"{base / mean[f'ndcg@{K} random']:.2f}x")


if __name__ == "__main__":
    main()
