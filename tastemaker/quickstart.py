"""`tastemaker quickstart`: the whole Personalize workflow on synthetic data, through the real boto3 API."""
from __future__ import annotations

import secrets
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


def wait(run: Run, what: str, describe: Callable[[], dict[str, Any]], timeout: float = 3600) -> dict[str, Any]:
    """Poll a Describe* call with a progress bar until the resource is ACTIVE; raise on a failure state."""
    deadline = time.monotonic() + timeout
    with tqdm(desc=what, disable=not run.progress, leave=False, bar_format="{desc} [{elapsed}]") as bar:
        while True:
            found = describe()
            bar.set_description_str(f"{what}: {found['status']}", refresh=False)
            bar.update()
            if found["status"] in DONE:
                break
            if time.monotonic() > deadline:
                raise QuickstartFailed(f"{what} still {found['status']} after {timeout:.0f} s")
            time.sleep(0.2)
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
        wait(run, f"{kind} dataset", lambda: p.describe_dataset(datasetArn=dataset)["dataset"])
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
                     lambda: p.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"])
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
        wait(run, f"solution {recipe}", lambda: p.describe_solution(solutionArn=solution)["solution"])
        versions[recipe] = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    for recipe, arn in versions.items():
        wait(run, f"training {recipe}",
             lambda: p.describe_solution_version(solutionVersionArn=arn)["solutionVersion"])
        run.arns[f"version:{recipe}"] = arn
        run.metrics[recipe] = p.get_solution_metrics(solutionVersionArn=arn)["metrics"]


def deploy(run: Run) -> None:
    p = run.personalize
    for recipe in RECIPES:
        campaign = p.create_campaign(name=f"{run.prefix}-{recipe[4:]}", minProvisionedTPS=1,
                                     solutionVersionArn=run.arns[f"version:{recipe}"])["campaignArn"]
        wait(run, f"campaign {recipe}", lambda: p.describe_campaign(campaignArn=campaign)["campaign"])
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
    label = lambda i: f"{i['itemId']} ({run.genres.get(i['itemId'], '?')})"  # noqa: E731
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
                   out: Callable[[str], None] = print, progress: bool = True) -> Run:
    """Generate data, import it, train three recipes, deploy them and ask for recommendations."""
    run = Run(personalize, runtime, out, progress=progress)
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
    out(f"Done in {time.monotonic() - started:.1f} s. Dataset group: {run.arns['dataset_group']}")
    return run
