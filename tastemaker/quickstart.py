"""`tastemaker quickstart`: the whole Personalize workflow on synthetic data, through the real boto3 API."""
from __future__ import annotations

import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from tqdm import tqdm

from . import synthetic

RECIPES = ("aws-user-personalization", "aws-sims", "aws-personalized-ranking")
RECIPE_ARN = "arn:aws:personalize:::recipe/"
ROLE_ARN = "arn:aws:iam::000000000000:role/TastemakerQuickstart"
DONE = ("ACTIVE", "CREATE FAILED", "CREATE STOPPED")

JobProgress = Callable[[str], "dict[str, Any] | None"]
"""The job record of a resource ARN (None when it has none): its `state`, `progress` (0..1), `stage` (text) and
`started` (epoch seconds), as the store's job rows hold them."""


class QuickstartFailed(RuntimeError):
    """A step of the quickstart ended in a failure state (the message says which and why)."""


@dataclass
class Run:
    """What the quickstart created and measured."""

    personalize: Any
    runtime: Any
    out: Callable[[str], None]
    prefix: str = field(default_factory=lambda: "quickstart-" + secrets.token_hex(3))
    arns: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    genres: dict[str, str] = field(default_factory=dict)
    progress: bool = True
    job_progress: JobProgress | None = None  # the store's job rows in-process, else the console's view of them
    bar_file: Any = None  # where bars go (default stderr); bars show only when it is a terminal


def store_progress(store: Any) -> JobProgress | None:
    """Read a resource's latest job from a Store (an embedded Tastemaker's `service.store`); None for a store
    whose job rows do not hold progress (the bars then show the resource's status and the time waited)."""
    jobs_of = getattr(store, "jobs_of", None)
    return None if jobs_of is None else lambda arn: jobs_of([arn]).get(arn)


def console_progress(endpoint_url: str, timeout: float = 2.0) -> JobProgress:
    """Read a resource's job from a running server's console (`GET /console/api/jobs?arns=...`, its live-progress
    endpoint), as a job record. A server that asks for credentials answers 401: the read fails and the bars fall
    back to the resource's status (see `read_job`)."""
    import json
    import urllib.parse
    import urllib.request

    def read(arn: str) -> dict[str, Any] | None:
        url = f"{endpoint_url.rstrip('/')}/console/api/jobs?" + urllib.parse.urlencode({"arns": arn})
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return job_from_console(json.loads(resp.read()).get("jobs", {}).get(arn))
    return read


def job_from_console(live: dict[str, Any] | None, now: float | None = None) -> dict[str, Any] | None:
    """The console's live view of a resource ({queued, progress, stage, elapsed, ...}) as a job record."""
    if not live or not live.get("running"):
        return None
    if live.get("queued"):
        return {"state": "pending", "progress": None}
    if live.get("progress") is None or live.get("elapsed") is None:
        return None
    now = time.time() if now is None else now
    return {"state": "running", "progress": live["progress"], "stage": live.get("stage"),
            "started": now - float(live["elapsed"])}


def time_left(fraction: float | None, elapsed: float) -> float | None:
    """Seconds left if the job keeps its pace so far; None until there is enough to go by."""
    if fraction is None or fraction < 0.01 or elapsed < 1.0:
        return None
    return max(0.0, elapsed * (1.0 - fraction) / fraction)


class JobBar(tqdm):
    """A bar whose fraction, elapsed time and estimate are the job's own (its record), not the bar's."""

    STATUS = "{desc}: {job_stage} [{elapsed}]"
    FRACTION = "{desc}: {percentage:3.0f}%|{bar:20}| {job_elapsed} elapsed, {job_left} left{job_stage}"

    def __init__(self, *args: Any, status: str = "", **kwargs: Any) -> None:
        self.job_elapsed, self.job_left, self.job_stage = "", "", status  # the first draw happens in __init__
        super().__init__(*args, bar_format=self.STATUS, **kwargs)

    @property
    def format_dict(self) -> dict[str, Any]:
        return {**super().format_dict, "job_elapsed": self.job_elapsed, "job_left": self.job_left,
                "job_stage": self.job_stage}

    def show(self, status: str, job: dict[str, Any] | None) -> None:
        """Draw the job's record when there is one (else the resource's status and the time waited)."""
        if job is None or job.get("state") not in ("pending", "running") or "progress" not in job:
            self.bar_format, self.job_stage = self.STATUS, status
        elif job["state"] == "pending":
            self.bar_format, self.job_stage = self.STATUS, "waiting for a worker"
        else:
            fraction = float(job.get("progress") or 0.0)
            elapsed = max(0.0, time.time() - float(job.get("started") or time.time()))
            left = time_left(fraction, elapsed)
            self.bar_format = self.FRACTION
            self.job_elapsed = self.format_interval(elapsed)
            self.job_left = "?" if left is None else "~" + self.format_interval(left)
            self.job_stage = f" ({job['stage']})" if job.get("stage") else ""
            self.n = round(100 * fraction, 1)
        self.refresh()


