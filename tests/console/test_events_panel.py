"""The event tracker's live events panel and its JSON poll."""
from __future__ import annotations

import json
import time
from urllib.parse import quote, urlencode

from tests.console.test_pages import get


def poll(demo, **query: str) -> dict:
    status, kind, body = get(demo.server.url + "/console/api/events?"
                             + urlencode({"tracker": demo.arns["event_tracker"], **query}))
    assert status == 200 and kind == "application/json", body
    return json.loads(body)


def test_the_endpoint_gives_the_demo_events_newest_first(demo):
    data = poll(demo, user=demo.user)
    mine = [e for e in data["events"] if e["sessionId"] == "demo-session"]
    assert [e["itemId"] for e in mine] == [e["itemId"] for e in demo.events]  # i1 (newest) … i5
    assert [e["timestamp"] for e in mine] == sorted((e["timestamp"] for e in mine), reverse=True)
    assert all(e["userId"] == demo.user and e["eventType"] == "watch" for e in mine)
    times = [e["timestamp"] for e in data["events"]]
    assert times == sorted(times, reverse=True)  # newest sentAt first (whatever order they were sent in)
    assert data["lastId"] == max(e["id"] for e in data["events"])


def test_per_minute_counts_and_totals(demo):
    data = poll(demo)
    minutes = data["minutes"]
    start, counts = minutes["start"], minutes["counts"]
    assert len(counts) == len(minutes["labels"]) == 60 and start % 60 == 0
    assert start <= time.time() < start + 3600
    expected = [0] * 60
    for e in data["events"]:  # every event of the group (fewer than 50 here)
        slot = int((e["timestamp"] - start) // 60)
        if 0 <= slot < 60:
            expected[slot] += 1
    assert counts == expected and sum(counts) >= 5
    assert data["totals"]["hour"] >= 5 and data["totals"]["today"] >= 1
    for e in demo.events:
        assert counts[int((e["sentAt"] - start) // 60)] >= 1


def test_after_gives_only_newer_events(demo):
    last = poll(demo)["lastId"]
    assert poll(demo, after=str(last))["events"] == []
    demo.client("personalize-events").put_events(
        trackingId=demo.tracking_id, userId="live-user", sessionId="live-session",
        eventList=[{"eventType": "watch", "itemId": "i9", "sentAt": time.time(), "eventId": "live-1"}])
    deadline = time.monotonic() + 10
    while True:
        data = poll(demo, after=str(last))
        if data["events"] or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert [(e["userId"], e["itemId"], e["sessionId"]) for e in data["events"]] == [("live-user", "i9", "live-session")]
    assert data["lastId"] > last and data["lastId"] == data["events"][0]["id"]
    assert poll(demo, after=str(data["lastId"]))["events"] == []


def test_effect_on_a_user_equals_boto3(demo):
    campaign = demo.arns["campaign:aws-user-personalization"]
    data = poll(demo, user=demo.user, campaign=campaign)
    effect = data["effect"]
    expected = demo.client("personalize-runtime").get_recommendations(campaignArn=campaign, userId=demo.user,
                                                                      numResults=10)["itemList"]
    assert effect["error"] is None and effect["campaignArn"] == campaign
    assert [i["itemId"] for i in effect["items"]] == [i["itemId"] for i in expected]
    assert [i["score"] for i in effect["items"]] == [i["score"] for i in expected]
    assert [e["itemId"] for e in effect["events"]][:5] == [e["itemId"] for e in demo.events]
    assert effect["columns"] == ["GENRE", "YEAR"] and all(len(i["metadata"]) == 2 for i in effect["items"])
    # ranking campaigns are not offered (they need an input list)
    assert demo.arns["campaign:aws-personalized-ranking"] not in [c["arn"] for c in data["campaigns"]]


def test_the_tracker_page_shows_the_panel(demo):
    url = demo.server.url + "/console/resource/" + quote(demo.arns["event_tracker"], safe=":/")
    status, _, body = get(url + "?" + urlencode({"user": "<b>x</b>"}))
    assert status == 200
    assert 'class="events-live"' in body and "/console/api/events?tracker=" in body
    assert 'data-chart="events-per-minute"' in body and "Events per minute" in body
    assert "demo-session" in body and "<b>x</b>" not in body and "&lt;b&gt;x&lt;/b&gt;" in body
    status, _, body = get(url)
    assert f'value="{demo.user}"' in body or "live-user" in body  # the newest event's user by default
    assert get(demo.server.url + "/console/api/events?tracker=nope")[0] == 404


def test_per_minute_buckets():
    from tastemaker.console.events_panel import per_minute

    now = 1_800_000_030.0  # 30 s into a minute
    start = 1_800_000_000 - 59 * 60  # the current minute is the last of 60
    out = per_minute([now, now - 31, now - 60, start, start - 0.5, now - 5000, now + 120], now)
    assert out["start"] == start and out["labels"][-1] == "08:00" and out["labels"][0] == "07:01"
    assert out["counts"][-1] == 1 and out["counts"][-2] == 2 and out["counts"][0] == 1 and sum(out["counts"]) == 4
