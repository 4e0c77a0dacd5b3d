"""POC-in-a-box notebook 03 (Creating and Evaluating Solutions) against a real `tastemaker serve`."""
from __future__ import annotations

import time

from tests.poc import setup_poc

RECIPE = "arn:aws:personalize:::recipe/"
METRICS = {"coverage", "mean_reciprocal_rank_at_25", "normalized_discounted_cumulative_gain_at_5",
           "normalized_discounted_cumulative_gain_at_10", "normalized_discounted_cumulative_gain_at_25",
           "precision_at_5", "precision_at_10", "precision_at_25"}


def test_notebook_03_solutions_versions_and_metrics(server, tmp_path):
    personalize = server.client("personalize")
    recipes = {r["name"]: r for r in personalize.list_recipes()["recipes"]}
    for name in ("aws-user-personalization", "aws-sims", "aws-personalized-ranking"):
        assert recipes[name]["recipeArn"] == RECIPE + name and recipes[name]["status"] == "ACTIVE"
    poc = setup_poc(personalize, tmp_path)
    group = poc["dataset_group_arn"]

    solutions = {
        "personalize-poc-userpersonalization": dict(recipeArn=RECIPE + "aws-user-personalization"),
        "personalize-poc-sims": dict(recipeArn=RECIPE + "aws-sims"),
        "personalize-poc-rerank": dict(recipeArn=RECIPE + "aws-personalized-ranking"),
        "personalize-poc-sims-hpo": dict(recipeArn=RECIPE + "aws-sims", performHPO=True, solutionConfig={
            "hpoConfig": {"hpoResourceConfig": {"maxNumberOfTrainingJobs": "2", "maxParallelTrainingJobs": "1"}}}),
        "personalize-poc-sims-fixed": dict(recipeArn=RECIPE + "aws-sims", solutionConfig={
            "algorithmHyperParameters": {"popularity_discount_factor": "0.7"}}),
    }
    arns, versions = {}, {}
    for name, kw in solutions.items():  # as the notebook does: each version right after its solution, no wait
        arns[name] = personalize.create_solution(name=name, datasetGroupArn=group, **kw)["solutionArn"]
        versions[name] = personalize.create_solution_version(solutionArn=arns[name])["solutionVersionArn"]
    seen = set()
    deadline = time.monotonic() + 300  # about 40 s on 2 free cores, 105 s beside the rest of the suite
    for name, arn in versions.items():
        assert arn.startswith(arns[name] + "/") and len(arn.rsplit("/", 1)[1]) == 8
        while True:
            version = personalize.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]
            seen.add(version["status"])
            if version["status"] in ("ACTIVE", "CREATE FAILED") or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert version["status"] == "ACTIVE", (name, version.get("failureReason"), version["status"])
        assert version["name"] == f"{name}/{arn.rsplit('/', 1)[1]}"
    assert seen & {"CREATE PENDING", "CREATE IN_PROGRESS"}  # Create returned before training finished

    metrics = {name: personalize.get_solution_metrics(solutionVersionArn=arn)["metrics"]
               for name, arn in versions.items()}
    for name, found in metrics.items():
        assert set(found) == METRICS, name
        assert all(0.0 <= v <= 1.0 for v in found.values()), (name, found)
    for name in ("personalize-poc-userpersonalization", "personalize-poc-sims"):
        assert metrics[name]["precision_at_5"] > 0.01 and metrics[name]["coverage"] > 0.01, metrics[name]

    tuned = personalize.describe_solution_version(
        solutionVersionArn=versions["personalize-poc-sims-hpo"])["solutionVersion"]["tunedHPOParams"]
    assert set(tuned["algorithmHyperParameters"]) >= {"popularity_discount_factor", "min_cointeraction_count"}
    fixed = personalize.describe_solution(solutionArn=arns["personalize-poc-sims-fixed"])["solution"]
    assert fixed["solutionConfig"]["algorithmHyperParameters"] == {"popularity_discount_factor": "0.7"}
    assert fixed["latestSolutionVersion"]["status"] == "ACTIVE"
