"""Request hygiene against a real `tastemaker serve`: body cap, body deadline, JSON nesting, Host and Origin."""
from __future__ import annotations

import http.client
import json
import socket
import time

import boto3
import pytest

from tastemaker.api.limits import Limits, json_depth_exceeds
from tastemaker.store import open_store
from tests.conftest import Server

CREATE_GROUP = {"X-Amz-Target": "AmazonPersonalize.CreateDatasetGroup", "Content-Type": "application/x-amz-json-1.1"}


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("limited"), {"TASTEMAKER_MAX_BODY_BYTES": "1000000",
                                                     "TASTEMAKER_BODY_TIMEOUT_SECONDS": "1.5"}).start()
    yield srv
    srv.stop()


def raw(server: Server, method: str, path: str, headers: dict[str, str], body: bytes = b"{}"):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def exchange(server: Server, head: bytes, chunks: list[bytes], timeout: float = 10.0) -> tuple[bytes, float]:
    """Send a request's head and some body chunks over a raw socket (stopping when the server hangs up), then
    read what comes back until the server closes; returns (response bytes, seconds waited for them)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(head)
        for chunk in chunks:
            try:
                sock.sendall(chunk)
            except OSError:
                break
        started, data = time.monotonic(), b""
        try:
            while part := sock.recv(65536):
                data += part
        except ConnectionResetError:
            pass
        return data, time.monotonic() - started


def head(server: Server, extra: str) -> bytes:
    return (f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nX-Amz-Target: AmazonPersonalize.ListDatasetGroups"
            f"\r\nContent-Type: application/x-amz-json-1.1\r\n{extra}\r\n").encode()


def test_a_body_over_the_cap_is_answered_413_without_being_read(limited):
    data, _ = exchange(limited, head(limited, "Content-Length: 100000000\r\n"), [b"x" * 65536] * 4)
    assert data.startswith(b"HTTP/1.1 413 ") and b"RequestEntityTooLargeException" in data
    chunked = [b"%x\r\n%s\r\n" % (65536, b"x" * 65536)] * 40  # 2.6 MB announced by no Content-Length
    data, _ = exchange(limited, head(limited, "Transfer-Encoding: chunked\r\n"), chunked)
    assert data.startswith(b"HTTP/1.1 413 ") and b"RequestEntityTooLargeException" in data
    assert raw(limited, "POST", "/", {**CREATE_GROUP}, json.dumps({"name": "small"}).encode())[0] == 200


def test_a_half_sent_body_is_answered_408_and_closed(limited):
    data, waited = exchange(limited, head(limited, "Content-Length: 1000\r\n"), [b'{"maxResults"'])
    assert data.startswith(b"HTTP/1.1 408 ") and b"RequestTimeoutException" in data
    assert 1.0 < waited < 6.0  # the 1.5 s deadline, and the connection closed after it


def test_a_half_sent_head_or_a_silent_connection_is_closed(limited):
    data, waited = exchange(limited, b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Tar", [])
    assert data == b"" and 1.0 < waited < 6.0
    data, waited = exchange(limited, b"", [])
    assert data == b"" and 1.0 < waited < 6.0
    conn = http.client.HTTPConnection("127.0.0.1", limited.port, timeout=10)
    for _ in range(2):  # a kept-alive connection idle between whole requests is uvicorn's keep-alive's business
        conn.request("GET", "/")
        assert conn.getresponse().read() and True
        time.sleep(2)
    conn.close()


@pytest.mark.parametrize("depth", [65, 990, 2000])
def test_deep_nesting_is_invalid_input(limited, depth):
    body = b'{"name": "deep", "tags": ' + b"[" * depth + b"]" * depth + b"}"
    status, payload = raw(limited, "POST", "/", CREATE_GROUP, body)
    assert (status, payload["__type"]) == (400, "InvalidInputException")
    assert "nests JSON deeper than 64" in payload["message"]


def test_nesting_inside_strings_does_not_count():
    assert not json_depth_exceeds(b'{"a": "' + b"[" * 500 + b'"}', 64)
    assert not json_depth_exceeds(b'{"a": "\\"' + b"[" * 500 + b'"}', 64)
    assert json_depth_exceeds(b"[" * 65 + b"]" * 65, 64) and not json_depth_exceeds(b"[" * 64 + b"]" * 64, 64)


def test_unknown_host_names_are_refused(limited):
    status, payload = raw(limited, "POST", "/", {**CREATE_GROUP, "Host": "rebind.attacker.example"},
                          json.dumps({"name": "rebound"}).encode())
    assert (status, payload["__type"]) == (421, "MisdirectedRequestException")
    status, _ = raw(limited, "GET", "/", {"Host": f"localhost:{limited.port}"})
    assert status == 200


def test_host_rules():
    default = Limits(bound_host="127.0.0.1")
    assert all(default.host_allowed(h) for h in ("127.0.0.1:8080", "localhost", "[::1]:80", "10.1.2.3", "x.localhost"))
    assert not default.host_allowed("evil.example:8080")
    listed = Limits(allowed_hosts=("api.example.com", ".internal"))
    assert listed.host_allowed("api.example.com:443") and listed.host_allowed("tm.internal")
    assert not listed.host_allowed("localhost") and listed.host_allowed("192.168.0.1")
    assert Limits(allowed_hosts=("*",)).host_allowed("anything.example")


def test_a_cross_origin_post_to_events_is_refused_and_stores_nothing(tmp_path):
    srv = Server(tmp_path / "data").start()
    try:
        personalize = boto3.client("personalize", endpoint_url=srv.url, region_name="us-east-1",
                                   aws_access_key_id="test", aws_secret_access_key="test")
        group = personalize.create_dataset_group(name="origin")["datasetGroupArn"]
        tracking = personalize.create_event_tracker(name="t", datasetGroupArn=group)["trackingId"]
        body = json.dumps({"trackingId": tracking, "sessionId": "s", "userId": "u",
                           "eventList": [{"sentAt": 1, "eventType": "click", "itemId": "1"}]}).encode()
        plain = {"Content-Type": "text/plain"}
        status, payload = raw(srv, "POST", "/events", {**plain, "Origin": "http://evil.example"}, body)
        assert (status, payload["__type"]) == (403, "AccessDeniedException")
        status, payload = raw(srv, "POST", "/events", {**plain, "Sec-Fetch-Site": "cross-site"}, body)
        assert (status, payload["__type"]) == (403, "AccessDeniedException")
        store = open_store(f"sqlite:///{srv.data_dir / 'tastemaker.db'}")
        assert store.events(group) == []
        same = {"Content-Type": "application/json", "Origin": f"http://127.0.0.1:{srv.port}"}
        assert raw(srv, "POST", "/events", same, body)[0] == 200  # same origin (and boto3, with none) pass
        assert [e["item_id"] for e in store.events(group)] == ["1"]
    finally:
        srv.stop()
