"""A real `tastemaker serve` holding a trained, POC-sized dataset group (the quickstart's, made through boto3),
with a parameterised filter, an event tracker and streamed events: what the console's tests look at."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from tastemaker.quickstart import run_quickstart
from tests.conftest import Server

GENRE_FILTER = "INCLUDE ItemID WHERE Items.GENRE IN ($GENRE)"


def wait_status(describe, wanted: set[str], timeout: float = 120) -> dict:
    """Poll a Describe* (the resource dict) until its status is one of `wanted`; fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        found = describe()
        if found["status"] in wanted:
            return found
        assert time.monotonic() < deadline, f"still {found['status']} after {timeout} s"
        time.sleep(0.1)


@dataclass
class Demo:
    server: Server
    arns: dict[str, str]
    """The quickstart's ARNs ('dataset_group', 'version:aws-sims', 'campaign:aws-user-personalization', …) and
    'filter', 'event_tracker'."""
    tracking_id: str
    user: str = "u7"
    events: list[dict[str, Any]] = field(default_factory=list)

    def client(self, name: str) -> Any:
        return self.server.client(name)

    def isolated_group(self, name: str) -> str:
        """A new dataset group holding the demo's interactions (imported again), so that what a test trains in it
        changes nothing the other tests look at."""
        p = self.client("personalize")
        job = p.describe_dataset_import_job(datasetImportJobArn=self.arns["interactions_import"])["datasetImportJob"]
        schema = p.describe_dataset(datasetArn=job["datasetArn"])["dataset"]["schemaArn"]
        group = p.create_dataset_group(name=name)["datasetGroupArn"]
        dataset = p.create_dataset(name=f"{name}-interactions", schemaArn=schema, datasetGroupArn=group,
                                   datasetType="Interactions")["datasetArn"]
        imported = p.create_dataset_import_job(jobName=f"{name}-import", datasetArn=dataset, roleArn=job["roleArn"],
                                               dataSource=job["dataSource"])["datasetImportJobArn"]
        found = wait_status(lambda: p.describe_dataset_import_job(datasetImportJobArn=imported)["datasetImportJob"],
                            {"ACTIVE", "CREATE FAILED"})
        assert found["status"] == "ACTIVE", found
        return group


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Demo:
    root = tmp_path_factory.mktemp("console-demo")
    server = Server(root / "data").start()
    try:
        p, rt = server.client("personalize"), server.client("personalize-runtime")
        run = run_quickstart(p, rt, users=600, work_dir=root / "csv", out=lambda line: None, progress=False)
        arns = dict(run.arns)
        group = arns["dataset_group"]
        arns["filter"] = p.create_filter(name="by-genre", datasetGroupArn=group,
                                         filterExpression=GENRE_FILTER)["filterArn"]
        tracker = p.create_event_tracker(name="demo-tracker", datasetGroupArn=group)
        arns["event_tracker"] = tracker["eventTrackerArn"]
        demo = Demo(server, arns, tracker["trackingId"])
        now = time.time()
        demo.events = [{"eventType": "watch", "itemId": f"i{n}", "sentAt": now - 60 * n} for n in range(1, 6)]
        server.client("personalize-events").put_events(trackingId=demo.tracking_id, userId=demo.user,
                                                       sessionId="demo-session", eventList=demo.events)
        yield demo
    finally:
        server.stop()


@pytest.fixture(scope="module")  # not longer: Playwright's sync API keeps an event loop running in this process
def chromium():              # while it is open, and later tests here that call asyncio.run() would fail
    """Headless Chromium (Debian's, through Playwright) for a test module; skips when either is not installed."""
    from tests.console import browser

    browser.require()
    with browser.launch() as launched:
        yield launched


@pytest.fixture
def console_pages(chromium, demo):
    """open(**context options) -> a new page on the demo server (default 1280x800; browser.PHONE for a phone).
    The test fails if any of them saw a JS error, a console error or a failed / >= 400 request for /console."""
    from tests.console import browser

    opened = []

    def open_(**options):
        page = browser.open_page(chromium, demo.server.url, **options)
        opened.append(page)
        return page

    yield open_
    problems = [p for page in opened for p in page.problems]
    for page in opened:
        page.context.close()
    if problems:
        pytest.fail("the console's pages had problems:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def console_page(console_pages):
    """One desktop (1280x800) page on the demo server, checked like console_pages'."""
    return console_pages()
