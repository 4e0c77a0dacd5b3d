"""Serving benchmark: GetRecommendations (plain, filtered) and PutEvents against a real `tastemaker serve`.

Starts a server on loopback, imports the POC MovieLens data, trains aws-user-personalization, deploys a campaign,
then drives it from SEPARATE processes (http.client, keep-alive): open-loop latency at a fixed rate, closed-loop
maximum throughput, PutEvents events/s (each answered only after the SQLite commit), and the time from a PutEvents
to a changed recommendation. Usage: python bench/serve.py [--rate 500] [--seconds 10] [--keep DIR]
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

USERS = [str(u) for u in range(1, 611)]


def _post(conn: http.client.HTTPConnection, path: str, body: bytes) -> tuple[int, bytes]:
    conn.request("POST", path, body=body, headers={"content-type": "application/json"})
    resp = conn.getresponse()
    return resp.status, resp.read()


def _bodies(kind: str, spec: dict, n: int, seed: int) -> list[tuple[str, bytes]]:
    out = []
    for k in range(n):
        user = USERS[(seed * 7919 + k * 31) % len(USERS)]
        if kind == "events":
            events = [{"eventType": "watch", "sentAt": time.time(), "itemId": str(1 + (k * 13 + j) % 9000),
                       "eventId": f"{spec['batch']}-{seed}-{k}-{j}"} for j in range(spec["batch"])]
            body = {"trackingId": spec["tracking"], "userId": f"bench-{user}", "sessionId": f"s-{seed}",
                    "eventList": events}
            out.append(("/events", json.dumps(body).encode()))
        else:
            body = {"campaignArn": spec["campaign"], "userId": user}
            if kind == "filtered":
                body["filterArn"] = spec["filter"]
            out.append(("/recommendations", json.dumps(body).encode()))
    return out


def _worker(port: int, kind: str, spec: dict, rate: float, seconds: float, seed: int, queue: mp.Queue) -> None:
    """Open loop when rate > 0 (latency from the scheduled send time), else closed loop as fast as possible."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    n = int(rate * seconds) if rate > 0 else 200_000
    bodies = _bodies(kind, spec, min(n, 20_000), seed)
    latencies, errors, start = [], 0, time.perf_counter() + 0.2
    for k in range(n):
        scheduled = start + k / rate if rate > 0 else time.perf_counter()
        if rate > 0:
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        elif scheduled - start > seconds:
            break
        path, body = bodies[k % len(bodies)]
        try:
            status, _ = _post(conn, path, body)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status = 0
        errors += status != 200
        latencies.append(time.perf_counter() - scheduled)
    queue.put((latencies, errors, time.perf_counter() - start))


def drive(port: int, kind: str, spec: dict, procs: int, rate: float, seconds: float) -> dict:
    queue: mp.Queue = mp.Queue()
    workers = [mp.Process(target=_worker, args=(port, kind, spec, rate / procs if rate else 0, seconds, s, queue))
               for s in range(procs)]
    for w in workers:
        w.start()
    results = [queue.get(timeout=seconds + 120) for _ in workers]
    for w in workers:
        w.join()
    lat = sorted(x for r in results for x in r[0])
    wall = max(r[2] for r in results)
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else float("nan")  # noqa: E731
    return {"requests": len(lat), "errors": sum(r[1] for r in results), "per_s": len(lat) / wall,
            "p50_ms": pick(0.50), "p99_ms": pick(0.99), "max_ms": lat[-1] * 1000 if lat else float("nan")}


