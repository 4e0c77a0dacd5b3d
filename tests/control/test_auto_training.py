"""Automatic training: the first version an hour after the solution, then every scheduled interval."""
from __future__ import annotations

import dataclasses
import time

import tastemaker
from tastemaker.control.auto_training import interval_seconds, next_due, run_due
from tests.training.helpers import small_group

RECIPE = "arn:aws:personalize:::recipe/aws-popularity-count"
HOUR, DAY = 3600.0, 86400.0


def at(ctx, when: float):
    return dataclasses.replace(ctx, clock=lambda: when)


def versions(personalize, arn):
    return personalize.list_solution_versions(solutionArn=arn)["solutionVersions"]


def test_the_schedule(personalize, embedded, tmp_path):
    ctx = embedded.service.base
    group = small_group(personalize, tmp_path)
    arn = personalize.create_solution(name="auto", datasetGroupArn=group, recipeArn=RECIPE)["solutionArn"]
    off = personalize.create_solution(name="manual", datasetGroupArn=group, recipeArn=RECIPE,
                                      performAutoTraining=False)["solutionArn"]
    created = personalize.describe_solution(solutionArn=arn)["solution"]["creationDateTime"].timestamp()

    assert run_due(at(ctx, created + HOUR - 60)) == []
    [first] = run_due(at(ctx, created + HOUR + 1))
    assert first.startswith(arn + "/")
    version = personalize.describe_solution_version(solutionVersionArn=first)["solutionVersion"]
    assert version["status"] == "ACTIVE", version.get("failureReason")
    assert version["trainingType"] == "AUTOMATIC" and version["trainingMode"] == "AUTOTRAIN"
    assert personalize.describe_solution(solutionArn=arn)["solution"]["latestSolutionVersion"][
        "trainingType"] == "AUTOMATIC"
    assert set(personalize.get_solution_metrics(solutionVersionArn=first)["metrics"]) >= {"coverage"}
    assert versions(personalize, off) == []  # performAutoTraining false: never

    made = version["creationDateTime"].timestamp()
    assert run_due(at(ctx, made + 7 * DAY - 60)) == []  # default rate: 7 days after the newest version
    [second] = run_due(at(ctx, made + 7 * DAY + 1))
    assert len(versions(personalize, arn)) == 2 and second != first

    personalize.update_solution(solutionArn=arn, solutionUpdateConfig={
        "autoTrainingConfig": {"schedulingExpression": "rate(1 day)"}})
    made = personalize.describe_solution_version(solutionVersionArn=second)["solutionVersion"][
        "creationDateTime"].timestamp()
    assert len(run_due(at(ctx, made + DAY + 1))) == 1

    personalize.update_solution(solutionArn=arn, performAutoTraining=False)
    assert run_due(at(ctx, made + 30 * DAY)) == []


def test_a_version_made_by_hand_in_the_first_hour_postpones_it(personalize, embedded, tmp_path):
    ctx = embedded.service.base
    group = small_group(personalize, tmp_path)
    arn = personalize.create_solution(name="s", datasetGroupArn=group, recipeArn=RECIPE)["solutionArn"]
    created = personalize.describe_solution(solutionArn=arn)["solution"]["creationDateTime"].timestamp()
    personalize.create_solution_version(solutionArn=arn)
    assert run_due(at(ctx, created + HOUR + 1)) == []
    assert [v["trainingType"] for v in versions(personalize, arn)] == ["MANUAL"]


def test_due_times_and_intervals():
    solution = {"perform_auto_training": True, "status": "ACTIVE", "creation_date_time": 1000.0,
                "solution_config": {"auto_training_config": {"scheduling_expression": "rate(3 days)"}}}
    assert interval_seconds(solution) == 3 * DAY and interval_seconds({}) == 7 * DAY
    assert next_due(solution, []) == 1000.0 + HOUR
    done = [{"status": "ACTIVE", "creation_date_time": 5000.0}, {"status": "CREATE FAILED", "creation_date_time": 9e3}]
    assert next_due(solution, done) == 9000.0 + 3 * DAY
    assert next_due(solution, done + [{"status": "CREATE IN_PROGRESS", "creation_date_time": 1.0}]) is None
    assert next_due({**solution, "perform_auto_training": False}, []) is None


def test_the_service_runs_the_schedule_in_the_background(tmp_path, monkeypatch):
    from tastemaker.control import auto_training

    monkeypatch.setattr(auto_training, "FIRST_DELAY", 0.0)  # due as soon as the solution is ACTIVE
    with tastemaker.embedded(tmp_path / "data", executor="thread", auto_training_check_seconds=0.05) as emb:
        personalize = emb.personalize
        group = small_group(personalize, tmp_path)
        arn = personalize.create_solution(name="s", datasetGroupArn=group, recipeArn=RECIPE)["solutionArn"]
        deadline = time.monotonic() + 20
        while not versions(personalize, arn):
            assert time.monotonic() < deadline, "no automatic version was created"
            time.sleep(0.05)
        emb.service.drain(timeout=30)
        assert [v["trainingType"] for v in versions(personalize, arn)] == ["AUTOMATIC"]
