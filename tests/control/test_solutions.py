"""Solutions and solution versions through boto3: validation, the whole lifecycle, metrics, UPDATE, HPO, delete."""
from __future__ import annotations

import numpy as np
import pytest
from botocore.exceptions import ClientError

from tests.training.helpers import small_group

RECIPE = "arn:aws:personalize:::recipe/"
METRICS = {"coverage", "mean_reciprocal_rank_at_25", "normalized_discounted_cumulative_gain_at_5",
           "normalized_discounted_cumulative_gain_at_10", "normalized_discounted_cumulative_gain_at_25",
           "precision_at_5", "precision_at_10", "precision_at_25"}


def error(call, **kwargs):
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


@pytest.fixture
def group(personalize, tmp_path):
    return small_group(personalize, tmp_path)


def test_create_solution_checks_its_input(personalize, group):
    create = personalize.create_solution
    code, msg = error(create, name="s", datasetGroupArn=group + "x", recipeArn=RECIPE + "aws-sims")
    assert code == "ResourceNotFoundException" and group + "x" in msg
    code, msg = error(create, name="s", datasetGroupArn=group)
    assert code == "InvalidInputException" and "recipeArn is required" in msg
    code, msg = error(create, name="s", datasetGroupArn=group, performAutoML=True, recipeArn=RECIPE + "aws-sims")
    assert code == "InvalidInputException" and "omit recipeArn" in msg
    code, msg = error(create, name="s", datasetGroupArn=group, performAutoML=True,
                      solutionConfig={"autoMLConfig": {"recipeList": [RECIPE + "aws-sims"]}})
    assert code == "InvalidInputException" and "USER_PERSONALIZATION recipes only" in msg and "aws-sims" in msg
    code, msg = error(create, name="s", datasetGroupArn=group, performAutoML=True,
                      solutionConfig={"autoMLConfig": {"metricName": "recall"}})
    assert code == "InvalidInputException" and "metricName 'recall'" in msg
    code, msg = error(create, name="s", datasetGroupArn=group, recipeArn=RECIPE + "aws-sims",
                      solutionConfig={"autoMLConfig": {"metricName": "precision_at_25"}})
    assert code == "InvalidInputException" and "needs performAutoML" in msg
    for legacy in ("aws-hrnn", "aws-hrnn-metadata", "aws-hrnn-coldstart"):
        code, msg = error(create, name="s", datasetGroupArn=group, recipeArn=RECIPE + legacy)
        assert code == "InvalidInputException" and "no longer available" in msg and "aws-user-personalization" in msg
    code, msg = error(create, name="s", datasetGroupArn=group, recipeArn=RECIPE + "aws-sims",
                      solutionConfig={"algorithmHyperParameters": {"popularity_discount_factor": "1.5"}})
    assert code == "InvalidInputException"
    assert "popularity_discount_factor" in msg and "'1.5'" in msg and "[0.0, 1.0]" in msg
    code, msg = error(create, name="s", datasetGroupArn=group, recipeArn=RECIPE + "aws-sims",
                      solutionConfig={"algorithmHyperParameters": {"hidden_dimension": "64"}})
    assert code == "InvalidInputException" and "'hidden_dimension'" in msg and "popularity_discount_factor" in msg
    code, msg = error(create, name="s", datasetGroupArn=group, recipeArn=RECIPE + "aws-sims", performHPO=True,
                      solutionConfig={"hpoConfig": {"hpoResourceConfig": {"maxNumberOfTrainingJobs": "41"}}})
    assert code == "InvalidInputException" and "maxNumberOfTrainingJobs" in msg and "40" in msg
    code, msg = error(create, name="s", datasetGroupArn=group, recipeArn=RECIPE + "aws-sims", performHPO=True,
                      solutionConfig={"hpoConfig": {"algorithmHyperParameterRanges": {"integerHyperParameterRanges": [
                          {"name": "min_cointeraction_count", "minValue": 0, "maxValue": 50}]}}})
    assert code == "InvalidInputException" and "min_cointeraction_count" in msg and "[0, 10]" in msg
    assert personalize.list_solutions()["solutions"] == []


