"""Full-page screenshots of every page of the web console, at 1280 px and at phone width (390 px), to look at
the console as a whole after changing it.

It starts a real `tastemaker serve` on a free loopback port with a temporary data folder, builds the quickstart's
dataset group through boto3 (three recipes trained and deployed), adds a parameterised filter, an event tracker
and a few PutEvents, starts one longer training (HPO, so a running job shows on the overview and its version
page), then opens each page in headless Chromium: the overview, the group, its datasets, import jobs,
solutions, solution versions, the compare page, the campaigns (Try it filled in), the filter and the event
tracker. It prints the files written and stops the server.

    python scripts/console_screenshots.py [--out console-screenshots/] [--users 300]

Needs Debian's `chromium` package (/usr/bin/chromium, or TASTEMAKER_CHROMIUM) and the `playwright` Python
package (no `playwright install`: the system browser is used)."""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import Server  # a real `tastemaker serve` on a free loopback port
from tests.console import browser  # the browser tests' launcher and checks
from tests.console.conftest import GENRE_FILTER, wait_status
DEVICES = {"desktop": browser.DESKTOP, "phone": browser.PHONE}


def url_of(arn: str) -> str:
    return "/console/resource/" + quote(arn, safe=":/")


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60]


def build(server: Server, users: int, work_dir: Path) -> tuple[list[tuple[str, str]], str]:
    """The quickstart's group and more; returns (page name, URL path) in screenshot order and the running
    version's ARN."""
    from tastemaker.quickstart import run_quickstart

    client = server.client
    p, rt = client("personalize"), client("personalize-runtime")
    started = time.monotonic()
    run = run_quickstart(p, rt, users=users, work_dir=work_dir, out=lambda line: print("  " + line), progress=False)
    arns = dict(run.arns)
    group = arns["dataset_group"]
    filter_arn = p.create_filter(name="by-genre", datasetGroupArn=group, filterExpression=GENRE_FILTER)["filterArn"]
    tracker = p.create_event_tracker(name="demo-tracker", datasetGroupArn=group)
    now = time.time()
    client("personalize-events").put_events(
        trackingId=tracker["trackingId"], userId="u7", sessionId="screenshots",
        eventList=[{"eventType": "watch", "itemId": f"i{n}", "sentAt": now - 60 * n} for n in range(1, 6)])
    solution = p.create_solution(
        name="tuned-user-personalization", datasetGroupArn=group,
        recipeArn="arn:aws:personalize:::recipe/aws-user-personalization", performHPO=True,
        solutionConfig={"hpoConfig": {"hpoResourceConfig": {"maxNumberOfTrainingJobs": "8",
                                                            "maxParallelTrainingJobs": "1"}}})["solutionArn"]
    running = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    wait_status(lambda: p.describe_solution_version(solutionVersionArn=running)["solutionVersion"],
                {"CREATE IN_PROGRESS"}, timeout=60)
    print(f"Built the group in {time.monotonic() - started:.0f} s; a tuned training runs now.")

    prefix = p.describe_dataset_group(datasetGroupArn=group)["datasetGroup"]["name"] + "-"

    def named(what: str, name: str) -> str:  # the same file names on every run: without the random prefix
        return f"{what}-{name.removeprefix(prefix)}"

    pages = [("overview", "/console"), ("version-running", url_of(running)), ("group", url_of(group))]
    for d in p.list_datasets(datasetGroupArn=group)["datasets"]:
        pages.append((named("dataset", d["name"]), url_of(d["datasetArn"])))
        for j in p.list_dataset_import_jobs(datasetArn=d["datasetArn"])["datasetImportJobs"]:
            pages.append((named("import-job", j["jobName"]), url_of(j["datasetImportJobArn"])))
    for s in p.list_solutions(datasetGroupArn=group)["solutions"]:
        pages.append((named("solution", s["name"]), url_of(s["solutionArn"])))
        for v in p.list_solution_versions(solutionArn=s["solutionArn"])["solutionVersions"]:
            if v["solutionVersionArn"] != running:
                pages.append((named("version", s["name"]), url_of(v["solutionVersionArn"])))
    pages.append(("compare", "/console/compare?group=" + quote(group, safe=":/")))
    queries = {"aws-user-personalization": "?userId=u7", "aws-sims": "?itemId=i1",
               "aws-personalized-ranking": "?userId=u7&inputList=" + quote(",".join(f"i{n}" for n in range(1, 13)))}
    for recipe, query in queries.items():
        campaign = arns[f"campaign:{recipe}"]
        pages.append((f"campaign-{recipe}", url_of(campaign)))
        pages.append((f"campaign-{recipe}-try-it", url_of(campaign) + query))
    pages += [("filter", url_of(filter_arn)), ("event-tracker", url_of(tracker["eventTrackerArn"]))]
    return pages, running


def shoot(base_url: str, pages: list[tuple[str, str]], out: Path) -> list[Path]:
    written: list[Path] = []
    with browser.launch() as chromium:
        for device, options in DEVICES.items():
            page = browser.open_page(chromium, base_url, **options)
            for n, (name, path) in enumerate(pages, 1):
                response = page.goto(path)
                page.wait_for_load_state("load")
                file = out / f"{n:02d}-{slug(name)}-{device}.png"
                page.screenshot(path=str(file), full_page=True)
                written.append(file)
                status = response.status if response is not None else "?"
                wide = browser.overflow(page)
                notes = [f"HTTP {status}"] + ([f"scrolls sideways ({wide['scrollWidth']} px)"] if wide else [])
                undrawn = browser.undrawn_charts(page)
                notes += [f"{len(undrawn)} chart(s) not drawn"] if undrawn else []
                print(f"{file}  ({', '.join(notes)})")
            if page.problems:
                print(f"Problems seen on {device}:\n  " + "\n  ".join(page.problems))
            page.context.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="console-screenshots/", help="folder for the PNG files")
    parser.add_argument("--users", type=int, default=600, help="users of the quickstart's synthetic data")
    args = parser.parse_args(argv)
    reason = browser.missing()
    if reason:
        print(f"Cannot take screenshots: {reason}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix="tastemaker-screenshots-")).resolve()
    # the quickstart's CSVs are imported from the temporary folder
    server = Server(temp / "data", env={"TASTEMAKER_LOCAL_ROOTS": str(temp)})
    try:
        server.start(timeout=60)
        pages, _running = build(server, args.users, temp / "csv")
        files = shoot(server.url, pages, out)
        print(f"{len(files)} screenshots in {out}/")
    finally:
        server.stop()
        shutil.rmtree(temp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
