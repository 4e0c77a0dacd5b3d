"""Observability: a structured log line per request and per job transition, Prometheus /metrics, /health and
/ready — through a real `tastemaker serve`, and /health's failures on a real broken store and lake."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from tastemaker.api.app import App
from tastemaker.cli import cli
from tastemaker.service import Service
from tastemaker.settings import Settings
from tastemaker.synthetic import INTERACTIONS_SCHEMA
from tests.conftest import Server, wait_for


class LoggedServer(Server):
    """A real `tastemaker serve` logging at INFO into a file (its stderr)."""

    def start(self, timeout: float = 30.0, *extra: str) -> LoggedServer:
        self.log_path = self.data_dir.parent / "serve.log"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tastemaker", "serve", "--port", str(self.port), "--data-dir", str(self.data_dir),
             "--log-level", "info", *extra], env=self.env, stderr=self._log, stdout=subprocess.DEVNULL)
        wait_for(self.url + "/", timeout)
        return self

    def stop(self) -> None:
        super().stop()
        self._log.close()

    def lines(self) -> list[str]:
        return self.log_path.read_text().splitlines()


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _import(p, dataset: str, name: str, csv: Path) -> str:
    arn = p.create_dataset_import_job(jobName=name, datasetArn=dataset, roleArn="arn:aws:iam::1:role/r",
                                      dataSource={"dataLocation": str(csv)})["datasetImportJobArn"]
    deadline = time.monotonic() + 60
    while p.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"]["status"] not in (
            "ACTIVE", "CREATE FAILED"):
        assert time.monotonic() < deadline, f"import {name} did not end"
        time.sleep(0.05)
    return arn


def _wait(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not (found := predicate()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return found


def test_requests_jobs_and_events_are_json_lines_and_metrics(tmp_path):
    srv = LoggedServer(tmp_path / "data", env={"TASTEMAKER_LOG_FORMAT": "json"}).start()
    try:
        p, events = srv.client("personalize"), srv.client("personalize-events")
        created = p.create_dataset_group(name="obs")
        group, request_id = created["datasetGroupArn"], created["ResponseMetadata"]["RequestId"]
        with pytest.raises(p.exceptions.ResourceNotFoundException) as missing:
            p.describe_dataset_group(datasetGroupArn=group + "-missing")
        schema = p.create_schema(name="obs", schema=INTERACTIONS_SCHEMA)["schemaArn"]
        dataset = p.create_dataset(name="obs", schemaArn=schema, datasetGroupArn=group,
                                   datasetType="Interactions")["datasetArn"]
        _wait(lambda: p.describe_dataset(datasetArn=dataset)["dataset"]["status"] == "ACTIVE")
        files = srv.data_dir / "files"  # the default local root
        files.mkdir(parents=True, exist_ok=True)
        (files / "good.csv").write_text("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n"
                                        + "".join(f"u{i % 7},i{i % 11},{1_700_000_000 + i},click\n" for i in range(1200)))
        (files / "bad.csv").write_text("USER_ID,TIMESTAMP\nu1,1700000000\n")  # no ITEM_ID: the import fails
        good = _import(p, dataset, "good", files / "good.csv")
        bad = _import(p, dataset, "bad", files / "bad.csv")
        reason = p.describe_dataset_import_job(datasetImportJobArn=bad)["datasetImportJob"]["failureReason"]
        tracking = p.create_event_tracker(name="obs", datasetGroupArn=group)["trackingId"]
        now = dt.datetime.now(dt.UTC)
        events.put_events(trackingId=tracking, userId="u1", sessionId="s1", eventList=[
            {"eventType": "click", "itemId": f"i{n}", "sentAt": now} for n in range(3)])

        # one JSON line per request: operation, status, error code, ms, request id, service
        requests = _wait(lambda: [r for r in srv_lines_json(srv) if r.get("logger") == "tastemaker.requests"
                                  and r["operation"] == "PutEvents"] and [
            r for r in srv_lines_json(srv) if r.get("logger") == "tastemaker.requests"])
        ok = next(r for r in requests if r["request_id"] == request_id)
        assert ok["operation"] == "CreateDatasetGroup" and ok["status"] == 200 and ok["service"] == "personalize"
        assert ok["error_code"] is None and ok["ms"] >= 0 and ok["level"] == "INFO"
        four = next(r for r in requests if r["request_id"] == missing.value.response["ResponseMetadata"]["RequestId"])
        assert (four["operation"], four["status"], four["error_code"]) == (
            "DescribeDatasetGroup", 400, "ResourceNotFoundException")
        put = next(r for r in requests if r["operation"] == "PutEvents")
        assert put["service"] == "personalize-events" and put["status"] == 200

        # one JSON line per job transition: kind, resource ARN, status, seconds since it started, failure reason
        def transitions(arn: str) -> list[dict]:
            return [r for r in srv_lines_json(srv) if r.get("logger") == "tastemaker.jobs.transitions"
                    and r["arn"] == arn]

        moves = _wait(lambda: len(transitions(good)) >= 2 and transitions(good))
        assert [m["status"] for m in moves] == ["IN_PROGRESS", "ACTIVE"]
        assert all(m["seconds"] >= 0 and m["job_kind"] for m in moves) and moves[1]["reason"] is None
        failed = _wait(lambda: [m for m in transitions(bad) if m["status"] == "FAILED"])[0]
        assert failed["reason"] == reason and failed["level"] == "WARNING"
        kind = failed["job_kind"]

        # Prometheus /metrics: requests by operation and status, job transitions, events, queue depth by lane
        status, headers, body = get(srv.url + "/metrics")
        assert status == 200 and headers["content-type"].startswith("text/plain; version=")
        found = samples(body.decode())
        assert found[("tastemaker_requests_total", frozenset(
            {"service": "personalize", "operation": "CreateDatasetGroup", "status": "200"}.items()))] == 1
        assert found[("tastemaker_requests_total", frozenset(
            {"service": "personalize", "operation": "DescribeDatasetGroup", "status": "400"}.items()))] == 1
        assert found[("tastemaker_request_duration_seconds_count", frozenset(
            {"service": "personalize-events", "operation": "PutEvents"}.items()))] == 1
        assert found[("tastemaker_job_transitions_total", frozenset({"kind": kind, "status": "ACTIVE"}.items()))] >= 1
        assert found[("tastemaker_job_transitions_total", frozenset({"kind": kind, "status": "FAILED"}.items()))] == 1
        assert found[("tastemaker_events_ingested_total", frozenset())] == 3
        assert found[("tastemaker_jobs_pending", frozenset({"lane": "heavy"}.items()))] == 0
        assert ("tastemaker_jobs_running", frozenset({"lane": "light"}.items())) in found

        assert get(srv.url + "/health")[:3:2] == (200, b'{"status":"ok","store":"ok","lake":"ok"}')
        assert get(srv.url + "/ready")[0] == 200
    finally:
        srv.stop()


def srv_lines_json(srv: LoggedServer) -> list[dict]:
    return [json.loads(line) for line in srv.lines() if line.startswith("{")]


def test_text_lines_by_default_with_the_fields(tmp_path):
    srv = LoggedServer(tmp_path / "data").start()
    try:
        p = srv.client("personalize")
        request_id = p.list_dataset_groups()["ResponseMetadata"]["RequestId"]
        line = _wait(lambda: [ln for ln in srv.lines() if request_id in ln])[0]
        assert " INFO tastemaker.requests: request operation=ListDatasetGroups status=200 error_code=- ms=" in line
        assert line.endswith(f"request_id={request_id} service=personalize")
        assert get(srv.url + "/nowhere")[0] == 404
        line = _wait(lambda: [ln for ln in srv.lines() if "operation=Unknown" in ln])[0]
        assert "status=404 error_code=UnknownOperationException" in line
    finally:
        srv.stop()


def test_log_format_flag_takes_text_or_json_only():
    result = CliRunner().invoke(cli, ["serve", "--log-format", "xml"])
    assert result.exit_code == 2 and "'text'" in result.output and "'json'" in result.output


async def _asgi_get(app: App, path: str) -> tuple[int, dict]:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await app({"type": "http", "method": "GET", "path": path, "headers": []}, receive, send)
    return sent[0]["status"], orjson.loads(sent[1]["body"])


async def _lifespan(app: App, phase: str) -> None:
    messages = [{"type": f"lifespan.{phase}"}]
    if phase == "startup":
        messages.append({"type": "lifespan.shutdown"})  # (not sent: the task is cancelled after startup)
    done = asyncio.Event()

    async def receive() -> dict:
        if messages:
            return messages.pop(0)
        await asyncio.Event().wait()

    async def send(message: dict) -> None:
        if message["type"].endswith(".complete"):
            done.set()

    task = asyncio.create_task(app({"type": "lifespan"}, receive, send))
    await done.wait()
    task.cancel()


def test_health_names_a_broken_store_or_lake_and_ready_waits_for_the_start(tmp_path):
    service = Service(Settings(data_dir=tmp_path / "data", executor="inline", auto_training_check_seconds=0))
    app = App(service)

    async def scenario() -> list:
        seen = [await _asgi_get(app, "/ready"), await _asgi_get(app, "/health")]
        await _lifespan(app, "startup")
        seen.append(await _asgi_get(app, "/ready"))
        lake_root = Path(service.lake.root)
        moved = lake_root.with_name("lake-moved")
        lake_root.rename(moved)  # the lake's folder is gone (an unmounted volume)
        seen.append(await _asgi_get(app, "/health"))
        moved.rename(lake_root)
        seen.append(await _asgi_get(app, "/health"))
        service.store.close()  # its pooled connections go; the next one opens what the file now holds
        database = tmp_path / "data" / "tastemaker.db"
        shutil.copy(database, tmp_path / "db.bak")
        database.write_bytes(b"this is not a database" * 512)
        seen.append(await _asgi_get(app, "/health"))
        shutil.copy(tmp_path / "db.bak", database)
        return seen

    try:
        seen = asyncio.run(scenario())
    finally:
        service.close()
    assert seen[0] == (503, {"status": "starting"})
    assert seen[1] == (200, {"status": "ok", "store": "ok", "lake": "ok"})
    assert seen[2] == (200, {"status": "ready"})
    assert seen[3] == (503, {"status": "failed", "store": "ok", "lake": "failed"})
    assert seen[4] == (200, {"status": "ok", "store": "ok", "lake": "ok"})
    assert seen[5] == (503, {"status": "failed", "store": "failed", "lake": "ok"})
