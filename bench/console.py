"""Console benchmark: how long each console page takes to render for a dataset group of --rows interactions.

Builds an embedded Tastemaker in a temporary folder: a synthetic group (--rows interactions, --users users,
--items items, with an Items dataset), an aws-sims and an aws-user-personalization version, a campaign on each,
an event tracker with --events streamed events. Then renders each page through the server's own request handler
(no socket): the first view (cold: data insights and counts computed, item metadata read) and the median of
--repeat later views (warm). Prints one table.
Usage: python bench/console.py [--rows 1000000] [--users 20000] [--items 20000] [--events 2000] [--repeat 5]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ROLE = "arn:aws:iam::000000000000:role/r"


def wait(read, timeout: float = 3600) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        found = read()
        if found["status"] in ("ACTIVE", "CREATE FAILED") or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def build(emb, folder: Path, args) -> dict[str, str]:
    from tastemaker.synthetic import INTERACTIONS_SCHEMA, ITEMS_SCHEMA, generate

    p = emb.personalize
    csv = generate(n_users=args.users, n_items=args.items, n_interactions=args.rows, seed=7).write_csv(folder)
    group = p.create_dataset_group(name="bench-console")["datasetGroupArn"]
    arns = {"group": group}
    for kind, schema in (("Interactions", INTERACTIONS_SCHEMA), ("Items", ITEMS_SCHEMA)):
        schema_arn = p.create_schema(name=f"bench-{kind}", schema=schema)["schemaArn"]
        dataset = p.create_dataset(name=f"bench-{kind}", schemaArn=schema_arn, datasetGroupArn=group,
                                   datasetType=kind)["datasetArn"]
        arns[kind] = dataset
        job = p.create_dataset_import_job(jobName=f"bench-{kind}", datasetArn=dataset, roleArn=ROLE,
                                          dataSource={"dataLocation": str(csv[kind.lower()])})
        assert wait(lambda: p.describe_dataset_import_job(datasetImportJobArn=job["datasetImportJobArn"])
                    ["datasetImportJob"])["status"] == "ACTIVE"
    for recipe in ("aws-sims", "aws-user-personalization"):
        solution = p.create_solution(name=recipe, datasetGroupArn=group,
                                     recipeArn=f"arn:aws:personalize:::recipe/{recipe}")["solutionArn"]
        version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
        assert wait(lambda: p.describe_solution_version(solutionVersionArn=version)["solutionVersion"])[
            "status"] == "ACTIVE"
        campaign = p.create_campaign(name=recipe, solutionVersionArn=version)["campaignArn"]
        wait(lambda: p.describe_campaign(campaignArn=campaign)["campaign"])
        arns[f"version:{recipe}"], arns[f"campaign:{recipe}"] = version, campaign
    tracker = p.create_event_tracker(name="bench", datasetGroupArn=group)
    arns["tracker"] = tracker["eventTrackerArn"]
    now = time.time()
    for start in range(0, args.events, 10):
        emb.events.put_events(trackingId=tracker["trackingId"], userId=f"u{start % args.users}", sessionId="s",
                              eventList=[{"eventType": "watch", "itemId": f"i{(start + k) % args.items}",
                                          "sentAt": now - (start + k)} for k in range(min(10, args.events - start))])
    return arns


def page(arn: str) -> str:
    return "/console/resource/" + quote(arn, safe=":/")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import tastemaker
    from tastemaker.api.app import handle

    with tempfile.TemporaryDirectory(prefix="tastemaker-bench-console-") as tmp:
        emb = tastemaker.embedded(Path(tmp) / "data", local_roots=[tmp])
        try:
            started = time.perf_counter()
            arns = build(emb, Path(tmp) / "csv", args)
            print(f"built: {args.rows:,} interactions, {args.users:,} users, {args.items:,} items, 2 versions, "
                  f"2 campaigns, {args.events:,} events in {time.perf_counter() - started:.1f} s\n")
            pages = [
                ("overview", "/console", ""),
                ("dataset group", page(arns["group"]), ""),
                ("interactions dataset (insights)", page(arns["Interactions"]), ""),
                ("items dataset (insights)", page(arns["Items"]), ""),
                ("solution version", page(arns["version:aws-user-personalization"]), ""),
                ("compare (group)", "/console/compare", "group=" + quote(arns["group"], safe=":/")),
                ("campaign, Try it for a user", page(arns["campaign:aws-user-personalization"]), "userId=u7"),
                ("campaign, Try it for an item", page(arns["campaign:aws-sims"]), "itemId=i7"),
                ("event tracker", page(arns["tracker"]), ""),
                ("jobs JSON", "/console/api/jobs", "arns=" + quote(arns["version:aws-sims"], safe=":/")),
            ]
            print(f"| page | first view ms | later views ms (median of {args.repeat}) | HTML KB |")
            print("|---|---:|---:|---:|")
            for name, path, query in pages:
                times, size = [], 0
                for _ in range(1 + args.repeat):
                    t0 = time.perf_counter()
                    status, _, body = handle(emb.service, "GET", path, {}, b"", query=query)
                    times.append((time.perf_counter() - t0) * 1000)
                    assert status == 200, (name, status, body[:300])
                    size = len(body)
                print(f"| {name} | {times[0]:.0f} | {statistics.median(times[1:]):.0f} | {size / 1024:.0f} |")
        finally:
            emb.close()


if __name__ == "__main__":
    main()
