"""Compare solution versions (/console/compare) and the metrics panels of solution and solution version pages:
the numbers shown are GetSolutionMetrics', deltas are against the chosen baseline, evaluation details are there."""
from __future__ import annotations

import html as htmllib
import math
import re
from urllib.parse import quote

import pytest

from tastemaker.console.compare import (
    delta,
    differing_params,
    metric_label,
    metric_names,
    pick_baseline,
    short_name,
    split_rows,
)
from tests.console.conftest import wait_status
from tests.console.test_pages import get

SIMS = "arn:aws:personalize:::recipe/aws-sims"
INTERNAL = ("tuned_hpo_params", "algorithm_hyper_parameters", "hpo_trials", "test_users", "train_interactions",
            "solution_config", "training_hours", "data_key")


# --- pure computations -------------------------------------------------------------------------------------------

def test_delta_is_absolute_and_relative_with_a_direction():
    up = delta(0.45, 0.40)
    assert up["abs"] == pytest.approx(0.05) and up["pct"] == pytest.approx(12.5) and up["direction"] == "up"
    down = delta(0.30, 0.40)
    assert down["abs"] == pytest.approx(-0.10) and down["pct"] == pytest.approx(-25.0) and down["direction"] == "down"
    assert delta(0.4, 0.4) == {"abs": 0.0, "pct": 0.0, "direction": "same"}
    assert delta(0.1, 0.0)["pct"] is None  # no share of nothing
    assert delta(None, 0.4) is None and delta(0.4, None) is None and delta(math.nan, 0.4) is None


def test_metric_labels_and_order():
    assert metric_label("normalized_discounted_cumulative_gain_at_10") == "NDCG@10"
    assert metric_label("precision_at_25") == "Precision@25"
    assert metric_label("mean_reciprocal_rank_at_25") == "MRR@25"
    assert metric_label("coverage") == "Coverage"
    assert metric_label("something_new") == "something_new"  # unknown: the GetSolutionMetrics name itself
    versions = [{"metrics": {"coverage": 0.1, "precision_at_10": 0.2, "zeta": 1.0}},
                {"metrics": {"normalized_discounted_cumulative_gain_at_10": 0.3}}, {"metrics": None}]
    assert metric_names(versions) == ["normalized_discounted_cumulative_gain_at_10", "precision_at_10", "coverage",
                                      "zeta"]


def version(arn: str, status: str = "ACTIVE", metrics: dict | None = None, **extra) -> dict:
    return {"arn": arn, "name": arn, "status": status, "metrics": metrics, "recipe_arn": SIMS, **extra}


def test_default_baseline_is_the_oldest_active_version_with_metrics():
    versions = [version("failed", "CREATE FAILED"), version("a", metrics={"coverage": 0.1}),
                version("b", metrics={"coverage": 0.2})]
    assert pick_baseline(versions, "")["arn"] == "a"
    assert pick_baseline(versions, "b")["arn"] == "b"
    assert pick_baseline(versions, "failed")["arn"] == "a"  # a baseline needs metrics
    assert pick_baseline([version("x", "CREATE IN_PROGRESS")], "") is None


def test_only_hyperparameters_that_differ_are_shown_defaults_filling_the_unset_ones():
    versions = [version("default"),
                version("config", solution_config={"algorithm_hyper_parameters": {"max_neighbors": "50"}}),
                version("tuned", solution_config={"algorithm_hyper_parameters": {"max_neighbors": "50"}},
                        tuned_hpo_params={"algorithm_hyper_parameters": {"max_neighbors": "50",
                                                                         "popularity_discount_factor": "0.3"}}),
                version("other", recipe_arn="arn:aws:personalize:::recipe/aws-personalized-ranking")]
    names, values = differing_params(versions)
    assert names == ["max_neighbors", "popularity_discount_factor"]
    assert values["default"] == {"max_neighbors": "200", "popularity_discount_factor": "0.5"}  # sims' defaults
    assert values["config"] == {"max_neighbors": "50", "popularity_discount_factor": "0.5"}
    assert values["tuned"] == {"max_neighbors": "50", "popularity_discount_factor": "0.3"}
    assert values["other"] == {}  # the recipe has neither
    assert differing_params(versions[:1]) == ([], {"default": {}})


