"""The CSV -> Arrow conversion rules: types, nulls, bad optional values counted, required values enforced."""
from __future__ import annotations

import pyarrow as pa
import pytest

from tastemaker.data.importer import ImportStats, read_source
from tastemaker.data.locations import list_sources
from tastemaker.domain import avro
from tastemaker.jobs import JobFailed
from tests.data.builders import schema, write_csv

FIELDS = avro.parse_schema(schema(
    "Users", ("USER_ID", "string"), ("AGE", "int"), ("SCORE", ["null", "double"]), ("RATIO", "float"),
    ("VIP", ["boolean", "null"]), ("SEEN", "long"), ("TAGS", ["null", "string"])))
HEADER = ["USER_ID", "AGE", "SCORE", "RATIO", "VIP", "SEEN", "TAGS"]


def _read(tmp_path, rows, header=HEADER, fields=FIELDS):
    stats = ImportStats()
    source = list_sources(str(write_csv(tmp_path / "x.csv", header, rows)))[0]
    table = pa.Table.from_batches(list(read_source(source, fields, "USERS", stats)))
    return table, stats


def test_types_and_nulls(tmp_path):
    table, stats = _read(tmp_path, [
        ["a", "41", "1.5", "0.25", "true", "1537799250", "x|y"],
        ["b", " 7 ", "", "1e3", "FALSE", "1537799250.0", ""],
        ["c", "3000000000", "abc", "", "", "12", "z"],
        ["d", "12.5", "nan", "-2", "yes", "-4", "w"],
    ])
    assert table.schema == pa.schema([("USER_ID", pa.string()), ("AGE", pa.int32()), ("SCORE", pa.float64()),
                                      ("RATIO", pa.float32()), ("VIP", pa.bool_()), ("SEEN", pa.int64()),
                                      ("TAGS", pa.string())])
    assert table["AGE"].to_pylist() == [41, 7, None, None]  # int32 overflow and 12.5 are bad values
    assert table["SCORE"].to_pylist() == [1.5, None, None, None]  # NaN is stored as null
    assert table["RATIO"].to_pylist() == [0.25, 1000.0, None, -2.0]
    assert table["VIP"].to_pylist() == [True, False, None, None]
    assert table["SEEN"].to_pylist() == [1537799250, 1537799250, 12, -4]
    assert table["TAGS"].to_pylist() == ["x|y", None, "z", "w"]
    # empty values count only where the field is not nullable (RATIO); bad values count everywhere
    assert stats.invalid_values == {"AGE": 2, "SCORE": 1, "RATIO": 1, "VIP": 1}


def test_a_nullable_column_may_be_absent_but_not_a_required_one(tmp_path):
    table, _ = _read(tmp_path, [["a", "1", "2", "3"]], header=["USER_ID", "AGE", "RATIO", "SEEN"])
    assert table["TAGS"].null_count == 1 and table["VIP"].null_count == 1
    with pytest.raises(JobFailed, match=r"missing the following columns: \[RATIO\]"):
        _read(tmp_path, [["a", "1", "3"]], header=["USER_ID", "AGE", "SEEN"])


def test_required_values_and_lengths(tmp_path):
    with pytest.raises(JobFailed, match=r"row 2 \(line 3\), column USER_ID: value '' is empty"):
        _read(tmp_path, [["a", "1", "", "1", "", "1", ""], ["", "1", "", "1", "", "1", ""]])
    with pytest.raises(JobFailed, match="longer than 256 characters"):
        _read(tmp_path, [["u" * 300, "1", "", "1", "", "1", ""]])


def test_categorical_values_are_limited_one_by_one(tmp_path):
    fields = avro.parse_schema(schema("Items", ("ITEM_ID", "string"),
                                      {"name": "TAGS", "type": "string", "categorical": True}))
    long_list = "|".join(["x" * 900] * 3)
    stats = ImportStats()
    source = list_sources(str(write_csv(tmp_path / "c.csv", ["ITEM_ID", "TAGS"], [["a", "b"], ["c", long_list]])))[0]
    table = pa.Table.from_batches(list(read_source(source, fields, "ITEMS", stats)))
    assert table["TAGS"].to_pylist() == ["b", long_list]
    source = list_sources(str(write_csv(tmp_path / "d.csv", ["ITEM_ID", "TAGS"], [["a", "b|" + "y" * 1001]])))[0]
    with pytest.raises(JobFailed, match="row 1 .* column TAGS: .* longer than 1000 characters"):
        list(read_source(source, fields, "ITEMS", stats))
