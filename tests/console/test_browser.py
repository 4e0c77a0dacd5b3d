"""The console in a real browser (headless Chromium through Playwright) against a real `tastemaker serve`: every
page renders without JS errors and with its charts drawn, links resolve, nothing scrolls sideways at 1280 px or
on a phone, a running training's progress moves on its own, and Try it answers what boto3 gets.

Skipped (saying what to install) without Debian's `chromium` package or the `playwright` Python package."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from tests.console import browser
from tests.console.conftest import wait_status

pytestmark = pytest.mark.skipif(browser.missing() is not None, reason=browser.missing() or "")

RECIPES = ("aws-user-personalization", "aws-sims", "aws-personalized-ranking")
PAGES = ("overview", "group", "dataset", "import-job", "solution", *(f"version:{r}" for r in RECIPES),
         *(f"campaign:{r}" for r in RECIPES), "filter", "event-tracker", "compare")
CHARTED = {"dataset", "compare", "event-tracker"}
"""Pages that have charts (data insights, metrics across versions, events per minute): so that the check that
every chart is drawn is not vacuous there."""
UNBUILT = "No console page at"
"""What the console answers (404) for a route it does not have."""


def url_of(arn: str) -> str:
    return "/console/resource/" + quote(arn, safe=":/")


def short(arn: str) -> str:
    return arn.split(":", 5)[5]


@pytest.fixture(scope="module")
def targets(demo) -> dict[str, tuple[str, str | None]]:
    """Page name -> (URL path, expected h1; None: any non-empty title)."""
    p, arns = demo.client("personalize"), demo.arns
    group = p.describe_dataset_group(datasetGroupArn=arns["dataset_group"])["datasetGroup"]
    job = p.describe_dataset_import_job(datasetImportJobArn=arns["interactions_import"])["datasetImportJob"]
    dataset = p.describe_dataset(datasetArn=job["datasetArn"])["dataset"]
    version = p.describe_solution_version(
        solutionVersionArn=arns["version:aws-user-personalization"])["solutionVersion"]
    solution = p.describe_solution(solutionArn=version["solutionArn"])["solution"]
    out: dict[str, tuple[str, str | None]] = {
        "overview": ("/console", "Dataset groups"),
        "group": (url_of(group["datasetGroupArn"]), group["name"]),
        "dataset": (url_of(dataset["datasetArn"]), dataset["name"]),
        "import-job": (url_of(job["datasetImportJobArn"]), job["jobName"]),
        "solution": (url_of(solution["solutionArn"]), solution["name"]),
        "filter": (url_of(arns["filter"]), p.describe_filter(filterArn=arns["filter"])["filter"]["name"]),
        "event-tracker": (url_of(arns["event_tracker"]),
                          p.describe_event_tracker(eventTrackerArn=arns["event_tracker"])["eventTracker"]["name"]),
        "compare": ("/console/compare?group=" + quote(group["datasetGroupArn"], safe=":/"), None),
    }
    for recipe in RECIPES:
        arn = arns[f"version:{recipe}"]
        described = p.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]
        out[f"version:{recipe}"] = (url_of(arn), described.get("name") or short(arn))  # '<solution>/<id>'
        campaign = p.describe_campaign(campaignArn=arns[f"campaign:{recipe}"])["campaign"]
        out[f"campaign:{recipe}"] = (url_of(campaign["campaignArn"]), campaign["name"])
    return out


def not_built(page, response) -> bool:
    """The route answered the console's own 404 (its page does not exist yet); forget that 404 as a problem."""
    if response is None or response.status != 404 or UNBUILT not in page.content():
        return False
    page.problems[:] = [p for p in page.problems if "404" not in p]
    return True


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_with_its_title_and_charts(console_page, targets, demo, name):
    page = console_page
    url, title = targets[name]
    response = page.goto(url)
    if name == "compare" and not_built(page, response):
        pytest.xfail("compare page not built yet")
    assert response is not None and response.status == 200, (url, response and response.status)
    h1 = page.locator("h1")
    if title is None:
        assert h1.inner_text().strip()
    else:
        assert h1.inner_text().strip() == title
    if name == "compare":  # it shows each of the group's versions
        text = page.locator("main").inner_text()
        for recipe in RECIPES:
            assert demo.arns[f"version:{recipe}"].rsplit("/", 1)[1] in text, recipe
    page.wait_for_load_state("load")  # the charts are drawn on DOMContentLoaded, after the deferred scripts
    if name in CHARTED:
        assert browser.charts(page), f"{url} shows no [data-chart]"
    assert browser.undrawn_charts(page) == [], url


def test_every_console_link_of_the_group_page_resolves(console_page, targets):
    page = console_page
    page.goto(targets["group"][0])
    hrefs = page.eval_on_selector_all('a[href^="/console"]',
                                      "els => Array.from(new Set(els.map(e => e.getAttribute('href'))))")
    assert len(hrefs) > 15, hrefs
    bad, unbuilt = [], []
    for href in hrefs:
        response = page.goto(href)
        if href.startswith("/console/compare") and not_built(page, response):
            unbuilt.append(href)
        elif response is None or response.status != 200:
            bad.append((href, response and response.status))
        else:
            assert page.locator("h1").inner_text().strip(), href
    assert bad == []
    if unbuilt:
        pytest.xfail(f"compare page not built yet (linked from the group page: {unbuilt})")