def event_to_change(port: int, spec: dict, tries: int = 20) -> list[float]:
    """ms from sending PutEvents for a new user to the first recommendation that differs from before."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    out = []
    for k in range(tries):
        user = f"fresh-{uuid.uuid4().hex[:8]}"
        rec = json.dumps({"campaignArn": spec["campaign"], "userId": user}).encode()
        before = json.loads(_post(conn, "/recommendations", rec)[1])["itemList"]
        watched = before[k % len(before)]["itemId"]  # an item the model knows
        event = {"trackingId": spec["tracking"], "userId": user, "sessionId": user,
                 "eventList": [{"eventType": "watch", "sentAt": time.time(), "itemId": watched}]}
        start = time.perf_counter()
        assert _post(conn, "/events", json.dumps(event).encode())[0] == 200
        while json.loads(_post(conn, "/recommendations", rec)[1])["itemList"] == before:
            if time.perf_counter() - start > 5:
                break
        out.append((time.perf_counter() - start) * 1000)
    return sorted(out)


def setup(url: str, work: Path) -> dict:
    import tastemaker
    from tests.poc import setup_poc, wait_status

    p, _, _ = tastemaker.connect(url)
    out = setup_poc(p, work / "csv", name="bench")
    group = out["dataset_group_arn"]
    solution = p.create_solution(name="bench-up", datasetGroupArn=group,
                                 recipeArn="arn:aws:personalize:::recipe/aws-user-personalization")["solutionArn"]
    wait_status(p.describe_solution, "solution", solutionArn=solution)
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    wait_status(p.describe_solution_version, "solutionVersion", timeout=600, solutionVersionArn=version)
    campaign = p.create_campaign(name="bench-up", solutionVersionArn=version)["campaignArn"]
    wait_status(p.describe_campaign, "campaign", campaignArn=campaign)
    flt = p.create_filter(name="bench-unwatched", datasetGroupArn=group,
                          filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")')["filterArn"]
    wait_status(p.describe_filter, "filter", filterArn=flt)
    tracking = p.create_event_tracker(name="bench", datasetGroupArn=group)["trackingId"]
    return {"campaign": campaign, "filter": flt, "tracking": tracking}


def start_server(work: Path) -> tuple:
    import subprocess

    from tests.conftest import free_port, wait_for

    port = free_port()
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "tastemaker", "serve", "--port", str(port), "--data-dir",
                             str(work / "data"), "--log-level", "warning"], env=env)
    wait_for(f"http://127.0.0.1:{port}/")
    return proc, port


def row(name: str, r: dict) -> str:
    return (f"| {name:<38} | {r['requests']:>8} | {r['errors']:>6} | {r['per_s']:>8.0f} | {r['p50_ms']:>7.2f} | "
            f"{r['p99_ms']:>7.2f} | {r['max_ms']:>8.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--keep", type=Path, default=None, help="keep the server's data in this folder")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="tm-bench-"))
    proc, port = start_server(work)
    try:
        spec = setup(f"http://127.0.0.1:{port}", work)
        for kind in ("plain", "filtered"):  # warm caches (models, histories, filter masks)
            drive(port, kind, spec, 1, 0, 1.0)
        print(f"\nserver pid {proc.pid}, {os.cpu_count()} CPUs, {args.seconds:.0f} s per open-loop run\n")
        print("| run                                    | requests | errors |    req/s | p50 ms  | p99 ms  |  max ms  |")
        print("|----------------------------------------|----------|--------|----------|---------|---------|----------|")
        print(row(f"GetRecommendations open loop {args.rate:.0f}/s", drive(port, "plain", spec, 2, args.rate, args.seconds)))
        print(row(f"  filtered (EXCLUDE watch) {args.rate:.0f}/s", drive(port, "filtered", spec, 2, args.rate, args.seconds)))
        print(row("GetRecommendations max (2 conns)", drive(port, "plain", spec, 2, 0, 5.0)))
        print(row("  filtered max (2 conns)", drive(port, "filtered", spec, 2, 0, 5.0)))
        spec1, spec10 = {**spec, "batch": 1}, {**spec, "batch": 10}
        one = drive(port, "events", spec1, 8, 0, 5.0)
        print(row("PutEvents max, 1 event/request, 8 conns", one) + f"  -> {one['per_s']:.0f} events/s")
        ten = drive(port, "events", spec10, 8, 0, 5.0)
        print(row("PutEvents max, 10 events/req, 8 conns", ten) + f"  -> {ten['per_s'] * 10:.0f} events/s")
        stored = sqlite3.connect(str(work / "data" / "tastemaker.db")).execute("select count(*) from events").fetchone()[0]
        accepted = one["requests"] - one["errors"] + 10 * (ten["requests"] - ten["errors"])
        print(f"\nevents accepted (200): {accepted}; durably stored (SQLite, synchronous=FULL): {stored}")
        change = event_to_change(port, spec)
        print(f"PutEvents -> changed recommendation: p50 {change[len(change) // 2]:.1f} ms, max {change[-1]:.1f} ms "
              f"({len(change)} new users)")
    finally:
        proc.terminate()
        proc.wait(10)
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
