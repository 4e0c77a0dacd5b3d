"""Batch inference jobs (JSON Lines in, `<input>.out` out, on S3 or local files) and batch segment job listing."""
from __future__ import annotations

from typing import Any

from ..context import Context
from ..data import confine
from ..domain.status import ACTIVE, IN_FLIGHT
from ..errors import InvalidInputException, LimitExceededException, ResourceInUseException
from ..jobs import JobFailed, task
from ._common import check_name, create_with_job, new_record

KIND = "batch_inference_job"
SEGMENT_KIND = "batch_segment_job"
MAX_IN_FLIGHT = 5
DEFAULT_RESULTS = 25
MAX_RESULTS = 500
BATCH_TYPES = ("USER_PERSONALIZATION", "PERSONALIZED_RANKING", "RELATED_ITEMS")
SUMMARY_KEYS = ("batch_inference_job_arn", "job_name", "status", "creation_date_time", "last_updated_date_time",
                "failure_reason", "solution_version_arn", "batch_inference_job_mode")
SEGMENT_KEYS = ("batch_segment_job_arn", "job_name", "status", "creation_date_time", "last_updated_date_time",
                "failure_reason", "solution_version_arn")


def _check_version(ctx: Context, solution_version_arn: str) -> dict[str, Any]:
    from ..recipes.registry import recipe_class

    version = ctx.store.get("solution_version", solution_version_arn)
    if version.get("status") != ACTIVE:
        raise ResourceInUseException(
            f"Solution version {solution_version_arn} is {version.get('status')}; it must be ACTIVE.")
    recipe = str(version.get("recipe_arn") or "").rsplit("/", 1)[-1]
    if recipe and not recipe_class(recipe).batch_inference:
        raise InvalidInputException(f"Batch inference jobs are not available for {recipe} solution versions.")
    if recipe and recipe_class(recipe).recipe_type not in BATCH_TYPES:
        raise InvalidInputException(f"Batch inference does not support {recipe} solution versions.")
    return version


def _check_filter(ctx: Context, filter_arn: str | None, group_arn: str) -> None:
    if not filter_arn:
        return
    record = ctx.store.get("filter", filter_arn)
    if record.get("status") != ACTIVE:
        raise ResourceInUseException(f"Filter {filter_arn} is {record.get('status')}; it must be ACTIVE.")
    if record.get("dataset_group_arn") != group_arn:
        raise InvalidInputException(f"Filter {filter_arn} belongs to another dataset group than the solution version.")


def create_batch_inference_job(ctx: Context, *, job_name: str, solution_version_arn: str, job_input: dict,
                               job_output: dict, role_arn: str, filter_arn: str | None = None,
                               num_results: int | None = None, batch_inference_job_config: dict | None = None,
                               tags: list[dict] | None = None, batch_inference_job_mode: str | None = None,
                               theme_generation_config: dict | None = None) -> dict[str, Any]:
    check_name(job_name)
    if batch_inference_job_mode == "THEME_GENERATION" or theme_generation_config:
        raise InvalidInputException(
            "THEME_GENERATION batch inference (themes from an LLM) is not supported yet by Tastemaker.")
    for name, location in (("jobInput.s3DataSource.path", ((job_input or {}).get("s3_data_source") or {}).get("path")),
                           ("jobOutput.s3DataDestination.path",
                            ((job_output or {}).get("s3_data_destination") or {}).get("path"))):
        if not location:
            raise InvalidInputException(f"{name} is required.")
        confine.check_create(ctx.settings, location, name)
    version = _check_version(ctx, solution_version_arn)
    _check_filter(ctx, filter_arn, version["dataset_group_arn"])
    n = DEFAULT_RESULTS if num_results is None else num_results
    if not 1 <= n <= MAX_RESULTS:
        raise InvalidInputException(f"numResults must be between 1 and {MAX_RESULTS}; got {n}.")
    if len([j for j in ctx.store.list(KIND) if j.get("status") in IN_FLIGHT]) >= MAX_IN_FLIGHT:
        raise LimitExceededException(f"At most {MAX_IN_FLIGHT} batch inference jobs can be pending or in progress; "
                                     "wait for one to finish.")
    record = new_record(ctx, "batch_inference_job_arn", ctx.arn(f"batch-inference-job/{job_name}"), job_name,
                        job_name=job_name, solution_version_arn=solution_version_arn, filter_arn=filter_arn,
                        num_results=n, job_input=job_input, job_output=job_output, role_arn=role_arn,
                        batch_inference_job_config=batch_inference_job_config or {},
                        batch_inference_job_mode=batch_inference_job_mode or "BATCH_INFERENCE",
                        dataset_group_arn=version["dataset_group_arn"])
    create_with_job(ctx, KIND, record, tags, "batch_inference")
    return {"batch_inference_job_arn": record["arn"]}