def test_solution_and_version_lifecycle(personalize, group, embedded):
    config = {"algorithmHyperParameters": {"popularity_discount_factor": "0.7"}}
    arn = personalize.create_solution(name="sims", datasetGroupArn=group, recipeArn=RECIPE + "aws-sims",
                                      solutionConfig=config)["solutionArn"]
    assert arn.endswith(":solution/sims")
    code, msg = error(personalize.create_solution, name="sims", datasetGroupArn=group, recipeArn=RECIPE + "aws-sims")
    assert code == "ResourceAlreadyExistsException" and arn in msg
    solution = personalize.describe_solution(solutionArn=arn)["solution"]
    assert solution["status"] == "ACTIVE" and solution["solutionConfig"] == config
    assert solution["performHPO"] is False and solution["performAutoTraining"] is True
    assert "latestSolutionVersion" not in solution
    assert [s["solutionArn"] for s in personalize.list_solutions(datasetGroupArn=group)["solutions"]] == [arn]
    assert personalize.list_solutions(datasetGroupArn=group + "-other")["solutions"] == []

    version_arn = personalize.create_solution_version(solutionArn=arn)["solutionVersionArn"]
    suffix = version_arn.rsplit("/", 1)[1]
    assert version_arn == f"{arn}/{suffix}" and len(suffix) == 8 and int(suffix, 16) >= 0
    version = personalize.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]
    assert version["status"] == "ACTIVE", version.get("failureReason")
    assert version["name"] == f"sims/{suffix}" and version["trainingMode"] == "FULL"
    assert version["trainingType"] == "MANUAL" and version["solutionConfig"] == config
    assert version["trainingHours"] >= 0 and round(version["trainingHours"], 3) == version["trainingHours"]
    assert version["recipeArn"] == RECIPE + "aws-sims" and version["datasetGroupArn"] == group
    metrics = personalize.get_solution_metrics(solutionVersionArn=version_arn)
    assert metrics["solutionVersionArn"] == version_arn and set(metrics["metrics"]) == METRICS
    assert all(0.0 <= v <= 1.0 and round(v, 4) == v for v in metrics["metrics"].values())
    assert metrics["metrics"]["precision_at_5"] > 0  # two clear taste clusters: sims finds them
    latest = personalize.describe_solution(solutionArn=arn)["solution"]["latestSolutionVersion"]
    assert latest["solutionVersionArn"] == version_arn and latest["status"] == "ACTIVE"
    summaries = personalize.list_solution_versions(solutionArn=arn)["solutionVersions"]
    assert [(s["solutionVersionArn"], s["status"], s["trainingMode"]) for s in summaries] == \
        [(version_arn, "ACTIVE", "FULL")]
    code, _ = error(personalize.stop_solution_version_creation, solutionVersionArn=version_arn)
    assert code == "ResourceInUseException"

    from tastemaker.evaluation.pipeline import train_and_evaluate
    from tastemaker.training.artifacts import has_model, load_model
    from tastemaker.training.job import load_data
    ctx = embedded.service.base
    record = ctx.store.get("solution_version", version_arn)
    again, _ = train_and_evaluate(load_data(ctx, record), "aws-sims", config["algorithmHyperParameters"], None,
                                  record["evaluation"]["seed"])
    assert {k: round(v, 4) for k, v in again.items()} == metrics["metrics"]  # the recorded seed reproduces them
    recipe_name, model = load_model(ctx, version_arn)
    assert recipe_name == "aws-sims" and len(model.item_ids) == 80
    personalize.delete_solution(solutionArn=arn)
    assert not has_model(ctx, version_arn)
    assert error(personalize.describe_solution, solutionArn=arn)[0] == "ResourceNotFoundException"
    assert error(personalize.describe_solution_version, solutionVersionArn=version_arn)[0] == \
        "ResourceNotFoundException"


def test_too_little_data_fails_with_personalizes_reason(personalize, tmp_path):
    few = small_group(personalize, tmp_path, name="few", n_users=20, per_user=60)
    arn = personalize.create_solution(name="few", datasetGroupArn=few,
                                      recipeArn=RECIPE + "aws-popularity-count")["solutionArn"]
    version_arn = personalize.create_solution_version(solutionArn=arn)["solutionVersionArn"]
    version = personalize.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]
    assert version["status"] == "CREATE FAILED"
    assert version["failureReason"].startswith(
        "Create failed. Dataset has fewer than 25 users with at least 2 interactions each.")
    assert "trainingHours" not in version
    code, msg = error(personalize.get_solution_metrics, solutionVersionArn=version_arn)
    assert code == "ResourceInUseException" and "CREATE FAILED" in msg

    group = small_group(personalize, tmp_path, name="buys")
    arn = personalize.create_solution(name="buys", datasetGroupArn=group, eventType="buy",
                                      recipeArn=RECIPE + "aws-popularity-count")["solutionArn"]
    version_arn = personalize.create_solution_version(solutionArn=arn)["solutionVersionArn"]
    version = personalize.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]
    assert version["status"] == "CREATE FAILED" and version["eventType"] == "buy"
    assert "fewer than 1000 interactions. Found 300 " in version["failureReason"]