@pytest.mark.parametrize("device", ["desktop-1280x800", "phone-390x844"])
def test_no_page_scrolls_sideways(console_pages, targets, demo, device):
    """The document never scrolls horizontally; wide tables scroll inside their .scroll container."""
    page = console_pages(**(browser.DESKTOP if device.startswith("desktop") else browser.PHONE))
    urls = [url for _, (url, _) in targets.items()]
    urls.append(targets[f"campaign:{RECIPES[0]}"][0] + f"?userId={demo.user}#try-it")  # Try it answered
    wide = {}
    for url in urls:
        response = page.goto(url)
        if url.startswith("/console/compare") and not_built(page, response):
            continue
        found = browser.overflow(page)
        if found:
            wide[url] = found
    assert not wide, "pages wider than the viewport:\n" + "\n".join(
        f"{url}: scrollWidth {f['scrollWidth']} > {f['viewportWidth']}; sticking out: {f['offenders']}"
        for url, f in wide.items())


TRIALS = 4
"""HPO trials of the watched training: about 4 s each here, so it runs ~20-40 s, in a few visible steps."""


def test_running_training_progress_moves_without_reloading_then_the_page_reloads_to_active(console_page, demo):
    p = demo.client("personalize")
    group = demo.isolated_group("browser-progress")
    solution = p.create_solution(
        name="browser-hpo", datasetGroupArn=group, recipeArn="arn:aws:personalize:::recipe/aws-user-personalization",
        performHPO=True, solutionConfig={"hpoConfig": {"hpoResourceConfig": {
            "maxNumberOfTrainingJobs": str(TRIALS), "maxParallelTrainingJobs": "1"}}})["solutionArn"]
    wait_status(lambda: p.describe_solution(solutionArn=solution)["solution"], {"ACTIVE"})
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    wait_status(lambda: p.describe_solution_version(solutionVersionArn=version)["solutionVersion"],
                {"CREATE IN_PROGRESS"})

    page = console_page
    assert page.goto(url_of(version)).status == 200
    badge = f'[data-job-arn="{version}"]'
    assert page.locator(f"{badge} .status-text").inner_text().strip() == "CREATE IN_PROGRESS"
    assert page.locator(f"{badge}[data-running]").count() >= 1
    first = page.eval_on_selector(f"{badge} progress", "bar => bar.value")
    page.evaluate("window.__notReloaded = true")  # gone if the page reloads

    # The script's polling moves the bar and rewrites the text (stage · % · elapsed), the page staying put.
    page.wait_for_function(
        """([sel, first]) => { const bar = document.querySelector(sel + ' progress');
                               return window.__notReloaded && bar && bar.value > first; }""",
        arg=[badge, first], timeout=90_000)
    text = page.wait_for_function(
        """([sel, trials]) => { const t = document.querySelector(sel + ' .job-text');
             const s = t ? t.textContent : '';
             return new RegExp('trial [0-9]+ of ' + trials + ' · [0-9]+% · .+ elapsed').test(s) && s; }""",
        arg=[badge, TRIALS], timeout=60_000).json_value()
    assert re.search(rf"tuning hyperparameters: trial \d+ of {TRIALS} · \d+% · (\d+ min )?[\d.]+ s elapsed", text), text
    assert page.evaluate("window.__notReloaded") is True
    later = page.eval_on_selector(f"{badge} progress", "bar => bar.value")
    assert later > first

    # When the job ends the page reloads itself (the marker is gone) and shows ACTIVE without a progress bar.
    page.wait_for_function(
        """sel => window.__notReloaded === undefined && document.readyState === 'complete'
                  && document.querySelector(sel + ' .status-text').textContent.trim() === 'ACTIVE'""",
        arg=badge, timeout=240_000)
    assert page.locator(f"{badge} progress").count() == 0
    assert page.locator(f"{badge}[data-running]").count() == 0
    assert p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]["status"] == "ACTIVE"


def test_try_it_shows_what_get_recommendations_answers(console_page, targets, demo):
    page = console_page
    campaign = demo.arns["campaign:aws-user-personalization"]
    assert page.goto(targets["campaign:aws-user-personalization"][0]).status == 200
    form = page.locator("#try-it form")
    if form.count() == 0:
        pytest.xfail("try-it panel not built yet")
    form.locator('input[name="userId"]').fill(demo.user)
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    rows = page.locator("table.tryit-items tbody tr[data-item]")
    rows.first.wait_for(timeout=30_000)
    shown = rows.evaluate_all("trs => trs.map(tr => tr.dataset.item)")
    expected = [i["itemId"] for i in demo.client("personalize-runtime").get_recommendations(
        campaignArn=campaign, userId=demo.user)["itemList"]]
    assert shown == expected
    assert page.locator("table.tryit-items td.item").all_inner_texts() == expected
    assert page.locator('#try-it input[name="userId"]').input_value() == demo.user
