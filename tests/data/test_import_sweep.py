"""sweep_orphaned_imports: half-written versions that no dataset and no live job owns are removed at start-up;
current and previous versions, and the files of imports and data deletions still running, are kept."""
from __future__ import annotations

import pyarrow.parquet as pq

from tastemaker.control import data_deletion, dataset_groups, datasets, imports, schemas
from tastemaker.control.datasets import data_prefix
from tastemaker.data import loader
from tests.data.builders import INTERACTIONS, ROLE, import_wait, interaction_rows, make_dataset, make_group, write_csv

HEADER = ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE", "EVENT_VALUE"]


def _partial(lake_dir, current, name: str) -> None:
    """What a process killed while writing leaves: the first bytes of a Parquet file."""
    (lake_dir / name).write_bytes(current.read_bytes()[:300])


def test_sweep_removes_orphans_and_keeps_versions_and_live_jobs(personalize, embedded, tmp_path):
    group = make_group(personalize)
    dataset = make_dataset(personalize, group, "Interactions", INTERACTIONS)
    csv_path = str(write_csv(tmp_path / "ok.csv", HEADER, interaction_rows(1500)))
    for job in ("full1", "full2"):
        assert import_wait(personalize, dataset, csv_path, job)["status"] == "ACTIVE"
    bad = write_csv(tmp_path / "bad.csv", HEADER, interaction_rows(10))
    assert import_wait(personalize, dataset, str(bad), "killed")["status"] == "CREATE FAILED"
    ctx = embedded.service.context()
    record = ctx.store.get("dataset", dataset)
    lake_dir = embedded.service.settings.data_dir / "lake" / data_prefix(record)
    current = lake_dir / record["data_key"].rsplit("/", 1)[1]
    previous = lake_dir / record["previous_data_key"].rsplit("/", 1)[1]
    _partial(lake_dir, current, "killed-0123abcd.parquet")  # the failed job's attempt, killed mid-write
    _partial(lake_dir, current, "ghost-89abcdef.parquet")  # no job of that name at all
    _partial(lake_dir, current, "live-00c0ffee.parquet")  # an import still running
    _partial(lake_dir, current, "forget-0badf00d.parquet")  # a data deletion still running
    ctx.store.insert("dataset_import_job", {"arn": ctx.arn("dataset-import-job/live"), "job_name": "live",
                                            "dataset_arn": dataset, "status": "CREATE IN_PROGRESS"})
    ctx.store.insert(data_deletion.KIND, {"arn": ctx.arn("data-deletion-job/forget"), "job_name": "forget",
                                          "dataset_group_arn": group, "status": "IN_PROGRESS"})

    assert imports.sweep_orphaned_imports(ctx) == 2
    assert sorted(p.name for p in lake_dir.iterdir()) == sorted(
        [current.name, previous.name, "live-00c0ffee.parquet", "forget-0badf00d.parquet"])
    assert loader.load_interactions_table(ctx, group).num_rows == 1500
    assert pq.ParquetFile(previous).metadata.num_rows == 1500
    ctx.store.update("dataset_import_job", ctx.arn("dataset-import-job/live"), {"status": "CREATE FAILED"})
    assert imports.sweep_orphaned_imports(ctx) == 1  # its job failed: now an orphan too
    assert imports.sweep_orphaned_imports(ctx) == 0


def test_sweep_keeps_the_versions_of_a_same_named_group_in_another_region(personalize, embedded, tmp_path):
    """Two regions' groups "g" have folders of their own (datasets/<account>/<region>/g); a sweep keeps both."""
    group = make_group(personalize)
    dataset = make_dataset(personalize, group, "Interactions", INTERACTIONS)
    csv_path = str(write_csv(tmp_path / "ok.csv", HEADER, interaction_rows(1200)))
    assert import_wait(personalize, dataset, csv_path, "east")["status"] == "ACTIVE"
    west = embedded.service.context("us-west-2")
    west_group = dataset_groups.create_dataset_group(west, name="g")["dataset_group_arn"]
    schema = schemas.create_schema(west, name="s", schema=INTERACTIONS)["schema_arn"]
    west_dataset = datasets.create_dataset(west, name="d", schema_arn=schema, dataset_group_arn=west_group,
                                           dataset_type="Interactions")["dataset_arn"]
    imports.create_dataset_import_job(west, job_name="west", dataset_arn=west_dataset, role_arn=ROLE,
                                      data_source={"data_location": csv_path})
    every = embedded.service.base  # across regions, as the service sweeps
    records = [every.store.get("dataset", arn) for arn in (dataset, west_dataset)]
    keys = [r["data_key"] for r in records]
    assert all(keys) and data_prefix(records[0]) != data_prefix(records[1])
    assert imports.sweep_orphaned_imports(every) == 0
    assert imports.sweep_orphaned_imports(west) == 0
    assert all(west.lake.exists(key) for key in keys)
