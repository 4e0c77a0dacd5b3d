"""The synthetic generator: Personalize headers, seeded, long tail, tastes, sessions, repeats."""
from __future__ import annotations

import collections
import csv

import numpy as np
import pytest

from tastemaker.synthetic import GENRES, generate


@pytest.fixture(scope="module")
def data():
    return generate(n_users=300, n_items=600, n_interactions=15_000, seed=7)


def test_default_size_is_about_50k_interactions():
    full = generate()
    assert 45_000 <= full.interactions.num_rows <= 55_000
    assert full.items.num_rows == 2000
    assert len(set(full.interactions["USER_ID"].to_pylist())) == 1000


def test_columns_and_types_are_personalize_shaped(data):
    assert data.interactions.column_names == ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"]
    assert data.items.column_names == ["ITEM_ID", "GENRE", "YEAR"]
    assert set(data.interactions["EVENT_TYPE"].to_pylist()) == {"click", "watch"}
    assert set(data.items["GENRE"].to_pylist()) <= set(GENRES)
    years = data.items["YEAR"].to_pylist()
    assert all(isinstance(y, int) and 1970 <= y <= 2024 for y in years)
    assert set(data.interactions["ITEM_ID"].to_pylist()) <= set(data.items["ITEM_ID"].to_pylist())


def test_same_seed_same_data_other_seed_other_data(data):
    again = generate(n_users=300, n_items=600, n_interactions=15_000, seed=7)
    assert again.interactions.equals(data.interactions) and again.items.equals(data.items)
    other = generate(n_users=300, n_items=600, n_interactions=15_000, seed=8)
    assert not other.interactions.equals(data.interactions)


def test_popularity_has_a_long_tail(data):
    counts = sorted(collections.Counter(data.interactions["ITEM_ID"].to_pylist()).values(), reverse=True)
    top_tenth = sum(counts[: len(data.items) // 10])
    assert top_tenth / sum(counts) > 0.4
    assert counts[-1] <= 3


def test_users_follow_their_hidden_tastes(data):
    genre_of = dict(zip(data.items["ITEM_ID"].to_pylist(), data.items["GENRE"].to_pylist()))
    share_of_favourite, global_share = [], collections.Counter(genre_of[i] for i in data.interactions["ITEM_ID"].to_pylist())
    total = sum(global_share.values())
    by_user = collections.defaultdict(list)
    for user, item in zip(data.interactions["USER_ID"].to_pylist(), data.interactions["ITEM_ID"].to_pylist()):
        by_user[user].append(genre_of[item])
    lift = []
    for user, genres in by_user.items():
        favourite = GENRES[int(np.argmax(data.tastes[int(user[1:])]))]
        lift.append((genres.count(favourite) / len(genres)) / (global_share[favourite] / total))
    assert np.median(lift) > 2.0


def test_time_order_sessions_repeats_and_watch_after_click(data):
    times = data.interactions["TIMESTAMP"].to_numpy()
    assert (np.diff(times) >= 0).all()
    rows = data.interactions.to_pylist()
    by_user = collections.defaultdict(list)
    for row in rows:
        by_user[row["USER_ID"]].append(row)
    repeats = gaps = 0
    for events in by_user.values():
        clicks = [e["ITEM_ID"] for e in events if e["EVENT_TYPE"] == "click"]
        repeats += len(clicks) - len(set(clicks))
        stamps = [e["TIMESTAMP"] for e in events]
        gaps += sum(1 for a, b in zip(stamps, stamps[1:]) if b - a > 3600)  # a new session
        for before, event in zip([None] + events, events):
            if event["EVENT_TYPE"] == "watch":  # a watch follows the click on the same item
                assert (before["EVENT_TYPE"], before["ITEM_ID"]) == ("click", event["ITEM_ID"])
    assert repeats > 0.05 * len(rows) / 2
    assert gaps > len(by_user)


def test_write_csv_has_personalize_headers(data, tmp_path):
    paths = data.write_csv(tmp_path / "csv")
    with paths["interactions"].open() as f:
        reader = csv.reader(f)
        assert next(reader) == ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"]
        assert next(reader)[2].isdigit()
    with paths["items"].open() as f:
        assert next(csv.reader(f)) == ["ITEM_ID", "GENRE", "YEAR"]
    assert sum(1 for _ in paths["interactions"].open()) == data.interactions.num_rows + 1
