"""Local paths clients name are confined to Settings.local_roots (issue 18 item 3): imports, exports, batch
inference input and output and data deletion lists outside the roots are refused at Create (InvalidInputException)
and again by the job right before it opens a file (a symlink that leads outside fails the job); no refused file is
ever opened, so none of its content reaches a failureReason or an output."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

import tastemaker
from tastemaker.data import confine
from tastemaker.settings import Settings
from tests import serving_setup as ss
from tests.conftest import Server
from tests.data.builders import (
    INTERACTIONS,
    ROLE,
    interaction_rows,
    make_dataset,
    make_group,
    write_csv,
)
from tests.poc import wait_status

HEADER = ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE", "EVENT_VALUE"]
SECRET = "root:$6$s3cr3t-hash-do-not-leak:19000:0:99999:7:::"


@pytest.fixture
def world(tmp_path):
    """An embedded service whose only local root is tmp_path/root; a secret file beside it, outside."""
    root = tmp_path / "root"
    root.mkdir()
    secret = tmp_path / "shadow"
    secret.write_text(SECRET + "\n" + "USER_ID,ITEM_ID\n" + SECRET + "\n")
    with tastemaker.embedded(tmp_path / "data", executor="inline", local_roots=[root]) as emb:
        group = make_group(emb.personalize)
        dataset = make_dataset(emb.personalize, group, "Interactions", INTERACTIONS)
        yield {"emb": emb, "p": emb.personalize, "root": root, "secret": secret, "group": group, "dataset": dataset,
               "tmp": tmp_path}


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidInputException", error
    assert SECRET not in error["Message"] and "s3cr3t" not in error["Message"]
    return error["Message"]


def create_import(p, dataset, location, name="imp"):
    return p.create_dataset_import_job(jobName=name, datasetArn=dataset, roleArn=ROLE,
                                       dataSource={"dataLocation": location})


def describe_import(p, arn):
    return p.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"]


def test_import_of_etc_passwd_is_refused_at_create_and_names_the_roots_and_setting(world):
    p = world["p"]
    for location in ("file:///etc/passwd", "/etc/passwd", str(world["secret"]), world["secret"].as_uri()):
        message = refused(create_import, p, world["dataset"], location)
        assert location in message and str(world["root"].resolve()) in message
        assert "TASTEMAKER_LOCAL_ROOTS" in message
    assert "root:x:0:0" not in refused(create_import, p, world["dataset"], "file:///etc/passwd")
    assert p.list_dataset_import_jobs(datasetArn=world["dataset"])["datasetImportJobs"] == []


def test_dot_dot_escape_and_other_schemes_are_refused(world):
    p, root = world["p"], world["root"]
    for location in (f"{root}/../shadow", f"{root.as_uri()}/../shadow", f"{root}/sub/../../shadow",
                     f"{root}/../root-sibling/x.csv", "file://evil.example/etc/passwd", "ftp://host/x.csv"):
        refused(create_import, p, world["dataset"], location)
    # a `..` that stays inside the root is fine
    write_csv(root / "ok.csv", HEADER, interaction_rows(1200))
    arn = create_import(p, world["dataset"], f"{root}/sub/../ok.csv")["datasetImportJobArn"]
    assert describe_import(p, arn)["status"] == "ACTIVE"


def test_a_symlink_inside_a_root_to_a_file_outside_is_refused(world):
    p, root = world["p"], world["root"]
    (root / "passwd.csv").symlink_to("/etc/passwd")
    (root / "shadow.csv").symlink_to(world["secret"])
    (root / "outside").symlink_to(world["tmp"], target_is_directory=True)
    for location in (str(root / "passwd.csv"), (root / "shadow.csv").as_uri(), str(root / "outside" / "shadow")):
        refused(create_import, p, world["dataset"], location)


def test_a_symlink_found_in_a_folder_fails_the_job_without_reading_it(world):
    """Create checks the folder; the job checks each file it finds right before opening it."""
    p, root = world["p"], world["root"]
    folder = root / "in"
    write_csv(folder / "a.csv", HEADER, interaction_rows(1200))
    (folder / "b.csv").symlink_to(world["secret"])
    arn = create_import(p, world["dataset"], str(folder) + "/")["datasetImportJobArn"]
    job = describe_import(p, arn)
    assert job["status"] == "CREATE FAILED"
    assert "outside the folders" in job["failureReason"] and "TASTEMAKER_LOCAL_ROOTS" in job["failureReason"]
    assert "s3cr3t" not in job["failureReason"]


def test_a_file_inside_the_root_imports_exports_and_deletes(world):
    p, root = world["p"], world["root"]
    write_csv(root / "ok.csv", HEADER, interaction_rows(1200))
    arn = create_import(p, world["dataset"], (root / "ok.csv").as_uri())["datasetImportJobArn"]
    assert describe_import(p, arn)["status"] == "ACTIVE"
    out = root / "exports"
    arn = p.create_dataset_export_job(jobName="exp", datasetArn=world["dataset"], roleArn=ROLE, ingestionMode="BULK",
                                      jobOutput={"s3DataDestination": {"path": out.as_uri() + "/"}}
                                      )["datasetExportJobArn"]
    job = p.describe_dataset_export_job(datasetExportJobArn=arn)["datasetExportJob"]
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert (out / "exp_part_00000.csv").read_text().startswith('"USER_ID",')
    write_csv(root / "forget.csv", ["USER_ID"], [["u1"]])
    arn = p.create_data_deletion_job(jobName="del", datasetGroupArn=world["group"], roleArn=ROLE,
                                     dataSource={"dataLocation": str(root / "forget.csv")})["dataDeletionJobArn"]
    job = p.describe_data_deletion_job(dataDeletionJobArn=arn)["dataDeletionJob"]
    assert job["status"] == "COMPLETED", job.get("failureReason")


def test_export_outside_the_roots_is_refused(world):
    p, root, tmp = world["p"], world["root"], world["tmp"]
    write_csv(root / "ok.csv", HEADER, interaction_rows(1200))
    create_import(p, world["dataset"], str(root / "ok.csv"))
    (root / "link").symlink_to(tmp, target_is_directory=True)
    for path in ((tmp / "out").as_uri() + "/", str(tmp / "out"), f"{root}/../out/", str(root / "link" / "out"),
                 "/etc/cron.d/"):
        refused(p.create_dataset_export_job, jobName="exp", datasetArn=world["dataset"], roleArn=ROLE,
                jobOutput={"s3DataDestination": {"path": path}})
    assert not (tmp / "out").exists()
    # a file the export would write, planted as a symlink to a file outside: the job refuses to follow it
    out = root / "planted"
    out.mkdir()
    (out / "exp_part_00000.csv").symlink_to(world["secret"])
    arn = p.create_dataset_export_job(jobName="exp", datasetArn=world["dataset"], roleArn=ROLE,
                                      jobOutput={"s3DataDestination": {"path": str(out) + "/"}})["datasetExportJobArn"]
    job = p.describe_dataset_export_job(datasetExportJobArn=arn)["datasetExportJob"]
    assert job["status"] == "CREATE FAILED" and "outside the folders" in job["failureReason"]
    assert world["secret"].read_text().startswith(SECRET)


def test_data_deletion_list_outside_the_roots_is_refused(world):
    p = world["p"]
    for location in ("/etc/passwd", str(world["secret"]), f"{world['root']}/../shadow"):
        refused(p.create_data_deletion_job, jobName="del", datasetGroupArn=world["group"], roleArn=ROLE,
                dataSource={"dataLocation": location})
    assert p.list_data_deletion_jobs(datasetGroupArn=world["group"])["dataDeletionJobs"] == []


def test_batch_inference_input_and_output_outside_the_roots_are_refused(tmp_path):
    root = tmp_path / "root"
    secret = tmp_path / "shadow"
    secret.write_text(SECRET + "\n")
    with tastemaker.embedded(tmp_path / "data", executor="inline", local_roots=[root]) as emb:
        p = emb.personalize
        group = ss.setup_group(p, root / "csv", name="confined")["dataset_group_arn"]
        version = ss.train(p, group, "confined-up", "aws-user-personalization")["solution_version_arn"]

        def batch(name, source, target):
            return p.create_batch_inference_job(jobName=name, solutionVersionArn=version, roleArn=ROLE,
                                                jobInput={"s3DataSource": {"path": source}},
                                                jobOutput={"s3DataDestination": {"path": target}})

        def describe(arn):
            return p.describe_batch_inference_job(batchInferenceJobArn=arn)["batchInferenceJob"]

        (root / "in").mkdir()
        (root / "in" / "users.json").write_text('{"userId": "u3"}\nnot json ' + "x" * 500 + "\n")
        inside_out = (root / "out").as_uri() + "/"
        # input outside (the /etc/shadow case: its content would have been copied to the output), output outside
        for source in ("/etc/shadow", "file:///etc/shadow", str(secret), f"{root}/../shadow"):
            message = refused(batch, "bad-in", source, inside_out)
            assert "jobInput" in message
        for target in ("/tmp/", (tmp_path / "out").as_uri() + "/", f"{root}/in/../../out/"):
            message = refused(batch, "bad-out", str(root / "in"), target)
            assert "jobOutput" in message
        assert not (tmp_path / "out").exists()
        # inside the root it works; a line that is not JSON is echoed only as an excerpt
        job = describe(batch("ok", str(root / "in"), inside_out)["batchInferenceJobArn"])
        assert job["status"] == "ACTIVE", job.get("failureReason")
        lines = [json.loads(line) for line in (root / "out" / "users.json.out").read_text().splitlines()]
        assert lines[0]["error"] is None and len(lines[0]["output"]["recommendedItems"]) == 25
        assert lines[1]["error"].startswith("Invalid JSON") and len(lines[1]["input"]) < 120
        # a symlink to a file outside, found in the input folder when the job runs, fails the job unread
        (root / "in" / "zz.json").symlink_to(secret)
        job = describe(batch("linked", str(root / "in"), inside_out)["batchInferenceJobArn"])
        assert job["status"] == "CREATE FAILED" and "outside the folders" in job["failureReason"]
        assert "s3cr3t" not in job["failureReason"]
        assert not (root / "out" / "zz.json.out").exists()


def test_the_default_root_is_the_data_folders_exchange_area(tmp_path, monkeypatch):
    """Without TASTEMAKER_LOCAL_ROOTS, only `<data_dir>/files` is allowed: not tmp_path, not the data dir."""
    monkeypatch.delenv("TASTEMAKER_LOCAL_ROOTS", raising=False)
    data = tmp_path / "data"
    assert Settings(data_dir=data).local_roots is None
    assert confine.allowed_roots(Settings(data_dir=data)) == ((data / "files").resolve(),)
    outside = write_csv(tmp_path / "ok.csv", HEADER, interaction_rows(1200))
    inside = write_csv(data / "files" / "ok.csv", HEADER, interaction_rows(1200))
    with tastemaker.embedded(data, executor="inline") as emb:
        p = emb.personalize
        dataset = make_dataset(p, make_group(p), "Interactions", INTERACTIONS)
        message = refused(create_import, p, dataset, str(outside))
        assert str((data / "files").resolve()) in message
        refused(create_import, p, dataset, str(data / "tastemaker.db"))  # the data dir itself is not a root
        refused(create_import, p, dataset, f"{data}/files/../tastemaker.db")
        arn = create_import(p, dataset, str(inside))["datasetImportJobArn"]
        assert describe_import(p, arn)["status"] == "ACTIVE"


def test_local_roots_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TASTEMAKER_LOCAL_ROOTS", f"/srv/a{os.pathsep}/srv/b,/srv/c")
    assert Settings().local_roots == [Path("/srv/a"), Path("/srv/b"), Path("/srv/c")]
    monkeypatch.setenv("TASTEMAKER_LOCAL_ROOTS", '["/srv/a", "/srv/with:colon"]')
    assert Settings().local_roots == [Path("/srv/a"), Path("/srv/with:colon")]
    monkeypatch.setenv("TASTEMAKER_LOCAL_ROOTS", "")
    assert Settings().local_roots == []  # no local paths at all
    assert confine.allowed_roots(Settings(data_dir=tmp_path)) == ()
    with pytest.raises(confine.Refused):
        confine.confined(str(tmp_path / "x.csv"), ())


def test_a_server_with_default_settings_refuses_paths_outside_its_exchange_area(tmp_path):
    """A real `tastemaker serve` started without TASTEMAKER_LOCAL_ROOTS (the tests' conftest sets it)."""
    env = {k: v for k, v in os.environ.items() if k != "TASTEMAKER_LOCAL_ROOTS"}
    data = tmp_path / "server-data"
    server = Server(data)
    server.env = env
    server.start()
    try:
        p = server.client("personalize")
        dataset = make_dataset(p, make_group(p), "Interactions", INTERACTIONS)
        message = refused(create_import, p, dataset, "file:///etc/passwd")
        assert "root:x:0:0" not in message and str((data / "files").resolve()) in message
        refused(create_import, p, dataset, str(write_csv(tmp_path / "ok.csv", HEADER, interaction_rows(1200))))
        inside = write_csv(data / "files" / "ok.csv", HEADER, interaction_rows(1200))
        arn = create_import(p, dataset, inside.as_uri())["datasetImportJobArn"]
        job = wait_status(p.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=arn)
        assert job["status"] == "ACTIVE", job.get("failureReason")
    finally:
        server.stop()


def test_the_quickstart_works_with_the_default_roots(tmp_path):
    """`tastemaker quickstart` (embedded) writes its CSVs into `<data_dir>/files`, which the defaults allow."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "TASTEMAKER_LOCAL_ROOTS"}
    data = tmp_path / "qs"
    done = subprocess.run([sys.executable, "-m", "tastemaker", "quickstart", "--users", "30", "--data-dir", str(data),
                           "--no-progress"], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (data / "files" / "quickstart" / "interactions.csv").exists()
    assert "Recommended for user" in done.stdout