def test_a_group_without_interactions_fails_clearly(personalize):
    group = personalize.create_dataset_group(name="empty")["datasetGroupArn"]
    arn = personalize.create_solution(name="empty", datasetGroupArn=group,
                                      recipeArn=RECIPE + "aws-popularity-count")["solutionArn"]
    version_arn = personalize.create_solution_version(solutionArn=arn)["solutionVersionArn"]
    version = personalize.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]
    assert version["status"] == "CREATE FAILED" and "has no interactions" in version["failureReason"]


def test_update_training_mode_rules(personalize, group):
    sims = personalize.create_solution(name="sims", datasetGroupArn=group, recipeArn=RECIPE + "aws-sims")
    code, msg = error(personalize.create_solution_version, solutionArn=sims["solutionArn"], trainingMode="UPDATE")
    assert code == "InvalidInputException" and "only for aws-user-personalization" in msg
    up = personalize.create_solution(name="up", datasetGroupArn=group,
                                     recipeArn=RECIPE + "aws-user-personalization")["solutionArn"]
    code, msg = error(personalize.create_solution_version, solutionArn=up, trainingMode="UPDATE")
    assert code == "InvalidInputException" and "trained with FULL" in msg
    full = personalize.create_solution_version(solutionArn=up, trainingMode="FULL")["solutionVersionArn"]
    assert personalize.describe_solution_version(solutionVersionArn=full)["solutionVersion"]["status"] == "ACTIVE"
    update = personalize.create_solution_version(solutionArn=up, trainingMode="UPDATE")["solutionVersionArn"]
    described = personalize.describe_solution_version(solutionVersionArn=update)["solutionVersion"]
    assert described["status"] == "ACTIVE", described.get("failureReason")
    assert described["trainingMode"] == "UPDATE"
    assert personalize.get_solution_metrics(solutionVersionArn=update)["metrics"] == \
        personalize.get_solution_metrics(solutionVersionArn=full)["metrics"]


def test_hpo_reports_tuned_hyperparameters(personalize, group, embedded):
    arn = personalize.create_solution(
        name="tuned", datasetGroupArn=group, recipeArn=RECIPE + "aws-sims", performHPO=True,
        solutionConfig={"hpoConfig": {
            "hpoResourceConfig": {"maxNumberOfTrainingJobs": "3", "maxParallelTrainingJobs": "1"},
            "algorithmHyperParameterRanges": {"continuousHyperParameterRanges": [
                {"name": "popularity_discount_factor", "minValue": 0.2, "maxValue": 0.4}]}}},
    )["solutionArn"]
    assert personalize.describe_solution(solutionArn=arn)["solution"]["performHPO"] is True
    version_arn = personalize.create_solution_version(solutionArn=arn)["solutionVersionArn"]
    version = personalize.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]
    assert version["status"] == "ACTIVE", version.get("failureReason")
    tuned = version["tunedHPOParams"]["algorithmHyperParameters"]
    assert 0.2 <= float(tuned["popularity_discount_factor"]) <= 0.4
    assert tuned["min_cointeraction_count"] == "3"  # not searched: keeps the solution's value
    assert set(personalize.get_solution_metrics(solutionVersionArn=version_arn)["metrics"]) == METRICS
    trials = embedded.service.base.store.get("solution_version", version_arn)["evaluation"]["hpo_trials"]
    assert len(trials) == 3  # maxNumberOfTrainingJobs
    assert all(0.2 <= float(t["params"]["popularity_discount_factor"]) <= 0.4 for t in trials)


