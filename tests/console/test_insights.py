"""Data insights on a dataset's page: the numbers equal what the quickstart's CSV files (plus the demo's PutEvents
events) say, computed here independently; and the pure computations (bins, time buckets, counts, the cache)."""
from __future__ import annotations

import re
import sqlite3
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, unquote, urlparse

import pyarrow as pa
import pyarrow.csv as pv
import pytest

from tastemaker.console import insights as module
from tastemaker.console.insights import (
    history_bins,
    interaction_insights,
    metadata_insights,
    time_buckets,
    value_counts,
)
from tests.console.test_pages import get

# --- pure computations -------------------------------------------------------------------------------------------


def test_history_length_bins():
    lengths = [1, 1, 2, 4, 5, 9, 10, 19, 20, 49, 50, 99, 100, 5000, 0]
    assert history_bins(lengths) == [("1", 2), ("2–4", 2), ("5–9", 2), ("10–19", 2), ("20–49", 2), ("50–99", 2),
                                     ("100+", 2)]
    assert history_bins([]) == [(label, 0) for label in ("1", "2–4", "5–9", "10–19", "20–49", "50–99", "100+")]


def test_time_buckets_by_span():
    day = 86400
    start = 1_672_531_200  # 2023-01-01 00:00 UTC, a Sunday
    unit, labels, counts = time_buckets([start + 10, start + 20, start + 2 * day + 5])
    assert unit == "day" and labels == ["2023-01-01", "2023-01-02", "2023-01-03"] and counts == [2, 0, 1]
    unit, labels, counts = time_buckets([start, start + 1 * day, start + 100 * day])
    assert unit == "week" and labels[0] == "2022-12-26" and labels[1] == "2023-01-02"  # weeks start on Monday
    assert counts[0] == 1 and counts[1] == 1 and sum(counts) == 3 and labels[-1] == "2023-04-10"
    unit, labels, counts = time_buckets([start, start + 6 * 366 * day])
    assert unit == "month" and labels[0] == "2023-01" and labels[-1] == "2029-01" and sum(counts) == 2
    assert time_buckets([]) == ("day", [], [])


def test_value_counts_most_frequent_first_ties_by_value():
    column = pa.array(["b", "a", "c", "a", "b", None, "d"])
    assert value_counts(column) == [("a", 2), ("b", 2), ("c", 1), ("d", 1), (None, 1)]
    assert value_counts(column, 2) == [("a", 2), ("b", 2)]


def test_interaction_insights_on_a_small_table():
    table = pa.table({"USER_ID": ["u1", "u1", "u2", "u3", "u1"], "ITEM_ID": ["i1", "i2", "i1", "i1", "i3"],
                      "TIMESTAMP": pa.array([100, 200, 300, 400, 500], pa.int64()),
                      "EVENT_TYPE": ["click", "watch", "click", "click", "click"]})
    items = pa.table({"ITEM_ID": ["i1", "i2", "i3", "i4", "i5"], "GENRE": ["A", "B", "A", "C", None]})
    found = interaction_insights(table, items)
    assert (found["rows"], found["users"], found["item_count"]) == (5, 3, 3)
    assert found["event_types"] == [("click", 4), ("watch", 1)]
    assert found["top"][0] == {"id": "i1", "count": 3, "meta": {"GENRE": "A"}}
    assert found["cold"] == {"count": 2, "catalog": 5, "examples": ["i4", "i5"]}
    assert dict(found["histories"])["1"] == 2 and dict(found["histories"])["2–4"] == 1
    assert found["unit"] == "day" and found["per_time"] == [5]


