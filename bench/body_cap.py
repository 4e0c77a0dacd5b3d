"""Oversized request bodies against a real `tastemaker serve`: the server's resident memory while N clients each send
a body of M MB at once (Content-Length given, and chunked), and what they are answered.

Usage: python bench/body_cap.py [--clients 4] [--megabytes 100]
"""
from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import free_port, wait_for  # noqa: E402

CHUNK = b"x" * (1 << 20)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def send(port: int, megabytes: int, chunked: bool, out: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"X-Amz-Target": "AmazonPersonalize.ListDatasetGroups", "Content-Type": "application/x-amz-json-1.1"}
    started = time.perf_counter()
    try:
        if chunked:
            conn.request("POST", "/", body=(CHUNK for _ in range(megabytes)), headers=headers, encode_chunked=True)
        else:
            conn.putrequest("POST", "/")
            for k, v in {**headers, "Content-Length": str(megabytes << 20)}.items():
                conn.putheader(k, v)
            conn.endheaders()
            for _ in range(megabytes):
                conn.send(CHUNK)
        resp = conn.getresponse()
        out.append((resp.status, time.perf_counter() - started))
    except OSError as exc:  # the server closed the connection once it had answered 413
        out.append((type(exc).__name__, time.perf_counter() - started))
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--megabytes", type=int, default=100)
    args = parser.parse_args()
    port, data = free_port(), tempfile.mkdtemp(prefix="tm-bodycap-")
    proc = subprocess.Popen([sys.executable, "-m", "tastemaker", "serve", "--port", str(port), "--data-dir", data,
                             "--log-level", "warning"], env=os.environ)
    try:
        wait_for(f"http://127.0.0.1:{port}/", 60)
        print("| case | clients x MB | answers | seconds (max) | RSS before MB | RSS peak MB | RSS after MB |")
        print("|---|---|---|---|---|---|---|")
        for chunked in (False, True):
            before, peak, out = rss_mb(proc.pid), 0.0, []
            threads = [threading.Thread(target=send, args=(port, args.megabytes, chunked, out))
                       for _ in range(args.clients)]
            for t in threads:
                t.start()
            while any(t.is_alive() for t in threads):
                peak = max(peak, rss_mb(proc.pid))
                time.sleep(0.02)
            time.sleep(0.5)
            answers = sorted({str(s) for s, _ in out})
            print(f"| {'chunked' if chunked else 'Content-Length'} | {args.clients} x {args.megabytes} | "
                  f"{', '.join(answers)} | {max(t for _, t in out):.2f} | {before:.0f} | {max(peak, before):.0f} | "
                  f"{rss_mb(proc.pid):.0f} |")
    finally:
        proc.terminate()
        proc.wait(30)


if __name__ == "__main__":
    main()