def test_split_rows_and_chart_labels():
    rows = dict(split_rows({"seed": 7, "truth": "newest-10%", "test_users": 60, "hpo_trials": None}))
    assert rows == {"Seed of the user split": 7, "Held-out rows per evaluated user":
                    "newest 10% of each user's interactions", "Users evaluated (held out)": 60}
    assert short_name("sims/1a2b3c4d") == "sims/1a2b3c4d"
    long = short_name("quickstart-85886d-user-personalization/189b9747")
    assert len(long) == 24 and long.startswith("quicksta…") and long.endswith("/189b9747")


# --- pages of a real server --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def compared(demo):
    """A dataset group of its own (the demo's interactions imported again, so nothing else the tests look at
    changes) with a sims solution trained twice and a sims solution with HPO and other hyperparameters."""
    p = demo.client("personalize")
    group = demo.isolated_group("compare-group")
    plain = p.create_solution(name="compare-sims", datasetGroupArn=group, recipeArn=SIMS)["solutionArn"]
    tuned = p.create_solution(name="compare-sims-hpo", datasetGroupArn=group, recipeArn=SIMS, performHPO=True,
                              solutionConfig={"algorithmHyperParameters": {"max_neighbors": "50"},
                                              "hpoConfig": {"hpoResourceConfig": {"maxNumberOfTrainingJobs": "2",
                                                                                  "maxParallelTrainingJobs": "1"}}}
                              )["solutionArn"]
    for solution in (plain, tuned):
        wait_status(lambda s=solution: p.describe_solution(solutionArn=s)["solution"], {"ACTIVE"})
    first = p.create_solution_version(solutionArn=plain)["solutionVersionArn"]
    second = p.create_solution_version(solutionArn=plain)["solutionVersionArn"]
    hpo = p.create_solution_version(solutionArn=tuned)["solutionVersionArn"]
    for arn in (first, second, hpo):
        found = wait_status(lambda a=arn: p.describe_solution_version(solutionVersionArn=a)["solutionVersion"],
                            {"ACTIVE", "CREATE FAILED"})
        assert found["status"] == "ACTIVE", found
    metrics = {arn: p.get_solution_metrics(solutionVersionArn=arn)["metrics"] for arn in (first, second, hpo)}
    return {"group": group, "plain": plain, "tuned": tuned, "first": first, "second": second, "hpo": hpo,
            "metrics": metrics}


def page(demo, path: str) -> str:
    status, kind, body = get(demo.server.url + path)
    assert status == 200 and kind.startswith("text/html"), (path, status, body[-2000:])
    return body


def q(arn: str) -> str:
    return quote(arn, safe=":/")


def metrics_rows(body: str) -> dict[str, str]:
    """Version ARN -> the HTML of its row in the metrics table."""
    table = body[body.index('<table class="list compare-metrics">'):]
    table = table[:table.index("</table>")]
    rows = {}
    for row in table.split("<tr")[2:]:
        arn = htmllib.unescape(re.search(r'title="([^"]+)"', row).group(1))
        rows[arn] = row
    return rows


def shown_delta(value: float, base: float) -> str:
    change = round(value - base, 10)
    return f"{change:+.4f}"


def test_group_compare_lists_every_version_with_its_metrics(demo, compared):
    body = page(demo, "/console/compare?group=" + q(compared["group"]))
    rows = metrics_rows(body)
    assert set(rows) == {compared["first"], compared["second"], compared["hpo"]}
    for arn, metrics in compared["metrics"].items():
        assert metrics, arn
        for name, value in metrics.items():
            assert f"{value:.4f}" in rows[arn], (arn, name)
    for name in ("NDCG@10", "Precision@25", "MRR@25", "Coverage", "trainingMode", "algorithmHyperParameters"):
        assert name in body, name
    assert "max_neighbors=50" in body and "max_neighbors=200" in body  # they differ, so both show
    assert "learn_repeats" not in body  # the same for every version: not shown
    assert body.count('data-chart="metric-chart-') == len(compared["metrics"][compared["first"]])
    for key in INTERNAL:
        assert key not in body, key


