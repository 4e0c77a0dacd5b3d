"""Header names through the API: matched to schema fields ignoring case (stored under the schema's names), and a
field named twice fails the job with a reason that names it."""
from __future__ import annotations

from tastemaker.data import loader
from tests.data.builders import INTERACTIONS, import_wait, interaction_rows, make_dataset, make_group, schema, write_csv

ITEMS = schema("Items", ("ITEM_ID", "string"), {"name": "GENRE", "type": "string", "categorical": True},
               ("CREATION_TIMESTAMP", "long"))


def test_lower_case_headers_import_under_the_schema_names(personalize, embedded, tmp_path):
    group = make_group(personalize)
    dataset = make_dataset(personalize, group, "Items", ITEMS)
    path = write_csv(tmp_path / "items.csv", ["item_id", "genre", "creation_timestamp"],
                     [["i1", "Drama|Comedy", 1_600_000_000], ["i2", "Action", 1_600_000_100]])
    done = import_wait(personalize, dataset, str(path), "lower")
    assert done["status"] == "ACTIVE", done.get("failureReason")
    items = loader.load_items_table(embedded.service.context(), group)
    assert items.column_names == ["ITEM_ID", "GENRE", "CREATION_TIMESTAMP"]
    assert items.to_pylist()[1] == {"ITEM_ID": "i2", "GENRE": "Action", "CREATION_TIMESTAMP": 1_600_000_100}


def test_a_duplicated_column_fails_the_job(personalize, embedded, tmp_path):
    group = make_group(personalize)
    dataset = make_dataset(personalize, group, "Interactions", INTERACTIONS)
    rows = [[r[0], r[1], r[0], r[2]] for r in interaction_rows(1200)]
    path = write_csv(tmp_path / "dup.csv", ["USER_ID", "ITEM_ID", "user_id", "TIMESTAMP"], rows)
    done = import_wait(personalize, dataset, str(path), "dup")
    assert done["status"] == "CREATE FAILED"
    assert "dup.csv has more than one column for schema field USER_ID" in done["failureReason"]
    assert "(column 1)" in done["failureReason"] and "(column 3)" in done["failureReason"]
    assert not list((embedded.service.settings.data_dir / "lake").rglob("*.parquet"))
