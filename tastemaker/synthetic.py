"""A seeded synthetic catalogue and interaction log with realistic structure (no download needed)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

GENRES = ("Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama", "Family",
          "Fantasy", "Horror", "Romance", "Sci-Fi", "Thriller", "Western")
START = 1_672_531_200  # 2023-01-01T00:00:00Z
DAY = 86_400

INTERACTIONS_SCHEMA = json.dumps({
    "type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema",
    "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
               {"name": "TIMESTAMP", "type": "long"}, {"name": "EVENT_TYPE", "type": "string"}],
    "version": "1.0",
})
ITEMS_SCHEMA = json.dumps({
    "type": "record", "name": "Items", "namespace": "com.amazonaws.personalize.schema",
    "fields": [{"name": "ITEM_ID", "type": "string"},
               {"name": "GENRE", "type": "string", "categorical": True},
               {"name": "YEAR", "type": "int"}],
    "version": "1.0",
})


@dataclass(frozen=True)
class Synthetic:
    """The generated data: Personalize-shaped Arrow tables, plus each user's hidden taste (for tests)."""

    interactions: pa.Table
    items: pa.Table
    tastes: np.ndarray
    """users x genres: the probability that a user's next pick is from each genre."""

    def write_csv(self, folder: str | Path) -> dict[str, Path]:
        """Write interactions.csv and items.csv with Personalize headers; return their paths."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {"interactions": folder / "interactions.csv", "items": folder / "items.csv"}
        options = pacsv.WriteOptions(quoting_style="none")
        pacsv.write_csv(self.interactions, paths["interactions"], options)
        pacsv.write_csv(self.items, paths["items"], options)
        return paths


def _items(rng: np.random.Generator, n_items: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Genre of each item (some genres bigger than others), year (recent years likelier), popularity weight."""
    genre_share = rng.dirichlet(np.full(len(GENRES), 2.0))
    genre = rng.choice(len(GENRES), size=n_items, p=genre_share)
    year = (2024 - np.minimum(rng.exponential(9.0, size=n_items), 54)).astype(np.int32)
    rank = rng.permutation(n_items) + 1
    popularity = 1.0 / rank ** 1.05  # Zipf: a long tail
    return genre, year, popularity


def _user_log(rng: np.random.Generator, count: int, taste: np.ndarray, by_genre: list[np.ndarray],
              weights: list[np.ndarray], days: int) -> tuple[list[int], list[int], list[str]]:
    """One user's events: sessions in time order, picks from their genres, some repeats, click then watch."""
    items, times, kinds = [], [], []
    n_sessions = max(1, int(round(count / rng.uniform(3, 8))))
    starts = np.sort(START + rng.integers(0, days * DAY, size=n_sessions))
    per_session = np.maximum(1, rng.multinomial(count, np.full(n_sessions, 1 / n_sessions)))
    for start, size in zip(starts, per_session):
        now = int(start)
        for _ in range(size):
            if items and rng.random() < 0.12:
                item = items[-int(rng.integers(1, min(len(items), 10) + 1))]  # come back to a recent item
            else:
                g = rng.choice(len(taste), p=taste)
                item = int(rng.choice(by_genre[g], p=weights[g]))
            items.append(item), times.append(now), kinds.append("click")
            if rng.random() < 0.25 + 0.5 * taste.max():
                now += int(rng.integers(5, 60))
                items.append(item), times.append(now), kinds.append("watch")
            now += int(rng.integers(20, 600))
    return items, times, kinds


def generate(n_users: int = 1000, n_items: int = 2000, n_interactions: int = 50_000, *, seed: int = 0,
             days: int = 180) -> Synthetic:
    """Users with latent genre tastes, a Zipf popularity tail, sessions in time order, repeats, click/watch."""
    rng = np.random.default_rng(seed)
    genre, year, popularity = _items(rng, n_items)
    by_genre = [np.flatnonzero(genre == g) for g in range(len(GENRES))]
    present = np.array([len(ix) > 0 for ix in by_genre])
    weights = [popularity[ix] / popularity[ix].sum() if len(ix) else ix for ix in by_genre]
    tastes = rng.dirichlet(np.full(len(GENRES), 0.25), size=n_users) * present
    tastes = (tastes + 1e-9 * present) / (tastes + 1e-9 * present).sum(axis=1, keepdims=True)
    activity = rng.lognormal(0.0, 0.8, size=n_users)
    # each click may bring a watch too: aim the clicks so that the total lands near n_interactions
    clicks = np.maximum(3, np.round(activity / activity.sum() * n_interactions / 1.46)).astype(int)
    users, items, times, kinds = [], [], [], []
    for u in range(n_users):
        i, t, k = _user_log(rng, int(clicks[u]), tastes[u], by_genre, weights, days)
        users += [u] * len(i)
        items += i
        times += t
        kinds += k
    order = np.argsort(np.asarray(times), kind="stable")
    interactions = pa.table({
        "USER_ID": pa.array([f"u{users[j]}" for j in order]),
        "ITEM_ID": pa.array([f"i{items[j]}" for j in order]),
        "TIMESTAMP": pa.array(np.asarray(times, dtype=np.int64)[order]),
        "EVENT_TYPE": pa.array([kinds[j] for j in order]),
    })
    catalogue = pa.table({
        "ITEM_ID": pa.array([f"i{j}" for j in range(n_items)]),
        "GENRE": pa.array([GENRES[g] for g in genre]),
        "YEAR": pa.array(year),
    })
    return Synthetic(interactions, catalogue, tastes)
