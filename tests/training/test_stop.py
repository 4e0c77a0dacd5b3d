"""StopSolutionVersionCreation and the in-flight limits, on the thread executor with a recipe that waits."""
from __future__ import annotations

import threading
import time
from typing import ClassVar

import pytest
from botocore.exceptions import ClientError

import tastemaker
from tastemaker.recipes.popularity import PopularityCount
from tests.training.helpers import small_group

RELEASE = threading.Event()


class WaitingPopularity(PopularityCount):
    """aws-popularity-count that trains until RELEASE is set, reporting progress (where stops are noticed)."""

    name: ClassVar[str] = "test-waiting-popularity"

    def train(self, data, params, features, options):
        deadline = time.monotonic() + 30
        while not RELEASE.wait(0.02) and time.monotonic() < deadline:
            options.progress(0.5)
        return super().train(data, params, features, options)


@pytest.fixture
def threaded(tmp_path, monkeypatch):
    from tastemaker.recipes import registry

    monkeypatch.setitem(registry.RECIPES, WaitingPopularity.name, WaitingPopularity)
    RELEASE.clear()
    with tastemaker.embedded(tmp_path / "data", executor="thread", workers=1) as emb:
        yield emb
        RELEASE.set()
        emb.service.executor.drain(timeout=30)


def wait_for(personalize, arn, statuses, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        status = personalize.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]["status"]
        if status in statuses or time.monotonic() > deadline:
            return status
        time.sleep(0.02)


def wait_solution(personalize, arn):
    deadline = time.monotonic() + 10
    while personalize.describe_solution(solutionArn=arn)["solution"]["status"] != "ACTIVE":
        assert time.monotonic() < deadline
        time.sleep(0.02)


def code_of(call, **kwargs):
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


def test_stop_pending_and_in_progress_versions(threaded, tmp_path):
    personalize = threaded.personalize
    group = small_group(personalize, tmp_path)
    arn = personalize.create_solution(name="slow", datasetGroupArn=group,
                                      recipeArn="arn:aws:personalize:::recipe/test-waiting-popularity")["solutionArn"]
    wait_solution(personalize, arn)
    code, msg = code_of(personalize.create_solution_version, solutionArn=arn + "x")
    assert code == "ResourceNotFoundException"
    first = personalize.create_solution_version(solutionArn=arn)["solutionVersionArn"]
    assert wait_for(personalize, first, {"CREATE IN_PROGRESS"}) == "CREATE IN_PROGRESS"
    second = personalize.create_solution_version(solutionArn=arn)["solutionVersionArn"]
    assert personalize.describe_solution_version(solutionVersionArn=second)["solutionVersion"]["status"] == \
        "CREATE PENDING"
    code, msg = code_of(personalize.delete_solution, solutionArn=arn)
    assert code == "ResourceInUseException" and "StopSolutionVersionCreation" in msg

    personalize.stop_solution_version_creation(solutionVersionArn=second)
    assert personalize.describe_solution_version(solutionVersionArn=second)["solutionVersion"]["status"] == \
        "CREATE STOPPED"
    personalize.stop_solution_version_creation(solutionVersionArn=first)
    status = personalize.describe_solution_version(solutionVersionArn=first)["solutionVersion"]["status"]
    assert status in ("CREATE STOPPING", "CREATE STOPPED")
    assert wait_for(personalize, first, {"CREATE STOPPED"}) == "CREATE STOPPED"
    code, _ = code_of(personalize.stop_solution_version_creation, solutionVersionArn=first)
    assert code == "ResourceInUseException"
    code, _ = code_of(personalize.get_solution_metrics, solutionVersionArn=first)
    assert code == "ResourceInUseException"
    threaded.service.executor.drain(timeout=30)
    assert personalize.describe_solution_version(solutionVersionArn=second)["solutionVersion"]["status"] == \
        "CREATE STOPPED"
    personalize.delete_solution(solutionArn=arn)


def test_at_most_twenty_versions_in_flight(threaded, tmp_path):
    personalize = threaded.personalize
    group = small_group(personalize, tmp_path)
    arn = personalize.create_solution(name="slow", datasetGroupArn=group,
                                      recipeArn="arn:aws:personalize:::recipe/test-waiting-popularity")["solutionArn"]
    wait_solution(personalize, arn)
    versions = [personalize.create_solution_version(solutionArn=arn)["solutionVersionArn"] for _ in range(20)]
    code, msg = code_of(personalize.create_solution_version, solutionArn=arn)
    assert code == "LimitExceededException" and "20" in msg
    for version in versions:
        personalize.stop_solution_version_creation(solutionVersionArn=version)
    RELEASE.set()
    assert wait_for(personalize, versions[0], {"CREATE STOPPED"}) == "CREATE STOPPED"
    assert personalize.create_solution_version(solutionArn=arn)["solutionVersionArn"]

