"""The importer parses any RFC 4180 CSV exactly as Python's csv module does, wherever its blocks split the file:
quoted commas, doubled quotes and line breaks (LF or CRLF) in values, CRLF row ends, a byte-order mark."""
from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tastemaker.data import importer
from tastemaker.data.importer import BLOCK_SIZE, ImportStats, read_source
from tastemaker.data.locations import list_sources
from tastemaker.domain import avro
from tests.data.builders import schema

FIELDS = avro.parse_schema(schema("Items", ("ITEM_ID", "string"), ("A", ["null", "string"]),
                                  ("B", ["null", "string"])))  # no textual field: the old reader's fast path
COLUMNS = ["ITEM_ID", "A", "B", "EXTRA"]  # EXTRA is not in the schema: ignored
TOKENS = ["a", "b", "x y", ",", '"', '""', "\n", "\r\n", "\r", " ", "\t", "é", "中", "😀", "'", ";"]
VALUES = st.lists(st.sampled_from(TOKENS), max_size=8).map("".join) | st.text(max_size=12)


def rfc4180(header: list[str], rows: list[list[str]], end: str, quote_all: bool, bom: bool, last_end: bool) -> bytes:
    """A CSV file as RFC 4180 writes it: a value is quoted when it must be (or always), quotes doubled inside."""
    def field(value: str) -> str:
        must = any(c in value for c in ',"\r\n')
        return '"' + value.replace('"', '""') + '"' if must or quote_all else value

    lines = [",".join(field(v) for v in row) for row in [header, *rows]]
    text = end.join(lines) + (end if last_end else "")
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def reference(path: Path) -> list[dict]:
    """The rows of the file by Python's csv module, as the importer must store them (empty optional -> null)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        records = [r for r in csv.reader(handle) if r]
    at = {name.upper(): i for i, name in enumerate(records[0])}
    return [{"ITEM_ID": r[at["ITEM_ID"]], "A": r[at["A"]] or None, "B": r[at["B"]] or None} for r in records[1:]]


def imported(path: Path, block_size: int) -> list[dict]:
    source = list_sources(str(path))[0]
    stats = ImportStats()
    batches = list(read_source(source, FIELDS, "ITEMS", stats, block_size=block_size))
    assert stats.invalid_values == {}
    return pa.Table.from_batches(batches).to_pylist() if batches else []


@st.composite
def csv_files(draw) -> tuple[bytes, int]:
    header = draw(st.permutations(COLUMNS))
    header = [name.lower() if draw(st.booleans()) else name for name in header]  # matched ignoring case
    rows = []
    for _ in range(draw(st.integers(1, 25))):
        values = {"ITEM_ID": draw(VALUES.filter(bool)), "A": draw(VALUES), "B": draw(VALUES), "EXTRA": draw(VALUES)}
        rows.append([values[name.upper()] for name in header])
    end = draw(st.sampled_from(["\n", "\r\n"]))
    data = rfc4180(header, rows, end, draw(st.booleans()), draw(st.booleans()), draw(st.booleans()))
    longest = max(len(rfc4180(header, [row], end, True, False, True)) for row in rows)
    return data, max(draw(st.integers(64, 4096)), longest + 2)  # a row must fit in a block


def check_exact(case: tuple[bytes, int]) -> None:
    data, block_size = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "items.csv"
        path.write_bytes(data)
        assert imported(path, block_size) == reference(path)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_files())
def test_importer_parses_like_python_csv_at_any_block_size(case):
    check_exact(case)


def test_the_property_catches_the_old_reader(monkeypatch):
    """Without newlines_in_values (the old reader for schemas with no textual field) the property fails."""
    monkeypatch.setattr(importer, "PARSE_OPTIONS", pacsv.ParseOptions(newlines_in_values=False))
    search = settings(max_examples=300, deadline=None, database=None, derandomize=True, report_multiple_bugs=False,
                      phases=[Phase.generate], suppress_health_check=list(HealthCheck))(given(csv_files())(check_exact))
    with pytest.raises(Exception) as failure:
        search()
    assert isinstance(failure.value, (AssertionError, importer.JobFailed)), failure.value


def _swept(tmp_path: Path, end: str, pad: int) -> Path:
    value = f'1{end}2""{end}3,4'  # a line break, a quote and a comma inside one quoted value
    rows = [f"u{i:02d},a,,x" for i in range(20)] + ["p" * pad + f',"{value}",b,"y{end}z"', "last,,b,"]
    path = tmp_path / f"swept-{pad}.csv"
    path.write_bytes(end.join(["ITEM_ID,A,B,EXTRA", *rows, ""]).encode())
    return path


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_every_offset_of_a_quoted_line_break_against_a_block_boundary(tmp_path, end):
    for pad in range(1, 120):  # moves the quoted values byte by byte across the boundary of 256-byte blocks
        path = _swept(tmp_path, end, pad)
        assert imported(path, 256) == reference(path), pad


def test_a_quoted_crlf_split_by_a_block_boundary_needs_the_cr_guard(tmp_path, monkeypatch):
    """pyarrow alone drops the '\\n' of a quoted '\\r\\n' when a block ends between the two bytes."""
    monkeypatch.setattr(importer, "NoTrailingCR", lambda stream: stream)
    wrong = [pad for pad in range(1, 120) if imported(_swept(tmp_path, "\r\n", pad), 256) !=
             reference(_swept(tmp_path, "\r\n", pad))]
    assert wrong  # the guard in read_source is what makes the sweep above pass


@pytest.mark.parametrize("shift", [-1, 0, 1])
def test_a_quoted_newline_at_the_default_block_boundary(tmp_path, shift):
    """The reported case: a valid file with a newline in a quoted value just after byte BLOCK_SIZE (the old reader
    stored an invented row and a truncated value) or just before it."""
    n = (BLOCK_SIZE - 300) // 16
    head = "ITEM_ID,A,EXTRA,B\n" + "".join(f"{i:07d},a,b,c\n" for i in range(n))
    pad = BLOCK_SIZE - shift - len(head) - len("pad,a,b,\n") - len('q,a,e,"x')
    body = head + "pad,a,b," + "p" * pad + '\nq,a,e,"x\nw,v,u,t"\nend,a,e,b\n'
    path = tmp_path / "big.csv"
    path.write_bytes(body.encode())
    assert body.index('"x\nw') + 2 == BLOCK_SIZE - shift
    rows = imported(path, BLOCK_SIZE)
    assert len(rows) == n + 3 and rows[n + 1] == {"ITEM_ID": "q", "A": "a", "B": "x\nw,v,u,t"}
    assert rows[-1] == {"ITEM_ID": "end", "A": "a", "B": "b"}
