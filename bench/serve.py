"""Serving benchmark: GetRecommendations and PutEvents against a real `tastemaker serve`, also beside a big import.

--case steady (default): starts a server on loopback, imports the POC MovieLens data, trains
aws-user-personalization, deploys a campaign, then drives it from SEPARATE processes (http.client, keep-alive):
open-loop latency at a fixed rate, closed-loop maximum throughput, PutEvents events/s (each answered only after the
SQLite commit), and the time from a PutEvents to a changed recommendation.
--case reload: that campaign driven open loop at --rate while a --rows synthetic FULL import runs into ANOTHER
dataset group, whose campaign is then asked (its histories reload); latency by phase.
--case load: a group's histories loaded from a --rows table in a fresh process: seconds, peak memory, and the
longest a second Python thread waited meanwhile (GIL).
--code DIR runs the server (and the load) on the tastemaker package found in DIR, e.g. an earlier version
unpacked with `git archive HEAD tastemaker | tar -x -C DIR`, to compare before and after.
Usage: python bench/serve.py [--case steady|reload|load] [--rate 500] [--seconds 10] [--rows 5000000] [--keep DIR]
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import shutil
import sqlite3
import subprocess
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


def synthetic_interactions(path: Path, rows: int, seed: int, probe: list[str] = ()) -> Path:
    """`rows` interactions in plain numpy: lognormal user activity, Zipf items, click/watch, whole-second times
    (ties), sorted by time; then user "probe" clicks the `probe` items. USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    n_users, n_items = max(100, rows // 32), max(100, rows // 100)
    activity = rng.lognormal(0.0, 1.0, n_users)
    users = rng.choice(n_users, rows, p=activity / activity.sum())
    weight = 1.0 / np.arange(1, n_items + 1) ** 1.05
    items = rng.permutation(n_items)[rng.choice(n_items, rows, p=weight / weight.sum())]
    stamps = np.sort(1_672_531_200 + rng.integers(0, 180 * 86_400, rows))
    kinds = np.where(rng.random(rows) < 0.7, "click", "watch")

    def tagged(prefix: str, ids: np.ndarray) -> pa.Array:
        return pc.binary_join_element_wise(prefix, pc.cast(pa.array(ids), pa.string()), "")

    table = pa.table({"USER_ID": tagged("u", users), "ITEM_ID": tagged("i", items), "TIMESTAMP": stamps,
                      "EVENT_TYPE": kinds})
    if probe:
        extra = pa.table({"USER_ID": ["probe"] * len(probe), "ITEM_ID": list(probe),
                          "TIMESTAMP": np.full(len(probe), stamps[-1] + 1), "EVENT_TYPE": ["click"] * len(probe)})
        table = pa.concat_tables([table, extra])
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))
    return path


def _import(p, dataset: str, path: Path, name: str) -> float:
    from tests.poc import wait_status

    start = time.perf_counter()
    job = p.create_dataset_import_job(jobName=name, datasetArn=dataset, dataSource={"dataLocation": str(path)},
                                      roleArn="arn:aws:iam::000000000000:role/R")["datasetImportJobArn"]
    done = wait_status(p.describe_dataset_import_job, "datasetImportJob", timeout=3600, datasetImportJobArn=job)
    if done["status"] != "ACTIVE":
        raise RuntimeError(f"import {name} failed: {done.get('failureReason')}")
    return time.perf_counter() - start


