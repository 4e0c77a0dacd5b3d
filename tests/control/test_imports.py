"""Dataset import jobs through boto3 (inline executor): counts, failures a person can act on, FULL/INCREMENTAL."""
from __future__ import annotations

import pyarrow.compute as pc
import pytest
from botocore.exceptions import ClientError

from tastemaker.data import loader
from tests.data.builders import INTERACTIONS, ITEMS, ROLE, import_wait, interaction_rows, make_dataset, make_group, write_csv
from tests.poc import POC_BAD_YEARS, POC_INTERACTIONS, POC_ITEMS, setup_poc

HEADER = ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE", "EVENT_VALUE"]


@pytest.fixture
def ints(personalize):
    group = make_group(personalize)
    return group, make_dataset(personalize, group, "Interactions", INTERACTIONS)


def _ctx(embedded):
    return embedded.service.context()


def test_poc_import_counts_and_bad_optional_values(embedded, tmp_path):
    arns = setup_poc(embedded.personalize, tmp_path)
    ctx = _ctx(embedded)
    table = loader.load_interactions_table(ctx, arns["dataset_group_arn"])
    assert table.num_rows == POC_INTERACTIONS
    assert table.column_names == ["USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP"]  # schema order, not CSV order
    assert pc.value_counts(table["EVENT_TYPE"]).to_pylist() == [{"values": "click", "counts": 96_655},
                                                                {"values": "watch", "counts": 61_716}]
    items = loader.load_items_table(ctx, arns["dataset_group_arn"])
    assert items.num_rows == POC_ITEMS and items["YEAR"].null_count == POC_BAD_YEARS
    job = ctx.store.list("dataset_import_job", dataset_arn=arns["items_dataset_arn"])[0]
    assert job["status"] == "ACTIVE" and job["invalid_values"] == {"YEAR": POC_BAD_YEARS}


def test_columns_by_header_extra_columns_ignored_and_a_folder_source(personalize, embedded, ints, tmp_path):
    group, dataset = ints
    rows = interaction_rows(1200)
    write_csv(tmp_path / "in" / "a.csv", ["EXTRA", "TIMESTAMP", "ITEM_ID", "USER_ID", "EVENT_TYPE", "EVENT_VALUE"],
              [["x", r[2], r[1], r[0], r[3], r[4]] for r in rows[:600]])
    write_csv(tmp_path / "in" / "b.csv", HEADER, rows[600:])
    (tmp_path / "in" / "notes.txt").write_text("not a csv")
    done = import_wait(personalize, dataset, (tmp_path / "in").as_uri() + "/", "folder")
    assert done["status"] == "ACTIVE", done.get("failureReason")
    assert done["dataSource"] == {"dataLocation": (tmp_path / "in").as_uri() + "/"}
    assert done["importMode"] == "FULL" and done["datasetArn"] == dataset and done["roleArn"] == ROLE
    table = loader.load_interactions_table(_ctx(embedded), group)
    assert table.column_names == HEADER and table.num_rows == 1200
    assert table.slice(0, 1).to_pylist() == [{"USER_ID": "u0", "ITEM_ID": "i0", "TIMESTAMP": 1_600_000_000,
                                              "EVENT_TYPE": "watch", "EVENT_VALUE": 0.0}]


@pytest.mark.parametrize("header, rows, words", [
    (["USER_ID", "ITEM_ID", "EVENT_TYPE"], [["u1", "i1", "click"]] * 1200,
     ["missing the following columns: [TIMESTAMP]", "bad.csv"]),
    (HEADER, interaction_rows(999), ["999 interaction records", "at least 1000", "bad.csv"]),
    (HEADER, interaction_rows(4) + [["u9", "i9", "yesterday", "click", 1]] + interaction_rows(1200),
     ["row 5 (line 6)", "TIMESTAMP", "'yesterday'", "bad.csv"]),
    (HEADER, interaction_rows(1200) + [["", "i1", 1_600_000_000, "click", 1]], ["row 1201", "USER_ID", "empty"]),
])
def test_failures_name_the_column_row_and_file(personalize, ints, tmp_path, header, rows, words):
    _, dataset = ints
    done = import_wait(personalize, dataset, str(write_csv(tmp_path / "bad.csv", header, rows)), "bad")
    assert done["status"] == "CREATE FAILED"
    for word in words:
        assert word in done["failureReason"]


def test_unparsable_and_absent_files(personalize, ints, tmp_path):
    _, dataset = ints
    broken = tmp_path / "broken.csv"
    broken.write_text("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n" + "u1,i1,1,click\n" * 50 + "u1,i1,1,click,extra,more\n")
    done = import_wait(personalize, dataset, str(broken), "broken")
    assert done["status"] == "CREATE FAILED" and "broken.csv" in done["failureReason"]
    assert "columns" in done["failureReason"]
    latin = tmp_path / "latin1.csv"
    latin.write_bytes(b"USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n" + b"u1,caf\xe9,1,click\n" * 1200)
    done = import_wait(personalize, dataset, str(latin), "latin")
    assert done["status"] == "CREATE FAILED" and "latin1.csv" in done["failureReason"]
    assert "must be encoded as UTF-8" in done["failureReason"]
    done = import_wait(personalize, dataset, str(tmp_path / "nope.csv"), "absent")
    assert done["status"] == "CREATE FAILED" and "nope.csv does not exist" in done["failureReason"]