def read_job(run: Run, arn: str | None) -> dict[str, Any] | None:
    """The job record of `arn` when the run can read one; a failed read turns job progress off for the run."""
    if run.job_progress is None or arn is None:
        return None
    try:
        return run.job_progress(arn)
    except Exception:  # noqa: BLE001 - a bar must never stop the quickstart
        run.job_progress = None
        return None


def wait(run: Run, what: str, describe: Callable[[], dict[str, Any]], arn: str | None = None,
         timeout: float = 3600) -> dict[str, Any]:
    """Poll a Describe* call until the resource is ACTIVE (raise on a failure state). Meanwhile, on a terminal, a
    bar shows the job's share done and time left, read from its job record (`run.job_progress`, by `arn`)."""
    deadline = time.monotonic() + timeout
    bar: JobBar | None = None
    try:
        while True:
            found = describe()
            if found["status"] in DONE:
                break
            if time.monotonic() > deadline:
                raise QuickstartFailed(f"{what} still {found['status']} after {timeout:.0f} s")
            if bar is None:  # only for a wait that waits: what is ACTIVE at once gets no bar
                bar = JobBar(desc=what, total=100, leave=False, file=run.bar_file or sys.stderr, dynamic_ncols=True,
                             disable=None if run.progress else True,  # None: off unless the file is a terminal
                             status=found["status"])
            if not bar.disable:
                bar.show(found["status"], read_job(run, arn))
            time.sleep(0.2)
    finally:
        if bar is not None:
            bar.close()
    if found["status"] != "ACTIVE":
        raise QuickstartFailed(f"{what} ended {found['status']}: {found.get('failureReason', 'no reason given')}")
    return found


def create_datasets(run: Run, paths: dict[str, Path]) -> None:
    """Dataset group, schemas, datasets, and one import job for each CSV."""
    p = run.personalize
    group = p.create_dataset_group(name=run.prefix)["datasetGroupArn"]
    run.arns["dataset_group"] = group
    wait(run, "dataset group", lambda: p.describe_dataset_group(datasetGroupArn=group)["datasetGroup"])
    for kind, schema in (("Interactions", synthetic.INTERACTIONS_SCHEMA), ("Items", synthetic.ITEMS_SCHEMA)):
        schema_arn = p.create_schema(name=f"{run.prefix}-{kind.lower()}", schema=schema)["schemaArn"]
        dataset = p.create_dataset(name=f"{run.prefix}-{kind.lower()}", schemaArn=schema_arn,
                                   datasetGroupArn=group, datasetType=kind)["datasetArn"]
        wait(run, f"{kind} dataset", lambda d=dataset: p.describe_dataset(datasetArn=d)["dataset"])
        try:
            job = p.create_dataset_import_job(
                jobName=f"{run.prefix}-{kind.lower()}-import", datasetArn=dataset, roleArn=ROLE_ARN,
                dataSource={"dataLocation": paths[kind.lower()].resolve().as_uri()},
            )["datasetImportJobArn"]
        except ClientError as exc:
            if "TASTEMAKER_LOCAL_ROOTS" not in str(exc):
                raise
            raise QuickstartFailed(
                f"the server may not read {paths[kind.lower()].parent}: {exc.response['Error']['Message']} "
                "Run the quickstart with --data-dir <the server's data folder>/files/quickstart, or start the "
                "server with TASTEMAKER_LOCAL_ROOTS naming the quickstart's folder.") from None
        found = wait(run, f"importing {kind.lower()}",
                     lambda j=job: p.describe_dataset_import_job(datasetImportJobArn=j)["datasetImportJob"], job)
        run.arns[f"{kind.lower()}_import"] = found["datasetImportJobArn"]
        run.out(f"  imported {paths[kind.lower()].name} into {dataset}")


