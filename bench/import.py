"""Benchmark: rows/s of the dataset import job (CSV -> validated Parquet) on the POC file and a 25M-row file.

Usage: python bench/import.py [--rows 25000000] [--skip-large]
Each case runs in its own process (inline executor) so that the peak RSS is that case's alone.
The large file (ML-25M shape: 162,541 users, 62,423 items, random timestamps) is generated once into /tmp.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def generate(path: Path, rows: int, seed: int = 7) -> Path:
    """USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE with ML-25M's cardinalities, written in 1M-row chunks."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    tmp = path.with_suffix(".partial")
    schema = pa.schema([("USER_ID", pa.string()), ("ITEM_ID", pa.string()), ("TIMESTAMP", pa.int64()),
                        ("EVENT_TYPE", pa.string())])
    types = pa.array(["click", "watch"])
    with pacsv.CSVWriter(str(tmp), schema, write_options=pacsv.WriteOptions(quoting_style="none")) as writer:
        for start in range(0, rows, 1_000_000):
            n = min(1_000_000, rows - start)
            writer.write_table(pa.table({
                "USER_ID": pa.array(rng.integers(1, 162_542, n)).cast(pa.string()),
                "ITEM_ID": pa.array(rng.integers(1, 62_424, n)).cast(pa.string()),
                "TIMESTAMP": pa.array(np.sort(rng.integers(789_652_009, 1_574_327_703, n))),
                "EVENT_TYPE": types.take(pa.array(rng.integers(0, 2, n))),
            }, schema=schema))
    tmp.rename(path)
    return path


def run_one(csv_path: str) -> dict:
    """Import one file through CreateDatasetImportJob (inline executor) and report time and peak RSS."""
    import tastemaker
    from tests.poc import INTERACTIONS_SCHEMA

    with tempfile.TemporaryDirectory(prefix="tm-bench-") as tmp, \
            tastemaker.embedded(Path(tmp) / "data", executor="inline", local_roots=[Path(csv_path).parent]) as emb:
        p = emb.personalize
        group = p.create_dataset_group(name="bench")["datasetGroupArn"]
        schema = p.create_schema(name="bench", schema=INTERACTIONS_SCHEMA)["schemaArn"]
        dataset = p.create_dataset(name="bench", schemaArn=schema, datasetGroupArn=group,
                                   datasetType="Interactions")["datasetArn"]
        start = time.perf_counter()
        arn = p.create_dataset_import_job(jobName="bench", datasetArn=dataset,
                                          dataSource={"dataLocation": csv_path})["datasetImportJobArn"]
        seconds = time.perf_counter() - start
        job = emb.service.store.get("dataset_import_job", arn)
        if job["status"] != "ACTIVE":
            raise SystemExit(f"import failed: {job.get('failure_reason')}")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {"rows": job["records_imported"], "seconds": seconds, "peak_rss_mb": rss,
                "csv_mb": Path(csv_path).stat().st_size / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=25_000_000)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    from tests.poc import poc_interactions_csv

    cases = [("POC ml-latest-small", poc_interactions_csv(Path(tempfile.mkdtemp(prefix="tm-poc-"))))]
    if not args.skip_large:
        cases.append((f"generated {args.rows:,}", generate(Path(f"/tmp/tastemaker-bench-{args.rows}.csv"), args.rows)))
    print(f"{'case':<24} {'rows':>12} {'CSV MB':>8} {'seconds':>8} {'rows/s':>12} {'peak RSS MB':>12}")
    for name, path in cases:
        out = subprocess.run([sys.executable, __file__, "--one", str(path)], capture_output=True, text=True)
        if out.returncode:
            print(f"{name:<24} failed: {out.stderr.strip()[-500:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{name:<24} {r['rows']:>12,} {r['csv_mb']:>8.0f} {r['seconds']:>8.2f} "
              f"{r['rows'] / r['seconds']:>12,.0f} {r['peak_rss_mb']:>12.0f}")


if __name__ == "__main__":
    main()