def describe_batch_inference_job(ctx: Context, *, batch_inference_job_arn: str) -> dict[str, Any]:
    return {"batch_inference_job": ctx.store.get(KIND, batch_inference_job_arn)}


def list_batch_inference_jobs(ctx: Context, *, solution_version_arn: str | None = None) -> dict[str, Any]:
    found = ctx.store.list(KIND, solution_version_arn=solution_version_arn)
    return {"batch_inference_jobs": [{k: j.get(k) for k in SUMMARY_KEYS} for j in found]}


def describe_batch_segment_job(ctx: Context, *, batch_segment_job_arn: str) -> dict[str, Any]:
    return {"batch_segment_job": ctx.store.get(SEGMENT_KIND, batch_segment_job_arn)}


def list_batch_segment_jobs(ctx: Context, *, solution_version_arn: str | None = None) -> dict[str, Any]:
    found = ctx.store.list(SEGMENT_KIND, solution_version_arn=solution_version_arn)
    return {"batch_segment_jobs": [{k: j.get(k) for k in SEGMENT_KEYS} for j in found]}


def _run_file(ctx: Context, job: dict[str, Any], served: Any, source: str, progress: Any,
              roots: confine.Roots, share: tuple[int, int] = (0, 1)) -> None:
    from ..serving import batch_io
    from ..serving.batch import process_line

    config = job.get("batch_inference_job_config") or {}
    lines = [line for line in batch_io.read_text(source, ctx.region, roots=roots).splitlines() if line.strip()]
    out = []
    for number, line in enumerate(lines):
        out.append(process_line(ctx, served, line, job["num_results"], job.get("filter_arn"), config).decode())
        if number % 200 == 0:
            done, files = share
            progress.update((done + number / len(lines)) / files,
                            f"recommending: line {number + 1:,} of {len(lines):,}"
                            + (f" in file {done + 1} of {files}" if files > 1 else ""))
    target = batch_io.output_path(job["job_output"]["s3_data_destination"]["path"], source)
    batch_io.write_text(target, "\n".join(out) + ("\n" if out else ""), ctx.region, roots=roots)


@task("batch_inference", KIND)
def run_batch_inference(ctx: Context, arn: str, payload: dict | None, progress: Any) -> dict[str, Any]:
    """Read every input file, write `<output path>/<input file name>.out`, one output line per input line."""
    from ..serving import batch_io
    from ..serving.models import served_model

    job = ctx.store.get(KIND, arn)
    roots = confine.allowed_roots(ctx.settings)
    try:
        served = served_model(ctx, job["solution_version_arn"])
        sources = batch_io.input_files(job["job_input"]["s3_data_source"]["path"], ctx.region, roots=roots)
        for number, source in enumerate(sources):
            _run_file(ctx, job, served, source, progress, roots, (number, len(sources)))
            progress.update((number + 1) / len(sources))
    except UnicodeDecodeError as exc:
        raise JobFailed(f"An input file is not UTF-8 JSON Lines text ({exc.reason} at byte {exc.start}).") from None
    except (FileNotFoundError, ValueError) as exc:
        raise JobFailed(str(exc)) from exc
    except Exception as exc:
        if type(exc).__name__ in ("ClientError", "NoCredentialsError", "EndpointConnectionError", "NoSuchBucket"):
            raise JobFailed(f"Could not read or write the job's S3 data: {exc}") from exc
        raise
    return {}