def test_failed_import_leaves_previous_data(personalize, embedded, ints, tmp_path):
    group, dataset = ints
    assert import_wait(personalize, dataset, str(write_csv(tmp_path / "ok.csv", HEADER, interaction_rows(1500))),
                       "ok")["status"] == "ACTIVE"
    before = embedded.service.store.get("dataset", dataset)["data_key"]
    rows = interaction_rows(3000) + [["u1", "i1", "later", "click", 1]]
    assert import_wait(personalize, dataset, str(write_csv(tmp_path / "bad.csv", HEADER, rows)),
                       "bad")["status"] == "CREATE FAILED"
    assert embedded.service.store.get("dataset", dataset)["data_key"] == before
    assert loader.load_interactions_table(_ctx(embedded), group).num_rows == 1500
    lake_files = list((embedded.service.settings.data_dir / "lake").rglob("*.parquet"))
    assert len(lake_files) == 1  # the failed job's partial file is gone


def test_full_replaces_and_incremental_appends(personalize, embedded, ints, tmp_path):
    group, dataset = ints
    first = str(write_csv(tmp_path / "1.csv", HEADER, interaction_rows(1500)))
    with pytest.raises(ClientError) as info:
        personalize.create_dataset_import_job(jobName="early", datasetArn=dataset, roleArn=ROLE,
                                              dataSource={"dataLocation": first}, importMode="INCREMENTAL")
    assert info.value.response["Error"]["Code"] == "InvalidInputException"
    assert import_wait(personalize, dataset, first, "full1")["status"] == "ACTIVE"
    assert import_wait(personalize, dataset, first, "full2")["status"] == "ACTIVE"
    assert loader.load_interactions_table(_ctx(embedded), group).num_rows == 1500
    more = str(write_csv(tmp_path / "2.csv", HEADER, interaction_rows(1000, user_prefix="new")))
    done = import_wait(personalize, dataset, more, "inc", mode="INCREMENTAL")
    assert done["status"] == "ACTIVE" and done["importMode"] == "INCREMENTAL"
    table = loader.load_interactions_table(_ctx(embedded), group)
    assert table.num_rows == 2500 and table["USER_ID"][1500].as_py() == "new0"
    jobs = personalize.list_dataset_import_jobs(datasetArn=dataset)["datasetImportJobs"]
    assert [j["jobName"] for j in jobs] == ["full1", "full2", "inc"]
    assert len(list((embedded.service.settings.data_dir / "lake").rglob("*.parquet"))) == 2  # current + previous


def test_items_upsert_and_invalid_optional_values(personalize, embedded, tmp_path):
    group = make_group(personalize)
    dataset = make_dataset(personalize, group, "Items", ITEMS)
    header = ["ITEM_ID", "GENRE", "YEAR", "PRICE"]
    rows = [["a", "Drama|Comedy", "1999", "1.5"], ["b", "Drama", "", "2"], ["c", "Action", "19x9", ""],
            ["a", "Horror", "2001", "3.25"]]
    done = import_wait(personalize, dataset, str(write_csv(tmp_path / "i.csv", header, rows)), "items")
    assert done["status"] == "ACTIVE", done.get("failureReason")
    job = embedded.service.store.get("dataset_import_job", done["datasetImportJobArn"])
    assert job["invalid_values"] == {"YEAR": 1, "PRICE": 1}  # YEAR is nullable: an empty value is a valid null
    items = loader.load_items_table(_ctx(embedded), group)
    assert items.to_pylist() == [{"ITEM_ID": "b", "GENRE": "Drama", "YEAR": None, "PRICE": 2.0},
                                 {"ITEM_ID": "c", "GENRE": "Action", "YEAR": None, "PRICE": None},
                                 {"ITEM_ID": "a", "GENRE": "Horror", "YEAR": 2001, "PRICE": 3.25}]
    update = [["c", "Action|Sci-Fi", "2020", "9"], ["d", "Drama", "1980", "1"]]
    done = import_wait(personalize, dataset, str(write_csv(tmp_path / "u.csv", header, update)), "upd",
                       mode="INCREMENTAL")
    assert done["status"] == "ACTIVE"
    items = loader.load_items_table(_ctx(embedded), group)
    assert items["ITEM_ID"].to_pylist() == ["b", "a", "c", "d"]
    assert items.to_pylist()[2] == {"ITEM_ID": "c", "GENRE": "Action|Sci-Fi", "YEAR": 2020, "PRICE": 9.0}


def test_resource_rules(personalize, embedded, ints, tmp_path):
    _, dataset = ints
    path = str(write_csv(tmp_path / "ok.csv", HEADER, interaction_rows(1000)))
    import_wait(personalize, dataset, path, "job")
    with pytest.raises(ClientError) as info:
        personalize.create_dataset_import_job(jobName="job", datasetArn=dataset, dataSource={"dataLocation": path},
                                              roleArn=ROLE)
    assert info.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    missing = dataset.replace("INTERACTIONS", "USERS")
    with pytest.raises(ClientError) as info:
        personalize.create_dataset_import_job(jobName="j2", datasetArn=missing, dataSource={"dataLocation": path},
                                              roleArn=ROLE)
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert missing in info.value.response["Error"]["Message"]
    for n in range(5):
        arn = f"arn:aws:personalize:us-east-1:000000000000:dataset-import-job/busy{n}"
        embedded.service.store.insert("dataset_import_job", {"arn": arn, "status": "CREATE IN_PROGRESS"})
    with pytest.raises(ClientError) as info:
        personalize.create_dataset_import_job(jobName="j6", datasetArn=dataset, dataSource={"dataLocation": path},
                                              roleArn=ROLE)
    assert info.value.response["Error"] == {
        "Code": "LimitExceededException", "Message": "More than 5 resources with PENDING or IN_PROGRESS status."}