def test_metadata_columns_missing_distinct_top_values_and_ranges():
    table = pa.table({"USER_ID": ["u1", "u2", "u3", "u4"], "GENRES": ["a|b", "b", "", None],
                      "BIO": ["hello there", "x", None, "abc"], "AGE": pa.array([20, None, 40, 30], pa.int32()),
                      "MEMBER": pa.array([True, False, True, None])})
    fields = [{"name": "USER_ID", "type": "string"}, {"name": "GENRES", "type": ["null", "string"], "categorical": True},
              {"name": "BIO", "type": ["null", "string"], "textual": True}, {"name": "AGE", "type": ["null", "int"]},
              {"name": "MEMBER", "type": ["null", "boolean"]}]
    found = metadata_insights(table, fields, "USER_ID")
    assert found["rows"] == 4 and found["ids"] == 4
    genres, bio, age, member = found["columns"]
    assert genres["missing"] == 2 and genres["distinct"] == 2 and genres["top"] == [("b", 2), ("a", 1)]
    assert bio["missing"] == 1 and bio["textual"] and "top" not in bio and bio["mean_length"] == pytest.approx(5.0)
    assert age["type"] == "int" and age["missing"] == 1 and age["range"] == (20, 40) and age["mean"] == 30
    assert member["top"] == [(True, 2), (False, 1)] and member["missing"] == 1


def test_insights_are_cached_per_data_version(monkeypatch):
    computed = []
    monkeypatch.setattr(module, "compute", lambda ctx, dataset: computed.append(1) or {"n": len(computed)})
    monkeypatch.setattr(module, "_CACHE", type(module._CACHE)())
    newest = {"id": 7}
    store = SimpleNamespace(list=lambda kind, **where: [], max_event_id=lambda group: newest["id"],
                            records=lambda arn: [])
    ctx = SimpleNamespace(store=store)
    dataset = {"arn": "arn:ds", "dataset_group_arn": "arn:g", "dataset_type": "INTERACTIONS", "data_key": "k1"}
    assert module.insights(ctx, dataset) == {"n": 1}
    assert module.insights(ctx, dataset) == {"n": 1} and len(computed) == 1
    newest["id"] = 8  # a new event
    assert module.insights(ctx, dataset) == {"n": 2}
    assert module.insights(ctx, {**dataset, "data_key": "k2"}) == {"n": 3}  # a new import
    for n in range(module._KEEP + 5):  # bounded
        module.insights(ctx, {**dataset, "data_key": f"other-{n}"})
    assert len(module._CACHE) == module._KEEP


# --- the demo's datasets -----------------------------------------------------------------------------------------

def csv_of(demo, job_key: str) -> tuple[str, pa.Table]:
    """(dataset ARN, the CSV it imported) of one of the quickstart's import jobs."""
    p = demo.client("personalize")
    job = p.describe_dataset_import_job(datasetImportJobArn=demo.arns[job_key])["datasetImportJob"]
    path = Path(unquote(urlparse(job["dataSource"]["dataLocation"]).path))
    return job["datasetArn"], pv.read_csv(path, convert_options=pv.ConvertOptions(
        column_types={"USER_ID": pa.string(), "ITEM_ID": pa.string()}))


def panel(demo, dataset_arn: str) -> str:
    status, _, body = get(demo.server.url + "/console/resource/" + quote(dataset_arn, safe=":/"))
    assert status == 200
    found = body[body.index('<section id="insights">'):]
    return found[:found.index("</section>", found.index("<h2>Data insights</h2>"))]


def stat(html: str, label: str) -> str:
    return re.search(rf'<span class="n">([^<]+)</span><span class="l">{label}</span>', html).group(1)


def stored_events(demo) -> list[tuple[str, str, str]]:
    """(user, item, event type) of every event the demo group holds (the conftest's and any other test's), read
    from the server's database file."""
    db = sqlite3.connect(f"file:{demo.server.data_dir / 'tastemaker.db'}?mode=ro", uri=True)
    try:
        return db.execute("SELECT user_id, item_id, event_type FROM events WHERE dataset_group_arn = ? "
                          "AND item_id IS NOT NULL", (demo.arns["dataset_group"],)).fetchall()
    finally:
        db.close()