def test_deltas_are_against_the_oldest_active_version_or_the_chosen_one(demo, compared):
    first, second = compared["first"], compared["second"]
    base, other = compared["metrics"][first], compared["metrics"][second]
    rows = metrics_rows(page(demo, "/console/compare?solution=" + q(compared["plain"])))
    assert set(rows) == {first, second}
    assert ">baseline<" in rows[first] and "use as baseline" in rows[second]
    for name, value in other.items():
        d = round(value - base[name], 10)
        if d:
            assert shown_delta(value, base[name]) in rows[second], name
            assert (f"({d / base[name] * 100:+.1f}%)" in rows[second]) if base[name] else True, name
            assert ("delta up" if d > 0 else "delta down") in rows[second]
    body = page(demo, "/console/compare?solution=" + q(compared["plain"]) + "&baseline=" + q(second))
    rows = metrics_rows(body)
    assert ">baseline<" in rows[second] and ">baseline<" not in rows[first]
    for name, value in base.items():
        if round(value - other[name], 10):
            assert shown_delta(value, other[name]) in rows[first], name
    assert f'<option value="{second}" selected>' in body


def test_evaluation_details_and_hpo_trials(demo, compared):
    body = page(demo, "/console/compare?group=" + q(compared["group"]))
    assert body.count('<details class="card evaluation">') == 3
    assert "Users evaluated (held out)" in body and "Seed of the user split" in body
    assert "Hyperparameter optimization trials" in body and "2 HPO trials" in body
    version_page = page(demo, "/console/resource/" + q(compared["hpo"]))
    assert 'id="evaluation"' in version_page and "Hyperparameter optimization trials" in version_page
    trials = version_page[version_page.index("Hyperparameter optimization trials"):]
    trials = trials[:trials.index("</table>")]
    assert trials.count("<tr") == 3 and ">best<" in trials  # a header and two trials
    assert "min_cointeraction_count=" in trials and "popularity_discount_factor=" in trials


def test_version_page_shows_its_metrics_by_their_names(demo, compared):
    arn = compared["first"]
    body = page(demo, "/console/resource/" + q(arn))
    panel = body[body.index('<section id="metrics">'):]
    panel = panel[:panel.index("</section>")]
    for name, value in compared["metrics"][arn].items():
        assert re.search(rf"<code>{name}</code></td><td class=\"num\">{value:.4f}</td>", panel), name
    assert "NDCG@10" in panel and "/console/compare?solution=" in panel
    assert "compare with the solution" in panel


def test_solution_page_summarises_the_newest_version(demo, compared):
    body = page(demo, "/console/resource/" + q(compared["plain"]))
    summary = body[body.index('id="metrics-summary"'):]
    summary = summary[:summary.index("</section>")]
    newest = compared["metrics"][compared["second"]]
    assert compared["second"].rsplit("/", 1)[1] in summary
    assert f"{newest['normalized_discounted_cumulative_gain_at_10']:.4f}" in summary
    assert "Compare its 2 versions" in summary


def test_a_version_without_metrics_is_listed_with_its_status(demo, compared):
    p = demo.client("personalize")
    solution = p.create_solution(name="compare-stopped", datasetGroupArn=compared["group"],
                                 recipeArn=SIMS)["solutionArn"]
    wait_status(lambda: p.describe_solution(solutionArn=solution)["solution"], {"ACTIVE"})
    arn = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    try:
        p.stop_solution_version_creation(solutionVersionArn=arn)
    except p.exceptions.ResourceInUseException:
        pass  # it had already ended
    found = wait_status(lambda: p.describe_solution_version(solutionVersionArn=arn)["solutionVersion"],
                        {"ACTIVE", "CREATE STOPPED", "CREATE FAILED"})
    body = page(demo, "/console/compare?solution=" + q(solution))
    assert f'data-job-arn="{arn}"' in body and found["status"] in body
    if found["status"] != "ACTIVE":
        assert "No version has metrics yet" in body and "<select" not in body


def test_compare_needs_a_known_solution_or_group(demo):
    status, _, body = get(demo.server.url + "/console/compare")
    assert status == 404 and "Name a solution" in body
    missing = "arn:aws:personalize:us-east-1:000000000000:solution/nope"
    status, _, body = get(demo.server.url + "/console/compare?solution=" + q(missing))
    assert status == 404 and missing in body