def test_update_solution(personalize, group):
    arn = personalize.create_solution(name="s", datasetGroupArn=group, recipeArn=RECIPE + "aws-popularity-count",
                                      performAutoTraining=True)["solutionArn"]
    personalize.update_solution(solutionArn=arn, performAutoTraining=False, solutionUpdateConfig={
        "autoTrainingConfig": {"schedulingExpression": "rate(3 days)"}})
    solution = personalize.describe_solution(solutionArn=arn)["solution"]
    assert solution["performAutoTraining"] is False
    assert solution["latestSolutionUpdate"]["status"] == "ACTIVE"
    assert solution["latestSolutionUpdate"]["solutionUpdateConfig"]["autoTrainingConfig"] == {
        "schedulingExpression": "rate(3 days)"}
    code, msg = error(personalize.update_solution, solutionArn=arn, solutionUpdateConfig={
        "autoTrainingConfig": {"schedulingExpression": "rate(90 days)"}})
    assert code == "InvalidInputException" and "rate(N days)" in msg


def test_events_config_weights_event_types_and_adds_its_metric(personalize, group, embedded):
    events = {"eventParametersList": [{"eventType": "buy", "weight": 0.3},
                                      {"eventType": "click", "weight": 0.1, "eventValueThreshold": 0.2}]}
    for recipe, extra, expected in (
            ("aws-sims", {}, "supported by aws-user-personalization-v2 and aws-personalized-ranking-v2"),
            ("aws-user-personalization-v2", {"eventType": "click"}, "either eventType or"),
            ("aws-user-personalization-v2", {}, "valid max value: 1")):
        bad = {"eventParametersList": [{"eventType": "buy", "weight": 1.5}]} if "max" in expected else events
        code, msg = error(personalize.create_solution, name="e", datasetGroupArn=group, recipeArn=RECIPE + recipe,
                          solutionConfig={"eventsConfig": bad}, **extra)
        assert code == "InvalidInputException" and expected in msg, msg
    assert personalize.list_solutions()["solutions"] == []

    arn = personalize.create_solution(name="e", datasetGroupArn=group, recipeArn=RECIPE + "aws-user-personalization-v2",
                                      solutionConfig={"eventsConfig": events})["solutionArn"]
    assert personalize.describe_solution(solutionArn=arn)["solution"]["solutionConfig"]["eventsConfig"] == events
    version_arn = personalize.create_solution_version(solutionArn=arn)["solutionVersionArn"]
    version = personalize.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]
    assert version["status"] == "ACTIVE", version.get("failureReason")
    metrics = personalize.get_solution_metrics(solutionVersionArn=version_arn)["metrics"]
    key = "normalized_discounted_cumulative_gain_with_event_weights_at_k"
    assert set(metrics) == METRICS | {key} and 0.0 < metrics[key] <= 1.0

    from tastemaker.training.job import load_data
    ctx = embedded.service.base
    data = load_data(ctx, ctx.store.get("solution_version", version_arn)).interactions
    names = data.event_types[data.event_type]
    assert set(names) == {"buy", "click"}  # clicks below 0.2 are left out
    assert np.all(data.event_value[names == "click"] >= 0.2) and len(data) < 1500
    assert np.allclose(data.weight[names == "buy"], 1.5) and np.allclose(data.weight[names == "click"], 0.5)

    code, msg = error(personalize.update_solution, solutionArn=arn, solutionUpdateConfig={
        "eventsConfig": {"eventParametersList": [{"eventType": "buy"}, {"eventType": "BUY"}]}})
    assert code == "InvalidInputException" and "more than once" in msg
    assert personalize.describe_solution(solutionArn=arn)["solution"]["solutionConfig"]["eventsConfig"] == events
    only_buys = {"eventParametersList": [{"eventType": "buy", "weight": 1.0}]}
    personalize.update_solution(solutionArn=arn, solutionUpdateConfig={"eventsConfig": only_buys})
    solution = personalize.describe_solution(solutionArn=arn)["solution"]
    assert solution["solutionConfig"]["eventsConfig"] == only_buys
    assert solution["latestSolutionUpdate"]["solutionUpdateConfig"]["eventsConfig"] == only_buys
    later = personalize.create_solution_version(solutionArn=arn)["solutionVersionArn"]
    data = load_data(ctx, ctx.store.get("solution_version", later)).interactions
    assert set(data.event_types[data.event_type]) == {"buy"}
    version = personalize.describe_solution_version(solutionVersionArn=later)["solutionVersion"]
    assert version["status"] == "CREATE FAILED" and "Found 300" in version["failureReason"]  # 1 row in 5 is a buy


