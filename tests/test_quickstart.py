"""`tastemaker quickstart` end to end, as a user runs it: import, train three recipes, deploy, recommend."""
from __future__ import annotations

import re
import subprocess
import sys

import tastemaker
from tastemaker.quickstart import RECIPES, metrics_table

METRICS = ("coverage", "mean_reciprocal_rank_at_25", "normalized_discounted_cumulative_gain_at_10",
           "precision_at_5")


def test_quickstart_runs_the_whole_workflow(tmp_path):
    data = tmp_path / "qs"
    done = subprocess.run([sys.executable, "-m", "tastemaker", "quickstart", "--users", "40", "--data-dir", str(data),
                           "--no-progress"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert re.search(r"Generated \d+ interactions of 40 users on 80 items", out)
    for metric in METRICS:
        assert re.search(rf"^{metric}\s+(0|1)\.\d{{4}}\s", out, re.M), f"{metric} missing from:\n{out}"
    recommended = re.search(r"Recommended for user (u\d+): (.*)", out)
    assert recommended and len(recommended.group(2).split(", ")) == 10
    assert re.search(r"Items like i\d+ \(\w[\w-]*\): i\d+ \(", out)
    with tastemaker.embedded(data, executor="inline") as emb:  # what it left behind is all ACTIVE
        p = emb.personalize
        assert [c["status"] for c in p.list_campaigns()["campaigns"]] == ["ACTIVE"] * 3
        recipes = {p.describe_solution(solutionArn=s["solutionArn"])["solution"]["recipeArn"].rsplit("/", 1)[1]
                   for s in p.list_solutions()["solutions"]}
        assert recipes == set(RECIPES)


def test_metrics_table_lines_up_recipes_and_metrics():
    table = metrics_table({"aws-sims": {"coverage": 0.5, "precision_at_5": 0.01234},
                           "aws-user-personalization": {"coverage": 0.25}})
    lines = table.splitlines()
    assert lines[0].split() == ["metric", "sims", "user-personalization"]
    assert lines[1].split() == ["coverage", "0.5000", "0.2500"]
    assert lines[2].split() == ["precision_at_5", "0.0123", "-"]


def test_quickstart_against_a_running_server(server, tmp_path):
    done = subprocess.run([sys.executable, "-m", "tastemaker", "quickstart", "--users", "30", "--endpoint-url",
                           server.url, "--data-dir", str(tmp_path / "qs"), "--no-progress"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Recommended for user" in done.stdout
    names = [g["name"] for g in server.client("personalize").list_dataset_groups()["datasetGroups"]]
    assert len(names) == 1 and names[0].startswith("quickstart-")
    assert (tmp_path / "qs" / "csv" / "interactions.csv").exists()