def test_interactions_insights_equal_the_csv_plus_the_events(demo):
    arn, table = csv_of(demo, "interactions_import")
    events = stored_events(demo)
    assert {(demo.user, e["itemId"], e["eventType"]) for e in demo.events} <= set(events)
    users = table["USER_ID"].to_pylist() + [u for u, _, _ in events]
    items = table["ITEM_ID"].to_pylist() + [i for _, i, _ in events]
    types = Counter(table["EVENT_TYPE"].to_pylist() + [t for _, _, t in events])
    html = panel(demo, arn)
    assert stat(html, "Interactions") == f"{len(users):,}"
    assert stat(html, "Users") == f"{len(set(users)):,}"
    assert stat(html, "Items") == f"{len(set(items)):,}"
    assert stat(html, "Event types") == str(len(types))
    per_item = Counter(items)
    top, count = min(per_item.items(), key=lambda kv: (-kv[1], kv[0]))
    assert re.search(rf'<td class="num">1</td><td><code>{top}</code></td><td class="num">{count:,}</td>', html)
    for event_type, n in types.items():
        assert f'<td><code>{event_type}</code></td><td class="num">{n:,}</td>' in html, event_type
    _, catalog = csv_of(demo, "items_import")
    cold = set(catalog["ITEM_ID"].to_pylist()) - set(items)
    assert stat(html, r"Cold items \(no interactions\)") == f"{len(cold):,}"
    genre = dict(zip(catalog["ITEM_ID"].to_pylist(), catalog["GENRE"].to_pylist()))[top]
    assert "<th>GENRE</th>" in html and f"<td>{genre}</td>" in html
    lengths = Counter(users).values()
    assert '"labels":["1","2–4","5–9","10–19","20–49","50–99","100+"]' in html
    assert f'"data":{[n for _, n in history_bins(list(lengths))]}'.replace(" ", "") in html
    for key in ("data_key", "dataset_group_arn", "item_count"):
        assert key not in html, key


def test_items_insights_equal_the_csv(demo):
    arn, table = csv_of(demo, "items_import")
    html = panel(demo, arn)
    assert stat(html, "Rows") == f"{table.num_rows:,}"
    assert stat(html, "Distinct items") == f"{len(set(table['ITEM_ID'].to_pylist())):,}"
    genres = Counter(table["GENRE"].to_pylist())
    genre, n = min(genres.items(), key=lambda kv: (-kv[1], kv[0]))
    row = html[html.index("<code>GENRE</code>"):]
    row = row[:row.index("</tr>")]
    assert f'<td class="num">{len(genres)}</td>' in row
    assert f'<code>{genre}</code> <span class="muted">{n:,}</span>' in row
    years = table["YEAR"].to_pylist()
    row = html[html.index("<code>YEAR</code>"):]
    row = row[:row.index("</tr>")]
    assert f"{min(years)} to {max(years)}" in row
    assert 'data-chart="insight-items-1"' in html  # GENRE's top values


@pytest.mark.parametrize("dataset_type", ["INTERACTIONS", "ITEMS"])
def test_dataset_pages_have_the_insights_charts(demo, dataset_type):
    arn, _ = csv_of(demo, f"{dataset_type.lower()}_import")
    html = panel(demo, arn)
    charts = re.findall(r'data-chart="([^"]+)"', html)
    assert charts and all(f'<script type="application/json" id="{c}">' in html for c in charts)


def test_long_empty_stretches_of_the_timeline_collapse_into_one_bucket():
    from tastemaker.console.insights import collapse_gaps

    labels = [f"w{n}" for n in range(20)]
    counts = [3, 0, 2, *[0] * 10, 5, 0, 0, 1, 0, 0, 0]
    got_labels, got_counts = collapse_gaps(labels, counts, "week")
    assert got_labels == ["w0", "w1", "w2", "… 10 empty weeks …", "w13", "w14", "w15", "w16", "w17", "w18", "w19"]
    assert got_counts == [3, 0, 2, 0, 5, 0, 0, 1, 0, 0, 0]
    assert collapse_gaps([], [], "day") == ([], [])
    assert collapse_gaps(["a"] * 8, [0] * 8, "day") == (["… 8 empty days …"], [0])
