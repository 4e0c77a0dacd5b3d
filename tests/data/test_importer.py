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


INTERACTION_FIELDS = avro.parse_schema(schema(
    "Interactions", ("USER_ID", "string"), ("ITEM_ID", "string"), ("TIMESTAMP", "long"),
    ("EVENT_TYPE", ["null", "string"])))


def _source(tmp_path, data: bytes, name: str = "h.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return list_sources(str(path))[0]


def _rows(source, fields=INTERACTION_FIELDS, dataset_type="INTERACTIONS", block_size=None):
    extra = {} if block_size is None else {"block_size": block_size}
    batches = list(read_source(source, fields, dataset_type, ImportStats(), **extra))
    return pa.Table.from_batches(batches).to_pylist() if batches else []


def test_header_names_match_schema_fields_ignoring_case(tmp_path):
    source = _source(tmp_path, b"timestamp,Item_Id,user_id,Event_Type,notes\n5,i1,u1,click,x\n")
    assert _rows(source) == [{"USER_ID": "u1", "ITEM_ID": "i1", "TIMESTAMP": 5, "EVENT_TYPE": "click"}]
    quoted = _source(tmp_path, '\ufeff"USER_ID","ITEM_ID","TIMESTAMP"\r\nu1,i1,5\r\n'.encode(), "q.csv")
    assert _rows(quoted) == [{"USER_ID": "u1", "ITEM_ID": "i1", "TIMESTAMP": 5, "EVENT_TYPE": None}]


@pytest.mark.parametrize("header, columns", [
    ("USER_ID,ITEM_ID,USER_ID,TIMESTAMP", "'USER_ID' (column 1), 'USER_ID' (column 3)"),
    ("user_id,ITEM_ID,TIMESTAMP,USER_ID", "'user_id' (column 1), 'USER_ID' (column 4)"),
])
def test_a_field_named_twice_in_the_header_fails(tmp_path, header, columns):
    source = _source(tmp_path, f"{header}\nu1,i1,u2,5\n".encode())
    with pytest.raises(JobFailed, match="more than one column for schema field USER_ID") as failure:
        _rows(source)
    assert columns in str(failure.value) and "h.csv" in str(failure.value)


def test_extra_columns_may_repeat(tmp_path):
    source = _source(tmp_path, b"USER_ID,x,ITEM_ID,x,TIMESTAMP,\n u1,1,i1,2,5,\n")
    assert _rows(source) == [{"USER_ID": " u1", "ITEM_ID": "i1", "TIMESTAMP": 5, "EVENT_TYPE": None}]


@pytest.mark.parametrize("data", [b"user_id,ITEM_ID\n", b"user_id,ITEM_ID", b"user_id,ITEM_ID\nu1,i1\n"])
def test_missing_required_columns_fail_even_without_data_rows(tmp_path, data):
    with pytest.raises(JobFailed, match=r"h.csv is missing the following columns: \[TIMESTAMP\]\..*"
                                        r"it has \['user_id', 'ITEM_ID'\]"):
        _rows(_source(tmp_path, data))


@pytest.mark.parametrize("data", [b"USER_ID,ITEM_ID,TIMESTAMP\n", b"USER_ID,ITEM_ID,TIMESTAMP", b"\n\nUSER_ID,ITEM_ID,"
                                  b"TIMESTAMP\r\n\r\n"])
def test_a_header_without_rows_reads_as_no_rows(tmp_path, data):
    assert _rows(_source(tmp_path, data)) == []


@pytest.mark.parametrize("data", [b"", b"\n\r\n"])
def test_an_empty_file_fails(tmp_path, data):
    with pytest.raises(JobFailed, match="h.csv is empty: its first row must name the columns"):
        _rows(_source(tmp_path, data))


def test_failures_give_the_line_after_values_with_line_breaks(tmp_path):
    data = b'USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\nu1,i1,1,"two\nlines"\n\nu2,"i\r\n2",2,x\nu3,i3,,x\n'
    with pytest.raises(JobFailed, match=r"h.csv: row 3 \(line 7\), column TIMESTAMP: value '' is not a valid long"):
        _rows(_source(tmp_path, data))


def test_a_row_of_the_wrong_width_is_named(tmp_path):
    data = b'USER_ID,ITEM_ID,TIMESTAMP\n' + b'u1,"i,\n1",1\n' * 30 + b'u2,i,2,"x\ny"\n'
    with pytest.raises(JobFailed, match=r"h.csv: row 31 \(line 62\) has 4 values but the header has 3 columns"):
        _rows(_source(tmp_path, data), block_size=64)


def test_a_bad_value_is_quoted_short(tmp_path):
    data = b"USER_ID,ITEM_ID,TIMESTAMP\n" + b"u1,i1," + b"9" * 5000 + b"x\n"
    with pytest.raises(JobFailed) as failure:
        _rows(_source(tmp_path, data))
    assert "value '9999999999999999999999999999999999999999'... (5,001 characters) is not a valid long" in str(
        failure.value) and len(str(failure.value)) < 300


def test_bytes_that_are_not_utf8_are_located(tmp_path):
    data = b"USER_ID,ITEM_ID,TIMESTAMP,notes\n" + b"u1,i1,1,\xff\n" * 40 + b"u2,caf\xe9,2,x\n"
    with pytest.raises(JobFailed, match=r"h.csv: row 41 \(line 42\), column ITEM_ID: the value is not valid UTF-8"):
        _rows(_source(tmp_path, data), block_size=128)


def test_a_row_longer_than_a_block_or_an_unclosed_quote_is_explained(tmp_path):
    data = b"USER_ID,ITEM_ID,TIMESTAMP\n" + b"u1,i1,1\n" * 20 + b'u2,"never closed,2\n' + b"u3,i3,3\n" * 40
    with pytest.raises(JobFailed, match=r"h.csv: the row after data row \d+ is longer than 64 bytes, or opens a "
                                        r"quoted value that is never closed"):
        _rows(_source(tmp_path, data), block_size=64)
