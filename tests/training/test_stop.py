"""StopSolutionVersionCreation and the in-flight limits, on the thread executor with a recipe that waits."""
from __future__ import annotations

import threading
import time
from typing import ClassVar

import pytest
from botocore.exceptions import ClientError

import tastemaker
from tastemaker.recipes.popularity import PopularityCount
from tastemaker.recipes.sims import Sims
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


class SlowSims(Sims):
    """aws-sims whose every training takes 0.2 s more without reporting progress (stops are noticed between HPO
    trials); counts its trainings and the threads they ran on."""

    name: ClassVar[str] = "test-slow-sims"
    trainings: ClassVar[list[float]] = []
    threads: ClassVar[list[str]] = []

    def train(self, data, params, features, options):
        SlowSims.trainings.append(time.monotonic())
        SlowSims.threads.append(threading.current_thread().name)
        time.sleep(0.2)
        return super().train(data, params, features, options)


@pytest.fixture
def threaded(tmp_path, monkeypatch):
    from tastemaker.recipes import registry

    monkeypatch.setitem(registry.RECIPES, WaitingPopularity.name, WaitingPopularity)
    monkeypatch.setitem(registry.RECIPES, SlowSims.name, SlowSims)
    RELEASE.clear()
    with tastemaker.embedded(tmp_path / "data", executor="thread", workers=1) as emb:
        yield emb
        RELEASE.set()
        emb.service.drain(timeout=30)


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
    threaded.service.drain(timeout=30)
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


def hpo_solution(personalize, group: str, trials: int, parallel: int) -> str:
    arn = personalize.create_solution(
        name="hpo", datasetGroupArn=group, recipeArn="arn:aws:personalize:::recipe/test-slow-sims", performHPO=True,
        solutionConfig={"hpoConfig": {"hpoResourceConfig": {"maxNumberOfTrainingJobs": str(trials),
                                                            "maxParallelTrainingJobs": str(parallel)}}})["solutionArn"]
    wait_solution(personalize, arn)
    SlowSims.trainings.clear()
    SlowSims.threads.clear()
    return arn


def test_hpo_trials_run_through_the_executor_in_parallel(threaded, tmp_path):
    """The job's one worker thread fans its trials out through the executor: two at a time on threads of their
    own, then the evaluation and final trainings back on the job's thread."""
    personalize = threaded.personalize
    arn = hpo_solution(personalize, small_group(personalize, tmp_path), trials=4, parallel=2)
    version = personalize.create_solution_version(solutionArn=arn)["solutionVersionArn"]
    assert wait_for(personalize, version, {"ACTIVE", "CREATE FAILED"}, timeout=30) == "ACTIVE"
    trial_threads, job_threads = SlowSims.threads[:4], SlowSims.threads[4:]
    assert all(name.startswith("tastemaker-piece") for name in trial_threads)
    assert len(set(trial_threads)) == 2 and len(job_threads) == 2
    assert all(name.startswith("tastemaker-job") for name in job_threads)
    starts = SlowSims.trainings[:4]
    assert starts[1] - starts[0] < 0.2 and starts[3] - starts[2] < 0.2  # the first sleeps 0.2 s: they overlap
    detail = personalize.describe_solution_version(solutionVersionArn=version)["solutionVersion"]
    assert set(detail["tunedHPOParams"]["algorithmHyperParameters"]) >= {"popularity_discount_factor"}


@pytest.mark.parametrize("parallel", [1, 3])
def test_a_stop_during_hpo_ends_the_search_after_the_running_trials(threaded, tmp_path, parallel):
    personalize = threaded.personalize
    arn = hpo_solution(personalize, small_group(personalize, tmp_path), trials=40, parallel=parallel)
    version = personalize.create_solution_version(solutionArn=arn)["solutionVersionArn"]
    deadline = time.monotonic() + 20
    while len(SlowSims.trainings) < 2:  # the search is under way (40 trials would take 8 s or more)
        assert time.monotonic() < deadline
        time.sleep(0.02)
    personalize.stop_solution_version_creation(solutionVersionArn=version)
    assert wait_for(personalize, version, {"CREATE STOPPED"}, timeout=5) == "CREATE STOPPED"
    assert len(SlowSims.trainings) < 10 * parallel


def test_user_personalization_notices_a_stop_inside_its_blend_search():
    from tastemaker.jobs.runner import StopRequested
    from tastemaker.recipes.base import TrainingOptions
    from tastemaker.recipes.user_personalization import UserPersonalizationV2
    from tests.training.test_events import two_pools

    calls: list[float] = []

    def progress(fraction: float) -> None:
        calls.append(fraction)
        if calls.count(0.45) > 20:  # well inside the coordinate ascent
            raise StopRequested()

    with pytest.raises(StopRequested):
        UserPersonalizationV2().train(two_pools(), {}, {}, TrainingOptions(progress=progress))
    assert calls.count(0.2) >= 3 and 0.6 not in calls  # checked while fitting, stopped before the final model