def test_auto_ml_chooses_the_recipe_by_the_validation_metric(personalize, embedded, tmp_path):
    # two well-separated taste clusters (each favours its half of the items 50 times): with the split seeded by
    # the version's random id, popularity must never win by chance
    group = small_group(personalize, tmp_path, name="clusters", cluster_boost=50.0)
    config = {"autoMLConfig": {"metricName": "precision_at_25", "recipeList": [
        RECIPE + "aws-popularity-count", RECIPE + "aws-user-personalization"]}}
    arn = personalize.create_solution(name="auto", datasetGroupArn=group, performAutoML=True,
                                      solutionConfig=config)["solutionArn"]
    solution = personalize.describe_solution(solutionArn=arn)["solution"]
    assert solution["performAutoML"] is True and "recipeArn" not in solution and "autoMLResult" not in solution
    version_arn = personalize.create_solution_version(solutionArn=arn)["solutionVersionArn"]
    version = personalize.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]
    assert version["status"] == "ACTIVE", version.get("failureReason")
    record = embedded.service.base.store.get("solution_version", version_arn)
    scores = record["auto_ml_scores"]
    assert set(scores) == {"aws-popularity-count", "aws-user-personalization"}
    best = max(scores, key=scores.get)
    assert version["performAutoML"] is True and version["recipeArn"] == RECIPE + best
    assert personalize.describe_solution(solutionArn=arn)["solution"]["autoMLResult"] == {
        "bestRecipeArn": RECIPE + best}
    assert set(personalize.get_solution_metrics(solutionVersionArn=version_arn)["metrics"]) == METRICS
    # two taste clusters: the personalised recipe beats the popular items on the training users' validation split
    assert best == "aws-user-personalization" and scores[best] > scores["aws-popularity-count"]
    update = personalize.create_solution_version(solutionArn=arn, trainingMode="UPDATE")["solutionVersionArn"]
    assert personalize.describe_solution_version(solutionVersionArn=update)["solutionVersion"]["recipeArn"] == \
        RECIPE + best


def test_delete_solution_refused_while_a_campaign_serves_it(personalize, group):
    arn = personalize.create_solution(name="s", datasetGroupArn=group,
                                      recipeArn=RECIPE + "aws-popularity-count")["solutionArn"]
    version_arn = personalize.create_solution_version(solutionArn=arn)["solutionVersionArn"]
    campaign = personalize.create_campaign(name="c", solutionVersionArn=version_arn)["campaignArn"]
    code, msg = error(personalize.delete_solution, solutionArn=arn)
    assert code == "ResourceInUseException" and campaign in msg
    personalize.delete_campaign(campaignArn=campaign)
    personalize.delete_solution(solutionArn=arn)
    assert personalize.list_solution_versions()["solutionVersions"] == []


def test_next_item_evaluation_setting_scores_one_truth_item_per_held_out_user(tmp_path):
    import tastemaker
    from tastemaker.evaluation.pipeline import train_and_evaluate
    from tastemaker.training.job import load_data

    with tastemaker.embedded(tmp_path / "data", executor="inline", evaluation_truth="next-item") as emb:
        group = small_group(emb.personalize, tmp_path)
        arn = emb.personalize.create_solution(name="pop", datasetGroupArn=group,
                                              recipeArn=RECIPE + "aws-popularity-count")["solutionArn"]
        version_arn = emb.personalize.create_solution_version(solutionArn=arn)["solutionVersionArn"]
        metrics = emb.personalize.get_solution_metrics(solutionVersionArn=version_arn)["metrics"]
        record = emb.service.base.store.get("solution_version", version_arn)
        data = load_data(emb.service.base, record)
    assert set(metrics) == METRICS and record["evaluation"]["truth"] == "next-item"
    assert metrics["precision_at_25"] <= 1 / 25  # one truth item per user
    seed = record["evaluation"]["seed"]
    again, _ = train_and_evaluate(data, "aws-popularity-count", None, None, seed, truth="next-item")
    _, documented = train_and_evaluate(data, "aws-popularity-count", None, None, seed)
    assert {k: round(v, 4) for k, v in again.items()} == metrics
    evaluation = record["evaluation"]  # 25 rows per user: the documented split holds out 3, next-item 1
    assert evaluation["test_truth_interactions"] == evaluation["test_users"] > 0
    assert documented["test_truth_interactions"] == 3 * documented["test_users"] == 3 * evaluation["test_users"]
