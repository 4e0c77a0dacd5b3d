"""The web console served by a real `tastemaker serve`: what was created shows up in the HTML."""
from __future__ import annotations

import time
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from tastemaker.synthetic import INTERACTIONS_SCHEMA, ITEMS_SCHEMA, generate


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.headers["content-type"], resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers["content-type"], err.read().decode()


def wait_active(describe, key: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        found = describe()[key]
        if found["status"] in ("ACTIVE", "CREATE FAILED") or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_empty_console_says_how_to_start(server):
    status, kind, html = get(server.url + "/console")
    assert status == 200 and kind.startswith("text/html")
    assert "No dataset groups in us-east-1 yet" in html and "tastemaker quickstart" in html


@pytest.fixture
def loaded(server, tmp_path):
    """A dataset group with both datasets imported, a filter and an event tracker, through the real API."""
    p = server.client("personalize")
    paths = generate(n_users=60, n_items=80, n_interactions=1500, seed=1).write_csv(tmp_path / "csv")
    group = p.create_dataset_group(name="console-demo")["datasetGroupArn"]
    wait_active(lambda: p.describe_dataset_group(datasetGroupArn=group), "datasetGroup")
    for kind, schema in (("Interactions", INTERACTIONS_SCHEMA), ("Items", ITEMS_SCHEMA)):
        schema_arn = p.create_schema(name=f"console-{kind.lower()}", schema=schema)["schemaArn"]
        dataset = p.create_dataset(name=f"console-{kind.lower()}", schemaArn=schema_arn, datasetGroupArn=group,
                                   datasetType=kind)["datasetArn"]
        wait_active(lambda: p.describe_dataset(datasetArn=dataset), "dataset")
        job = p.create_dataset_import_job(jobName=f"console-{kind.lower()}-import", datasetArn=dataset,
                                          roleArn="arn:aws:iam::000000000000:role/r",
                                          dataSource={"dataLocation": str(paths[kind.lower()])})["datasetImportJobArn"]
        assert wait_active(lambda: p.describe_dataset_import_job(datasetImportJobArn=job),
                           "datasetImportJob")["status"] == "ACTIVE"
    p.create_filter(name="no-watched", datasetGroupArn=group,
                    filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")')
    tracker = p.create_event_tracker(name="console-tracker", datasetGroupArn=group)
    p.tag_resource(resourceArn=group, tags=[{"tagKey": "team", "tagValue": "<recs>"}])
    return {"group": group, "tracking_id": tracker["trackingId"], "paths": paths}


def test_console_lists_what_was_created(server, loaded):
    status, _, html = get(server.url + "/console")
    assert status == 200
    assert "built-in method" not in html
    for text in ("console-demo", "<h2>Schemas</h2>", "console-interactions", "1,479"):  # interactions imported
        assert text in html, text
    status, _, html = get(server.url + "/console/resource/" + quote(loaded["group"], safe=":/"))
    assert status == 200
    assert "built-in method" not in html and '<span class="n">80</span><span class="l">Items</span>' in html
    for text in ("console-interactions", "console-items", "INTERACTIONS", "ITEMS", "Set up",
                 "console-interactions-import", str(loaded["paths"]["items"]), "no-watched",
                 "EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (&#34;watch&#34;)", "console-tracker",
                 loaded["tracking_id"], "ACTIVE"):
        assert text in html, text


def test_resource_page_shows_the_api_field_names_and_escaped_tags(server, loaded):
    p = server.client("personalize")
    dataset = p.list_datasets(datasetGroupArn=loaded["group"])["datasets"][0]["datasetArn"]
    status, _, html = get(server.url + "/console/resource/" + quote(dataset, safe=":/"))
    assert status == 200
    assert "datasetArn" in html and "creationDateTime" in html and " UTC" in html
    assert "data_key" not in html and "previous_data_key" not in html  # internal keys never show
    assert f'href="/console/resource/{quote(loaded["group"], safe=":/")}"' in html  # ARNs are links
    status, _, html = get(server.url + "/console/resource/" + quote(loaded["group"], safe=":/"))
    assert "&lt;recs&gt;" in html and "<recs>" not in html
    status, _, html = get(server.url + "/console/resource/arn:aws:personalize:us-east-1:000000000000:filter/nope")
    assert status == 404 and "No resource with ARN" in html
    assert get(server.url + "/console/nothing-here")[0] == 404
    assert get(server.url + "/console/static/../../settings.py")[0] == 404


def test_console_shows_solutions_versions_metrics_and_campaigns(server, loaded):
    p = server.client("personalize")
    solution = p.create_solution(name="console-sims", datasetGroupArn=loaded["group"],
                                 recipeArn="arn:aws:personalize:::recipe/aws-sims")["solutionArn"]
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    assert wait_active(lambda: p.describe_solution_version(solutionVersionArn=version),
                       "solutionVersion")["status"] == "ACTIVE"
    metrics = p.get_solution_metrics(solutionVersionArn=version)["metrics"]
    campaign = p.create_campaign(name="console-campaign", solutionVersionArn=version)["campaignArn"]
    wait_active(lambda: p.describe_campaign(campaignArn=campaign), "campaign")
    status, _, html = get(server.url + "/console/resource/" + quote(loaded["group"], safe=":/"))
    assert status == 200
    for text in ("console-sims", "aws-sims", version.rsplit("/", 1)[1],
                 f"{metrics['precision_at_10']:.4f}", "console-campaign", "compare versions"):
        assert text in html, text


def test_static_files_and_the_jobs_endpoint(server, loaded):
    status, kind, body = get(server.url + "/console/static/chart.umd.min.js")
    assert status == 200 and "javascript" in kind and "Chart.js v4" in body
    status, kind, body = get(server.url + "/console/static/console.css")
    assert status == 200 and kind.startswith("text/css")
    status, kind, body = get(server.url + "/console/api/jobs?arns=" + quote(loaded["group"], safe=":/"))
    assert status == 200 and kind == "application/json"
    assert f'"{loaded["group"]}":{{"status":"ACTIVE","running":false' in body


def test_every_page_of_a_trained_group_renders_and_its_links_resolve(demo):
    """Follow every console link from the group page, one level down: each answers 200."""
    import re

    base = demo.server.url
    status, _, html = get(base + "/console/resource/" + quote(demo.arns["dataset_group"], safe=":/"))
    assert status == 200
    links = sorted(set(re.findall(r'href="(/console/[^"#]*)"', html)))
    assert len(links) > 15
    for link in links:
        status, _, page = get(base + link.replace("&amp;", "&"))
        assert status == 200, link
        for inner in set(re.findall(r'href="(/console/resource/[^"#]*)"', page)):
            assert get(base + inner)[0] == 200, (link, inner)


def test_recipe_arns_link_to_the_catalogue_entry(demo):
    arn = "arn:aws:personalize:::recipe/aws-sims"
    status, _, html = get(demo.server.url + "/console/resource/" + quote(arn, safe=":/"))
    assert status == 200 and "Recipe" in html and "recipeType" in html and "RELATED_ITEMS" in html
    status, _, html = get(demo.server.url + "/console/resource/" + quote(demo.arns["version:aws-sims"], safe=":/"))
    assert f'href="/console/resource/{quote(arn, safe=":/")}"' in html
    assert get(demo.server.url + "/console/resource/arn:aws:personalize:::recipe/nope")[0] == 404
