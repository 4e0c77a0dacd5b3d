"""CSV text as the importer reads it: the header matched to the schema, block-safe streams, and where a row that
fails to parse is (by row, line and column, re-reading the file only after a failure)."""
from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from ..domain import avro
from ..jobs import JobFailed
from .locations import Source, open_source

BLOCK_SIZE = 8 << 20
LOCATE_BYTES = 256 << 20  # how far a failure's line number is looked for (re-reading the file)
EXCERPT = 40


def excerpt(value: Any) -> str:
    """A value as quoted in a failure reason: at most EXCERPT characters of it."""
    text = str(value)
    return repr(text) if len(text) <= EXCERPT else repr(text[:EXCERPT]) + f"... ({len(text):,} characters)"


class NoTrailingCR:
    """The stream read in whole blocks of which none but the last ends with '\\r'. pyarrow drops a '\\n' that starts
    a block after one that ended with '\\r', even inside a quoted value (apache/arrow CSVBufferIterator): a quoted
    "\\r\\n" split by a block boundary would be stored as "\\r". Blocks are full (or one byte short), because
    pyarrow takes a short block without a line end for a row longer than a block."""

    def __init__(self, raw: Any) -> None:
        self.raw, self.held, self.closed = raw, b"", False

    def read(self, size: int = -1) -> bytes:
        data, self.held = self.held, b""
        while size < 0 or len(data) < size:
            chunk = self.raw.read(size - len(data) if size >= 0 else -1)
            data += chunk
            if not chunk or size < 0:
                break
        if 1 < size == len(data) and data.endswith(b"\r"):  # more may follow: the '\r' starts the next block
            data, self.held = data[:-1], b"\r"
        return data

    def close(self) -> None:
        self.closed = True


def read_header(source: Source, limit: int = BLOCK_SIZE) -> tuple[list[str], bool]:
    """The names in a CSV file's header (its first non-empty record) and whether a data line follows it."""
    with open_source(source) as stream:
        lines = _text_lines(stream, max(limit, 1 << 20))
        try:
            for record in csv.reader(lines):
                if record:
                    return record, any(line.strip("\r\n") for line in lines)
        except (csv.Error, _TooFar) as exc:
            raise JobFailed(f"Could not read the header row of {source.url}: {exc}.") from None
    raise JobFailed(f"Input CSV {source.url} is empty: its first row must name the columns (USER_ID, ...).")


def match_header(names: list[str], fields: list[dict], required: set[str], source: Source) -> dict[str, str]:
    """Schema field -> the header name of its column. Names match ignoring case (as Personalize's do); two columns
    for one field, or no column for a required or non-nullable one, fail the import."""
    by_key = {f["name"].lower(): f["name"] for f in fields}
    found: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        field = by_key.get(name.lower()) if name.isascii() else None
        if field is not None:
            found.setdefault(field, []).append(index)
    for field, indexes in found.items():
        if len(indexes) > 1:
            listed = ", ".join(f"{excerpt(names[i])} (column {i + 1})" for i in indexes)
            raise JobFailed(f"Input CSV {source.url} has more than one column for schema field {field}: {listed}. "
                            "Header names are matched to schema fields ignoring case; keep one of these columns.")
    missing = [f["name"] for f in fields
               if f["name"] not in found and (f["name"] in required or not avro.field_type(f)[1])]
    if missing:
        shown = ", ".join(excerpt(n) for n in names[:12]) + (", ..." if len(names) > 12 else "")
        raise JobFailed(f"Input CSV {source.url} is missing the following columns: [{', '.join(missing)}]. Its "
                        f"header must name every non-nullable schema field (ignoring case); it has [{shown}].")
    return {field: names[indexes[0]] for field, indexes in found.items()}


def csv_error(source: Source, exc: Exception, offset: int, names: list[str], header: dict[str, str],
               block_size: int) -> JobFailed:
    text = str(exc)
    if "straddl" in text:
        return JobFailed(f"{source.url}: the row after data row {offset} is longer than {block_size:,} bytes, or "
                         "opens a quoted value that is never closed (a stray '\"' at the start of a value).")
    reason = _find_bad_row(source, offset, names, header)
    if reason is not None:
        return JobFailed(reason)
    hint = " The file must be encoded as UTF-8." if "UTF8" in text else ""
    return JobFailed(f"Could not parse {source.url} as CSV with a header row (after data row {offset}): "
                     f"{clipped(text)}.{hint}")


def clipped(text: str, limit: int = 200) -> str:
    """A parser's message cut short: pyarrow quotes the whole offending row."""
    return text if len(text) <= limit else text[:limit] + "..."


def _find_bad_row(source: Source, offset: int, names: list[str], header: dict[str, str]) -> str | None:
    """Why the CSV parser stopped, by row, line and column: the first later row of the wrong width or with a
    value that is not UTF-8 (None when not found within LOCATE_BYTES)."""
    fields = {names.index(h): field for field, h in header.items()}
    for row, line, record in _records(source):
        if row <= offset:
            continue
        if len(record) != len(names):
            return (f"{source.url}: row {row} (line {line}) has {len(record)} values but the header has "
                    f"{len(names)} columns. Put a value that holds commas, quotes or line breaks in double quotes, "
                    "writing each quote inside it twice (\"\").")
        for index, field in fields.items():
            if not _is_utf8(record[index]):
                return (f"{source.url}: row {row} (line {line}), column {field}: the value is not valid UTF-8. "
                        "The file must be encoded as UTF-8.")
    return None


def where(source: Source, row: int) -> str:
    line = next((line for number, line, _ in _records(source) if number == row), None)
    return f"{source.url}: row {row}" + (f" (line {line})" if line is not None else "")


def _records(source: Source) -> Iterator[tuple[int, int, list[str]]]:
    """(data row, line it starts on, values) of each row, by Python's csv module: only to explain a failure, so
    it stops quietly after LOCATE_BYTES or at anything it cannot read."""
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
    try:
        with open_source(source) as stream:
            reader = csv.reader(_text_lines(stream, LOCATE_BYTES))
            row, start, header = 0, 1, True
            for record in reader:
                if record and not header:
                    row += 1
                    yield row, start, record
                header = header and not record
                start = reader.line_num + 1
    except (csv.Error, _TooFar, JobFailed, OSError):
        return


class _TooFar(Exception):
    pass


def _text_lines(stream: Any, limit: int | None = None) -> Iterator[str]:
    """A binary stream's lines with their ends, as text: UTF-8, a byte that is not UTF-8 kept as a lone surrogate
    (so that it can be found), the byte-order mark dropped."""
    rest, seen, first = b"", 0, True
    while True:
        chunk = stream.read(1 << 20)
        seen += len(chunk)
        if limit is not None and seen > limit:
            raise _TooFar(f"more than {limit:,} bytes")
        lines = (rest + chunk).splitlines(keepends=True)
        rest = lines.pop() if chunk and lines else b""  # the last line may go on in the next chunk
        for line in lines:
            text = line.decode("utf-8", "surrogateescape")
            yield text.removeprefix("\ufeff") if first else text
            first = False
        if not chunk:
            return


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
