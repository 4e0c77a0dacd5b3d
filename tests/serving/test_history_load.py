"""Histories built with Arrow equal the former numpy build (ties, PutEvents, several event types, non-ASCII ids);
the first load waits, a new import reloads in the background and swaps, `forget` waits for a new load, and after a
restart warm_campaigns loads models and histories before any request."""
from __future__ import annotations

import csv
import threading
import time

import numpy as np
import pyarrow as pa
import pytest

import tastemaker
from tastemaker.data.loader import load_interactions_table
from tastemaker.errors import ResourceNotFoundException
from tastemaker.serving import histories, history_load, loading
from tastemaker.serving.histories import bulk_marker, forget, group_histories
from tastemaker.serving.models import served_model
from tastemaker.serving.warmup import refresh_after_import, warm_campaigns
from tests import serving_setup as ss
from tests.poc import INTERACTIONS_SCHEMA, wait_status

ITEMS = [f"i{k}" for k in range(40)] + ["é1", "Ä2", "z-last", "A-first", "ß"]


def _write(path, rows: int, seed: int, extra_user: str | None = None):
    """Few timestamps (many ties within a user), three event types, ids that sort differently by case and script."""
    rng = np.random.default_rng(seed)
    with open(path, "w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        w.writerow(["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"])
        for _ in range(rows):
            w.writerow([f"u{rng.integers(0, 25)}", ITEMS[rng.integers(0, len(ITEMS))],
                        1_600_000_000 + int(rng.integers(0, 8)), ("click", "watch", "buy")[rng.integers(0, 3)]])
        if extra_user:
            w.writerow([extra_user, "i0", 1_600_000_100, "click"])
    return path


def _import(p, dataset: str, path, name: str) -> None:
    job = p.create_dataset_import_job(jobName=name, datasetArn=dataset, dataSource={"dataLocation": str(path)},
                                      roleArn="arn:aws:iam::000000000000:role/R")["datasetImportJobArn"]
    done = wait_status(p.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=job)
    assert done["status"] == "ACTIVE", done.get("failureReason")


@pytest.fixture
def env(tmp_path):
    with tastemaker.embedded(tmp_path / "data", executor="inline") as emb:
        p = emb.personalize
        group = p.create_dataset_group(name="hist")["datasetGroupArn"]
        schema = p.create_schema(name="hist", schema=INTERACTIONS_SCHEMA)["schemaArn"]
        dataset = p.create_dataset(name="hist", schemaArn=schema, datasetGroupArn=group,
                                   datasetType="Interactions")["datasetArn"]
        _import(p, dataset, _write(tmp_path / "a.csv", 1500, seed=1), "first")
        tracking = p.create_event_tracker(name="hist", datasetGroupArn=group)["trackingId"]
        for user, item, stamp, kind in (("u3", "i7", 1_600_000_002, "click"), ("u3", "é1", 1_600_000_002, "watch"),
                                        ("newcomer", "brand-new", 1_600_000_001.7, "rate"),
                                        ("u4", "i1", 1_599_000_000, "buy")):
            emb.events.put_events(trackingId=tracking, userId=user, sessionId="s",
                                  eventList=[{"eventType": kind, "itemId": item, "sentAt": stamp}])
        yield {"emb": emb, "ctx": emb.service.context(), "group": group, "dataset": dataset, "tracking": tracking,
               "tmp": tmp_path}


def _reference(table: pa.Table):
    """The former build, numpy object arrays: np.unique vocabularies, lexsort by user then time."""
    users = table["USER_ID"].cast(pa.string()).to_numpy(zero_copy_only=False).astype(object)
    items = table["ITEM_ID"].cast(pa.string()).to_numpy(zero_copy_only=False).astype(object)
    stamps = table["TIMESTAMP"].cast(pa.float64()).to_numpy(zero_copy_only=False)
    types = table["EVENT_TYPE"].cast(pa.string()).fill_null("").to_numpy(zero_copy_only=False).astype(object)
    item_vocab, item_codes = np.unique(items, return_inverse=True)
    type_vocab, type_codes = np.unique(types, return_inverse=True)
    order = np.lexsort((stamps, users))
    user_sorted = users[order]
    cuts = np.flatnonzero(user_sorted[1:] != user_sorted[:-1]) + 1
    out = {}
    for s, e in zip(np.r_[0, cuts], np.r_[cuts, len(order)]):
        rows = order[s:e]
        out[str(user_sorted[s])] = (list(item_vocab[item_codes[rows]]), list(stamps[rows]),
                                    list(type_vocab[type_codes[rows]]))
    return [str(v) for v in item_vocab], [str(v) for v in type_vocab], out


def _as_strings(group, user: str):
    rows = group.users.get(user)
    return ([group.item_list[c] for c in rows.codes], list(rows.timestamps), [group.type_list[c] for c in rows.types])


def test_arrow_build_equals_the_numpy_build_with_ties_and_events(env):
    ctx, arn = env["ctx"], env["group"]
    item_list, type_list, users = _reference(load_interactions_table(ctx, arn))
    group = group_histories(ctx, arn)
    assert group.item_list == item_list and group.type_list == type_list
    assert len(group.users) == len(users) and "newcomer" in users
    for user, expected in users.items():
        assert _as_strings(group, user) == expected, user
    assert group.users.get("nobody") is None


def test_put_events_after_the_load_are_appended(env):
    ctx, arn, emb = env["ctx"], env["group"], env["emb"]
    before = _as_strings(group_histories(ctx, arn), "u5")
    emb.events.put_events(trackingId=env["tracking"], userId="u5", sessionId="s",
                          eventList=[{"eventType": "buy", "itemId": "late-item", "sentAt": 1_500_000_000}])
    after = _as_strings(group_histories(ctx, arn), "u5")
    assert after[0] == before[0] + ["late-item"] and after[2] == before[2] + ["buy"]


def test_new_import_reloads_in_the_background_and_swaps(env, monkeypatch):
    ctx, arn, emb = env["ctx"], env["group"], env["emb"]
    monkeypatch.setattr(histories, "RECHECK_S", 0.0)
    old = group_histories(ctx, arn)
    gate, read = threading.Event(), history_load.read_interactions

    def held_read(*args, **kwargs):  # the rebuild (started by the import itself) waits until the checks are done
        gate.wait(60)
        return read(*args, **kwargs)

    monkeypatch.setattr(history_load, "read_interactions", held_read)
    _import(emb.personalize, env["dataset"], _write(env["tmp"] / "b.csv", 1200, seed=2, extra_user="arrived"), "second")
    emb.events.put_events(trackingId=env["tracking"], userId="u1", sessionId="s",
                          eventList=[{"eventType": "click", "itemId": "during", "sentAt": 1_600_000_050}])
    served = group_histories(ctx, arn)  # notices the import: starts the reload, answers from the previous version
    assert served is old and "arrived" not in served.users
    assert _as_strings(served, "u1")[0][-1] == "during"  # PutEvents still reach the previous version
    gate.set()
    deadline = time.monotonic() + 60
    while histories.loaded(ctx, arn) is old:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    new = group_histories(ctx, arn)
    assert new is not old and new.bulk_marker == bulk_marker(ctx, arn, "INTERACTIONS")
    assert _as_strings(new, "arrived")[0] == ["i0"] and "during" in _as_strings(new, "u1")[0]


def test_refresh_after_import_loads_ahead_of_the_next_request(env):
    ctx, arn, emb = env["ctx"], env["group"], env["emb"]
    old = group_histories(ctx, arn)
    _import(emb.personalize, env["dataset"], _write(env["tmp"] / "c.csv", 1100, seed=3, extra_user="early"), "third")
    refresh_after_import(ctx, arn)
    running = loading.current(ctx, "histories:" + arn)
    if running is not None:
        running.wait(60)
    new = histories.loaded(ctx, arn)
    assert new is not old and "early" in new.users
    assert group_histories(ctx, arn) is new


def test_forget_makes_the_next_request_wait_for_a_new_load(env):
    ctx, arn = env["ctx"], env["group"]
    old = group_histories(ctx, arn)
    forget(ctx, arn)
    new = group_histories(ctx, arn)
    assert new is not old and _as_strings(new, "u3") == _as_strings(old, "u3")


def test_a_failed_load_raises_its_own_error_type(env):
    with pytest.raises(ResourceNotFoundException):
        served_model(env["ctx"], env["group"].replace("dataset-group", "solution") + "/missing")


def test_warm_campaigns_loads_models_and_histories_after_a_restart(tmp_path):
    with tastemaker.embedded(tmp_path / "data", executor="inline") as emb:
        group = ss.setup_group(emb.personalize, tmp_path / "csv")["dataset_group_arn"]
        version = ss.train(emb.personalize, group, "warm", "aws-popularity-count")["solution_version_arn"]
        ss.deploy(emb.personalize, "warm", version)
    with tastemaker.embedded(tmp_path / "data", executor="inline") as emb:  # a restart: nothing loaded
        ctx = emb.service.context()
        warm_campaigns(ctx)
        deadline = time.monotonic() + 60
        while version not in ctx.serving.models or histories.loaded(ctx, group) is None:
            assert time.monotonic() < deadline, "warm_campaigns did not load the campaign"
            time.sleep(0.01)
        assert len(histories.loaded(ctx, group).users) == ss.N_USERS
