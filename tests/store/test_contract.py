"""Contract suite every Store backend passes (SQLite always; PostgreSQL when available)."""
from __future__ import annotations

import threading

import pytest

from tastemaker.errors import ResourceAlreadyExistsException, ResourceNotFoundException

ARN = "arn:aws:personalize:us-east-1:000000000000:dataset-group/g1"


def _record(arn: str = ARN, **extra):
    return {"arn": arn, "name": arn.rsplit("/", 1)[1], "status": "CREATE PENDING", "creation_date_time": 1.0, **extra}


def test_insert_get_list_delete(store):
    store.insert("dataset_group", _record())
    store.insert("dataset_group", _record(ARN + "x", domain="ECOMMERCE"))
    assert store.get("dataset_group", ARN)["name"] == "g1"
    assert [r["arn"] for r in store.list("dataset_group")] == [ARN, ARN + "x"]
    assert [r["arn"] for r in store.list("dataset_group", domain="ECOMMERCE")] == [ARN + "x"]
    assert store.find("dataset", ARN) is None  # kinds are separate
    store.delete("dataset_group", ARN)
    with pytest.raises(ResourceNotFoundException, match="g1 does not exist"):
        store.get("dataset_group", ARN)


def test_duplicate_arn_is_rejected(store):
    store.insert("dataset_group", _record())
    with pytest.raises(ResourceAlreadyExistsException, match="already exists"):
        store.insert("dataset_group", _record())


def test_update_with_expected_status_is_atomic(store):
    store.insert("dataset_group", _record())
    assert store.update("dataset_group", ARN, {"status": "ACTIVE"}, expect_status=["CREATE FAILED"]) is None
    assert store.get("dataset_group", ARN)["status"] == "CREATE PENDING"
    winners = []

    def claim():
        if store.update("dataset_group", ARN, {"status": "CREATE IN_PROGRESS"}, expect_status=["CREATE PENDING"]):
            winners.append(1)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert winners == [1]
    updated = store.get("dataset_group", ARN)
    assert updated["status"] == "CREATE IN_PROGRESS" and updated["last_updated_date_time"] > 1.0


def test_update_of_missing_resource(store):
    with pytest.raises(ResourceNotFoundException):
        store.update("dataset_group", ARN, {"status": "ACTIVE"})


def test_tags(store):
    store.set_tags(ARN, {"a": "1", "b": "2"})
    store.set_tags(ARN, {"a": "3"})
    store.remove_tags(ARN, ["b"])
    assert store.get_tags(ARN) == {"a": "3"}


def test_jobs_are_claimed_once(store):
    job = store.add_job("train", ARN, {"x": 1})
    assert store.get_job(job)["payload"] == {"x": 1}
    claimed = store.claim_job(job)
    assert claimed["state"] == "running" and claimed["attempts"] == 1
    assert store.claim_job(job) is None
    store.finish_job(job, "done")
    assert store.jobs(["running", "pending"]) == []
    assert store.get_job(job)["state"] == "done"


def test_events_deduplicate_by_event_id(store):
    row = {"dataset_group_arn": ARN, "user_id": "u1", "session_id": "s", "item_id": "i1", "event_type": "click",
           "event_value": None, "timestamp": 10.0, "event_id": "e1", "recommendation_id": None, "impression": None,
           "properties": {"k": "v"}}
    assert store.append_events([row, {**row, "event_id": "e2", "item_id": "i2"}, row]) == 2
    assert store.append_events([row]) == 0
    events = store.events(ARN, user_id="u1")
    assert [e["item_id"] for e in events] == ["i1", "i2"] and events[0]["properties"] == {"k": "v"}
    assert [e["item_id"] for e in store.events(ARN, after_id=events[0]["id"])] == ["i2"]
    store.delete_live_data(dataset_group_arn=ARN)
    assert store.events(ARN) == []


def test_records_upsert_by_id(store):
    ds = ARN.replace("dataset-group/g1", "dataset/g1/ITEMS")
    store.put_records(ds, [("i1", {"genre": "A"}), ("i2", {"genre": "B"})])
    store.put_records(ds, [("i1", {"genre": "C"})])
    got = {r["record_id"]: r["properties"] for r in store.records(ds)}
    assert got == {"i1": {"genre": "C"}, "i2": {"genre": "B"}}


def test_max_event_id_and_user_deletion(store):
    assert store.max_event_id(ARN) == 0
    rows = [{"dataset_group_arn": ARN, "user_id": u, "session_id": "s", "item_id": "i", "event_type": "click",
             "event_value": None, "timestamp": 1.0, "event_id": f"e-{u}", "recommendation_id": None,
             "impression": None, "properties": {}} for u in ("u1", "u2", "u3")]
    store.append_events(rows)
    newest = store.max_event_id(ARN)
    assert newest == store.max_event_id() and newest == store.events(ARN)[-1]["id"]
    users_ds = ARN.replace("dataset-group/g1", "dataset/g1/USERS")
    store.put_records(users_ds, [("u1", {"age": "3"}), ("u9", {"age": "4"})])
    assert store.delete_user_data(ARN, ["u1", "u2"], dataset_arn=users_ds) == 3
    assert [e["user_id"] for e in store.events(ARN)] == ["u3"]
    assert [r["record_id"] for r in store.records(users_ds)] == ["u9"]


