"""Benchmark datasets from ../shared/data as Arrow tables (USER_ID, ITEM_ID, TIMESTAMP[, EVENT_TYPE])."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def path(*parts: str) -> Path:
    return SHARED.joinpath(*parts).resolve()


def _table(users, items, ts, events=None) -> pa.Table:
    cols = {"USER_ID": pa.array(np.asarray(users).astype(str)), "ITEM_ID": pa.array(np.asarray(items).astype(str)),
            "TIMESTAMP": pa.array(np.asarray(ts, dtype=np.int64))}
    if events is not None:
        cols["EVENT_TYPE"] = pa.array(events)
    return pa.table(cols)


def ratings_csv(p: Path) -> tuple[np.ndarray, ...]:
    t = pcsv.read_csv(p)
    return (t["userId"].to_numpy(), t["movieId"].to_numpy(), t["rating"].to_numpy(), t["timestamp"].to_numpy())


def poc_table() -> pa.Table:
    """The Personalize POC prep: rating > 1 -> a click row, rating > 3 -> also a watch row (same second),
    each rating's rows together, sorted by timestamp (stable)."""
    u, i, r, ts = ratings_csv(path("ml-latest-small", "ratings.csv"))
    reps = (r > 1).astype(int) + (r > 3).astype(int)
    idx = np.repeat(np.arange(len(u)), reps)
    kind = np.concatenate([np.arange(k) for k in reps]) if len(reps) else np.zeros(0, int)
    order = np.argsort(ts[idx], kind="stable")
    idx, kind = idx[order], kind[order]
    return _table(u[idx], i[idx], ts[idx], np.where(kind == 0, "click", "watch").tolist())


def _dedup_sorted(users, items, ts) -> pa.Table:
    """Clean protocol: sort by time (stable) and keep each (user, item)'s first interaction."""
    order = np.argsort(ts, kind="stable")
    users, items, ts = np.asarray(users)[order], np.asarray(items)[order], np.asarray(ts)[order]
    key = np.char.add(np.char.add(users.astype(str), "|"), items.astype(str))
    _, first = np.unique(key, return_index=True)
    first = np.sort(first)
    return _table(users[first], items[first], ts[first])


def clean_ml_latest_small() -> pa.Table:
    u, i, _, ts = ratings_csv(path("ml-latest-small", "ratings.csv"))
    return _dedup_sorted(u, i, ts)


def clean_ml_100k() -> pa.Table:
    a = np.loadtxt(path("ml-100k", "u.data"), dtype=np.int64)
    return _dedup_sorted(a[:, 0], a[:, 1], a[:, 3])


def clean_beauty() -> pa.Table:
    """Lines 'user item item ...' in order: the position is the timestamp."""
    users, items, ts = [], [], []
    for line in path("amazon-beauty", "s3rec", "Beauty.txt").read_text().split("\n"):
        parts = line.split()
        if len(parts) > 1:
            users += [parts[0]] * (len(parts) - 1)
            items += parts[1:]
            ts += range(len(parts) - 1)
    return _dedup_sorted(np.asarray(users), np.asarray(items), np.asarray(ts))


def clean_lastfm() -> pa.Table:
    """user_artists.dat has no time and is sorted by artist id within a user, so the rows get a seeded
    random order as timestamps (file order would leak the artist-id order into "newest")."""
    a = np.loadtxt(path("lastfm-hetrec2011-2k", "user_artists.dat"), dtype=np.int64, skiprows=1)
    return _dedup_sorted(a[:, 0], a[:, 1], np.random.default_rng(0).permutation(len(a)))


CLEAN = {"ml-latest-small": (("ml-latest-small", "ratings.csv"), clean_ml_latest_small),
         "ml-100k": (("ml-100k", "u.data"), clean_ml_100k),
         "beauty": (("amazon-beauty", "s3rec", "Beauty.txt"), clean_beauty),
         "lastfm": (("lastfm-hetrec2011-2k", "user_artists.dat"), clean_lastfm)}