def train(run: Run) -> None:
    """One solution and one version for each recipe; wait for all; read their metrics."""
    p = run.personalize
    available = {r["recipeArn"] for r in p.list_recipes()["recipes"]}
    versions = {}
    for recipe in RECIPES:
        if RECIPE_ARN + recipe not in available:
            raise QuickstartFailed(f"recipe {recipe} is not in list_recipes()")
        solution = p.create_solution(name=f"{run.prefix}-{recipe[4:]}", datasetGroupArn=run.arns["dataset_group"],
                                     recipeArn=RECIPE_ARN + recipe)["solutionArn"]
        wait(run, f"solution {recipe}", lambda s=solution: p.describe_solution(solutionArn=s)["solution"])
        versions[recipe] = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    for recipe, arn in versions.items():
        wait(run, f"training {recipe}",
             lambda a=arn: p.describe_solution_version(solutionVersionArn=a)["solutionVersion"], arn)
        run.arns[f"version:{recipe}"] = arn
        run.metrics[recipe] = p.get_solution_metrics(solutionVersionArn=arn)["metrics"]


def deploy(run: Run) -> None:
    p = run.personalize
    for recipe in RECIPES:
        campaign = p.create_campaign(name=f"{run.prefix}-{recipe[4:]}", minProvisionedTPS=1,
                                     solutionVersionArn=run.arns[f"version:{recipe}"])["campaignArn"]
        wait(run, f"deploying {recipe}", lambda c=campaign: p.describe_campaign(campaignArn=c)["campaign"],
             campaign)
        run.arns[f"campaign:{recipe}"] = campaign


def metrics_table(metrics: dict[str, dict[str, float]]) -> str:
    """Metric names down, recipes across, four decimals (as Personalize reports them)."""
    recipes = list(metrics)
    names = sorted({name for values in metrics.values() for name in values})
    width = max([len(n) for n in names] + [6])
    lines = [f"{'metric':<{width}}  " + "  ".join(f"{r[4:]:>24}" for r in recipes)]
    for name in names:
        cells = [metrics[r].get(name) for r in recipes]
        lines.append(f"{name:<{width}}  " + "  ".join(f"{'-' if c is None else f'{c:.4f}':>24}" for c in cells))
    return "\n".join(lines)


def show(run: Run, user: str, item: str) -> None:
    """Recommendations for one user and one item's neighbours, with their GENRE."""
    rt = run.runtime
    label = lambda i: f"{i['itemId']} ({run.genres.get(i['itemId'], '?')})"
    recs = rt.get_recommendations(campaignArn=run.arns["campaign:aws-user-personalization"], userId=user,
                                  numResults=10)["itemList"]
    run.out(f"Recommended for user {user}: " + ", ".join(label(i) for i in recs))
    similar = rt.get_recommendations(campaignArn=run.arns["campaign:aws-sims"], itemId=item,
                                     numResults=10)["itemList"]
    run.out(f"Items like {label({'itemId': item})}: " + ", ".join(label(i) for i in similar))
    ranked = rt.get_personalized_ranking(campaignArn=run.arns["campaign:aws-personalized-ranking"], userId=user,
                                         inputList=[i["itemId"] for i in similar])["personalizedRanking"]
    run.out(f"Those items ranked for user {user}: " + ", ".join(label(i) for i in ranked))


def run_quickstart(personalize: Any, runtime: Any, *, users: int = 1000, work_dir: Path | None = None,
                   out: Callable[[str], None] = print, progress: bool = True,
                   job_progress: JobProgress | None = None) -> Run:
    """Generate data, import it, train three recipes, deploy them and ask for recommendations. `job_progress`
    (see `store_progress`) lets the progress bars show each job's share done and time left."""
    run = Run(personalize, runtime, out, progress=progress, job_progress=job_progress)
    data = synthetic.generate(n_users=users, n_items=2 * users, n_interactions=50 * users)
    run.genres = dict(zip(data.items["ITEM_ID"].to_pylist(), data.items["GENRE"].to_pylist()))
    folder = Path(work_dir or tempfile.mkdtemp(prefix="tastemaker-quickstart-"))
    paths = data.write_csv(folder)
    out(f"Generated {data.interactions.num_rows} interactions of {users} users on {data.items.num_rows} items "
        f"in {folder}")
    started = time.monotonic()
    create_datasets(run, paths)
    out(f"Data imported ({time.monotonic() - started:.1f} s). Training {', '.join(RECIPES)}...")
    train(run)
    out(f"Trained ({time.monotonic() - started:.1f} s). Offline metrics (held-out users):")
    out(metrics_table(run.metrics))
    deploy(run)
    first = data.interactions.slice(0, 1).to_pylist()[0]
    show(run, first["USER_ID"], first["ITEM_ID"])
    out(f"Done in {time.monotonic() - started:.1f} s: dataset group {run.prefix}, three campaigns.")
    return run