def setup_other(p, work: Path) -> dict:
    """Another dataset group: a small import, aws-popularity-count, a campaign and a filter that hides clicks."""
    from tests.poc import INTERACTIONS_SCHEMA, wait_status

    group = p.create_dataset_group(name="bench-big")["datasetGroupArn"]
    wait_status(p.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    schema = p.create_schema(name="bench-big", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    dataset = p.create_dataset(name="bench-big", schemaArn=schema, datasetGroupArn=group,
                               datasetType="Interactions")["datasetArn"]
    wait_status(p.describe_dataset, "dataset", datasetArn=dataset)
    _import(p, dataset, synthetic_interactions(work / "small.csv", 20_000, seed=1), "bench-big-small")
    solution = p.create_solution(name="bench-big", datasetGroupArn=group,
                                 recipeArn="arn:aws:personalize:::recipe/aws-popularity-count")["solutionArn"]
    wait_status(p.describe_solution, "solution", solutionArn=solution)
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    wait_status(p.describe_solution_version, "solutionVersion", timeout=600, solutionVersionArn=version)
    campaign = p.create_campaign(name="bench-big", solutionVersionArn=version)["campaignArn"]
    wait_status(p.describe_campaign, "campaign", campaignArn=campaign)
    flt = p.create_filter(name="bench-big-unclicked", datasetGroupArn=group,
                          filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")')["filterArn"]
    wait_status(p.describe_filter, "filter", filterArn=flt)
    return {"dataset": dataset, "campaign": campaign, "filter": flt}


def _paced(port: int, body: bytes, rate: float, offset: float, until, queue: mp.Queue) -> None:
    """Open loop at `rate`, every request scheduled before the wall-clock time `until.value` (set by the caller when
    the run ends): (scheduled send time, latency from it s, ok) per request."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    out, k = [], 0
    perf0, wall0 = time.perf_counter() + offset, time.time() + offset
    while wall0 + k / rate < until.value:
        scheduled = perf0 + k / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        try:
            ok = _post(conn, "/recommendations", body)[0] == 200
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            ok = False
        out.append((wall0 + scheduled - perf0, time.perf_counter() - scheduled, ok))
        k += 1
    queue.put(out)


def _phase(samples: list, start: float, end: float) -> dict:
    picked = [s for s in samples if start <= s[0] < end]
    lat = sorted(s[1] for s in picked)
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else float("nan")  # noqa: E731
    return {"requests": len(lat), "errors": sum(not s[2] for s in picked), "per_s": len(lat) / max(end - start, 1e-9),
            "p50_ms": pick(0.50), "p99_ms": pick(0.99), "max_ms": lat[-1] * 1000 if lat else float("nan")}


def reload_case(args: argparse.Namespace, work: Path) -> None:
    """Campaign A at --rate while group B takes a --rows FULL import and reloads (B asked once it is ACTIVE)."""
    import tastemaker

    proc, port = start_server(work, args.code)
    try:
        p, rt, _ = tastemaker.connect(f"http://127.0.0.1:{port}")
        spec, other = setup(f"http://127.0.0.1:{port}", work), setup_other(p, work)
        ask = lambda: [i["itemId"] for i in rt.get_recommendations(  # noqa: E731
            campaignArn=other["campaign"], userId="probe", filterArn=other["filter"])["itemList"]]
        before = ask()
        big = synthetic_interactions(work / "big.csv", args.rows, seed=2, probe=before)
        drive(port, "plain", spec, 1, 0, 1.0)  # warm campaign A
        body = json.dumps({"campaignArn": spec["campaign"], "userId": USERS[0]}).encode()
        until, queue = mp.Value("d", float("inf")), mp.Queue()
        workers = [mp.Process(target=_paced, args=(port, body, args.rate / 2, 0.5 + j / args.rate, until, queue))
                   for j in range(2)]
        for w in workers:
            w.start()
        marks = {"begin": time.time() + 0.5}
        time.sleep(args.seconds + 0.5)
        marks["start"] = time.time()
        imported_s = _import(p, other["dataset"], big, "bench-big-full")
        marks["imported"] = time.time()
        first = time.perf_counter()
        got = ask()
        first_ms = (time.perf_counter() - first) * 1000
        while got == before and time.time() - marks["imported"] < 900:
            time.sleep(0.1)
            got = ask()
        marks["reloaded"] = time.time()
        time.sleep(args.seconds)
        until.value = marks["end"] = time.time()
        samples = [s for _ in workers for s in queue.get(timeout=600)]
        for w in workers:
            w.join()
        swap_s = marks["reloaded"] - marks["imported"]
        print(f"\n{args.rows} rows imported FULL into the other group in {imported_s:.1f} s; its first request after "
              f"the import took {first_ms:.0f} ms; it served the new data {swap_s:.1f} s after the import ended. "
              f"{os.cpu_count()} CPUs (1-minute load average {os.getloadavg()[0]:.1f}), campaign A at {args.rate:.0f}/s "
              "open loop.\n")
        print(HEADER)
        print(row("A before (steady)", _phase(samples, marks["begin"], marks["start"])))
        print(row("A while B imports", _phase(samples, marks["start"], marks["imported"])))
        print(row("A while B reloads", _phase(samples, marks["imported"], marks["reloaded"])))
        print(row("A after", _phase(samples, marks["reloaded"], marks["end"])))
        print(row("A from import start to end", _phase(samples, marks["start"], marks["end"])))
    finally:
        proc.terminate()
        proc.wait(30)


def load_case(args: argparse.Namespace, work: Path) -> None:
    """Import --rows once (in-process, inline jobs; kept with --keep), then load the histories twice, each in a fresh
    process."""
    here = [sys.executable, str(Path(__file__).resolve()), "--keep", str(work)]
    if not (work / "group.json").exists():  # --keep DIR of an earlier run: reuse its import
        synthetic_interactions(work / "big.csv", args.rows, seed=2)
        subprocess.run(here + ["--case", "load-prepare"], check=True, env=_env(None))
    print(f"\nhistories of one group from {args.rows} rows, {os.cpu_count()} CPUs (1-minute load average "
          f"{os.getloadavg()[0]:.1f}), code: {args.code or ROOT}\n")
    print("| run | seconds | peak MB over start | users | items | longest wait of another thread ms | p99 wait ms |")
    print("|-----|---------|--------------------|-------|-------|-----------------------------------|-------------|")
    for run in (1, 2):
        code = ["--code", str(args.code.resolve())] if args.code else []
        done = subprocess.run(here + ["--case", "load-measure"] + code, check=True, env=_env(args.code),
                              capture_output=True, text=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"| {run} | {r['seconds']:.2f} | {r['peak_mb']:.0f} | {r['users']} | {r['items']} | "
              f"{r['max_wait_ms']:.1f} | {r['p99_wait_ms']:.1f} |")


def load_prepare(args: argparse.Namespace, work: Path) -> None:
    import tastemaker
    from tests.poc import INTERACTIONS_SCHEMA

    with tastemaker.embedded(work / "data", executor="inline") as emb:
        p = emb.personalize
        group = p.create_dataset_group(name="load")["datasetGroupArn"]
        schema = p.create_schema(name="load", schema=INTERACTIONS_SCHEMA)["schemaArn"]
        dataset = p.create_dataset(name="load", schemaArn=schema, datasetGroupArn=group,
                                   datasetType="Interactions")["datasetArn"]
        _import(p, dataset, work / "big.csv", "load")
    (work / "group.json").write_text(json.dumps({"group": group}))


def _memory(field: str) -> float:
    """VmRSS / VmHWM of this process, MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load_measure(args: argparse.Namespace, work: Path) -> None:
    import threading

    if args.code:
        sys.path.insert(0, str(args.code))
    import tastemaker
    from tastemaker.serving.histories import group_histories

    group_arn = json.loads((work / "group.json").read_text())["group"]
    with tastemaker.embedded(work / "data", executor="inline") as emb:
        ctx, waits, done = emb.service.context(), [], threading.Event()

        def tick() -> None:  # another Python thread: how long does it wait for its turn?
            last = time.perf_counter()
            while not done.is_set():
                time.sleep(0.001)
                now = time.perf_counter()
                waits.append(now - last - 0.001)
                last = now

        base = _memory("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        start = time.perf_counter()
        group = group_histories(ctx, group_arn)
        seconds = time.perf_counter() - start
        done.set()
        ticker.join()
        waits.sort()
        print(json.dumps({"seconds": seconds, "peak_mb": _memory("VmHWM") - base, "users": len(group.users),
                          "items": len(group.item_list), "max_wait_ms": waits[-1] * 1000,
                          "p99_wait_ms": waits[int(0.99 * len(waits))] * 1000}))


def start_server(work: Path, code: Path | None = None) -> tuple:
    from tests.conftest import free_port, wait_for

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tastemaker", "serve", "--port", str(port), "--data-dir",
                             str(work / "data"), "--log-level", "warning"], env=_env(code), cwd=str(code or ROOT))
    wait_for(f"http://127.0.0.1:{port}/")
    return proc, port


def _env(code: Path | None) -> dict[str, str]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(code.resolve()), str(ROOT)])
    return env