def test_claim_next_takes_the_oldest_pending_job_of_a_lane_once(store):
    heavy = store.add_job("train", ARN, {}, lane="heavy")
    light = store.add_job("deploy", ARN, {}, lane="light")
    later = store.add_job("train", ARN, {}, lane="heavy")
    assert store.claim_next("a", ["light"], 30)["id"] == light
    first = store.claim_next("b", ["heavy"], 30)
    assert (first["id"], first["owner"], first["attempts"]) == (heavy, "b", 1)
    assert store.claim_next("a", ["heavy"], 30)["id"] == later
    assert store.claim_next("a", ["heavy", "light"], 30) is None


def test_claims_race_and_no_job_is_claimed_twice(store):
    ids = [store.add_job("train", ARN, {}) for _ in range(20)]
    got: dict[str, list[int]] = {"a": [], "b": [], "c": []}

    def claim(owner: str) -> None:
        while (job := store.claim_next(owner, ["heavy"], 30)) is not None:
            got[owner].append(job["id"])

    threads = [threading.Thread(target=claim, args=(o,)) for o in got]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(sum(got.values(), [])) == ids


def test_leases_are_renewed_by_their_owner_only_and_expire(store):
    job = store.add_job("train", ARN, {})
    claimed = store.claim_next("a", ["heavy"], 0.0)
    assert store.renew_leases("b", [job], 30) == set()  # not b's
    assert [j["id"] for j in store.expired_jobs(claimed["lease_until"] + 1)] == [job]
    assert store.renew_leases("a", [job], 30) == {job}
    assert store.expired_jobs(claimed["lease_until"] + 1) == []


def test_a_running_job_moves_only_for_its_owner_or_once_its_lease_ran_out(store):
    store.insert("dataset_group", _record(status="CREATE IN_PROGRESS"))
    job = store.add_job("train", ARN, {})
    claimed = store.claim_next("a", ["heavy"], 30)
    active = ("dataset_group", ARN, {"status": "ACTIVE"}, ["CREATE IN_PROGRESS"])
    assert store.transition(job, "done", owner="b", resource=active) is None
    assert store.transition(job, "pending", expired_before=claimed["lease_until"] - 1) is None
    assert store.get("dataset_group", ARN)["status"] == "CREATE IN_PROGRESS"
    assert store.transition(job, "pending", "retried", expired_before=claimed["lease_until"] + 1)["owner"] == "a"
    assert store.get_job(job)["state"] == "pending" and store.get_job(job)["owner"] is None
    again = store.claim_next("b", ["heavy"], 30)
    assert again["attempts"] == 2
    assert store.transition(job, "done", owner="a", resource=active) is None  # a lost it: its result is dropped
    assert store.transition(job, "done", owner="b", resource=active) is not None
    assert store.get("dataset_group", ARN)["status"] == "ACTIVE" and store.get_job(job)["state"] == "done"
    assert store.transition(job, "failed", owner="b") is None  # an ended job stays ended


def test_delete_says_whether_it_removed_something(store):
    store.insert("dataset_group", _record())
    assert store.delete("dataset_group", ARN) is True
    assert store.delete("dataset_group", ARN) is False


def test_recent_events_newest_first_and_event_times_since(store):
    rows = [{"dataset_group_arn": ARN, "user_id": f"u{n % 2}", "session_id": "s", "item_id": f"i{n}",
             "event_type": "click", "event_value": None, "timestamp": 100.0 + n, "event_id": f"e{n}",
             "recommendation_id": None, "impression": None, "properties": {}} for n in range(5)]
    store.append_events(rows)
    assert [e["item_id"] for e in store.recent_events(ARN, limit=3)] == ["i4", "i3", "i2"]
    assert [e["item_id"] for e in store.recent_events(ARN, limit=10, user_id="u1")] == ["i3", "i1"]
    assert sorted(store.event_times(ARN, since=102.0)) == [102.0, 103.0, 104.0]
    assert store.count_events(ARN, since=102.0) == 3 and store.count_events(ARN) == 5
    assert store.recent_events(ARN.replace("g1", "other")) == [] and store.event_times(ARN, 1e12) == []


def test_a_running_job_reports_progress_for_any_reader(store):
    job = store.add_job("train", ARN, {})
    assert store.report_progress(job, "a", 0.5, "tuning") is False  # not running yet
    claimed = store.claim_job(job, owner="a", lease_s=30)
    assert claimed["progress"] == 0.0 and claimed["started"] is not None
    assert store.report_progress(job, "b", 0.5, "tuning") is False  # not its owner
    assert store.report_progress(job, "a", 0.25, "tuning: trial 2 of 8") is True
    assert store.report_progress(job, "a", 1.7, None) is True  # clipped; the stage stays
    found = store.jobs_of([ARN, "arn:none"])
    assert list(found) == [ARN] and found[ARN]["progress"] == 1.0 and found[ARN]["stage"] == "tuning: trial 2 of 8"
    newer = store.add_job("train", ARN, {})
    assert store.jobs_of([ARN])[ARN]["id"] == newer and store.jobs_of([]) == {}