def row(name: str, r: dict) -> str:
    return (f"| {name:<38} | {r['requests']:>8} | {r['errors']:>6} | {r['per_s']:>8.0f} | {r['p50_ms']:>7.2f} | "
            f"{r['p99_ms']:>7.2f} | {r['max_ms']:>8.2f} |")


HEADER = ("| run                                    | requests | errors |    req/s | p50 ms  | p99 ms  |  max ms  |\n"
          "|----------------------------------------|----------|--------|----------|---------|---------|----------|")


def steady(args: argparse.Namespace, work: Path) -> None:
    proc, port = start_server(work, args.code)
    try:
        spec = setup(f"http://127.0.0.1:{port}", work)
        for kind in ("plain", "filtered"):  # warm caches (models, histories, filter masks)
            drive(port, kind, spec, 1, 0, 1.0)
        print(f"\nserver pid {proc.pid}, {os.cpu_count()} CPUs, {args.seconds:.0f} s per open-loop run\n")
        print(HEADER)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=("steady", "reload", "load", "load-prepare", "load-measure"),
                        default="steady")
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rows", type=int, default=5_000_000, help="rows of the big import (reload, load)")
    parser.add_argument("--code", type=Path, default=None, help="folder holding the tastemaker package to serve")
    parser.add_argument("--keep", type=Path, default=None, help="keep the server's data in this folder")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="tm-bench-"))
    try:
        {"steady": steady, "reload": reload_case, "load": load_case, "load-prepare": load_prepare,
         "load-measure": load_measure}[args.case](args, work)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
