"""CSV -> validated Arrow batches -> Parquet in the lake, streamed in blocks (bounded memory). See docs/import.md."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..domain import avro
from ..jobs import JobFailed
from ..lake import Lake
from .csv_rows import BLOCK_SIZE, NoTrailingCR, csv_error, excerpt, match_header, read_header, where
from .locations import Source, open_source, source_size

log = logging.getLogger(__name__)

ARROW_TYPES = {"string": pa.string(), "int": pa.int32(), "long": pa.int64(), "float": pa.float32(),
               "double": pa.float64(), "boolean": pa.bool_()}
_REAL = r"^\s*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|(?i:nan)|[+-]?(?i:inf|infinity))\s*$"
NUMBER = {"int": r"^\s*[+-]?\d+(\.0*)?\s*$", "long": r"^\s*[+-]?\d+(\.0*)?\s*$", "float": _REAL, "double": _REAL}
MAX_CHARS = {"USER_ID": 256, "ITEM_ID": 256}
MAX_CATEGORICAL = 1000
MIN_INTERACTIONS = 1000
ROW_GROUP = 1 << 20
PARSE_OPTIONS = pacsv.ParseOptions(newlines_in_values=True)  # RFC 4180: a quoted value may hold line breaks


@dataclass
class ImportStats:
    rows: int = 0
    total_rows: int = 0
    read_bytes: int = 0
    """Bytes of the current source read so far (an import's progress)."""
    invalid_values: dict[str, int] = field(default_factory=dict)


def arrow_schema(fields: list[dict[str, Any]]) -> pa.Schema:
    """Parquet columns = schema field names, typed by their Avro type."""
    return pa.schema([pa.field(f["name"], ARROW_TYPES[avro.field_type(f)[0]]) for f in fields])


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Reorder/cast a table to `schema`; columns it lacks become nulls (a schema that gained fields)."""
    columns = [table[f.name].cast(f.type) if f.name in table.column_names else pa.nulls(len(table), f.type)
               for f in schema]
    return pa.table(columns, schema=schema)


def _fail_row(source: Source, offset: int, index: int, name: str, value: Any, why: str) -> JobFailed:
    return JobFailed(f"{where(source, offset + index + 1)}, column {name}: value {excerpt(value)} {why}. "
                     "Fix the file and import it again.")


def parse_strings(column: pa.Array, kind: str) -> tuple[pa.Array, pa.Array]:
    """Strings -> typed values; returns (values with nulls where bad or empty, mask of non-empty bad values)."""
    empty = pc.equal(pc.utf8_trim_whitespace(column), "")
    if kind == "boolean":
        lowered = pc.utf8_lower(pc.utf8_trim_whitespace(column))
        good = pc.is_in(lowered, value_set=pa.array(["true", "false"]))
        values = pc.if_else(good, pc.equal(lowered, "true"), pa.scalar(None, pa.bool_()))
        return values, pc.and_(pc.invert(good), pc.invert(empty))
    target = ARROW_TYPES[kind]
    try:
        return _no_nan(pc.cast(column, target)), pc.and_(empty, False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    good = pc.match_substring_regex(column, NUMBER[kind])
    text = pc.if_else(good, pc.utf8_trim_whitespace(column), pa.scalar(None, pa.string()))
    if kind in ("int", "long"):
        wide = pc.cast(pc.replace_substring_regex(text, r"\.0*$", ""), pa.int64())
        if kind == "int":
            fits = pc.and_(pc.greater_equal(wide, -(2 ** 31)), pc.less(wide, 2 ** 31))
            good = pc.and_(good, pc.fill_null(fits, False))
            wide = pc.if_else(fits, wide, pa.scalar(None, pa.int64()))
        values = pc.cast(wide, target)
    else:
        values = _no_nan(pc.cast(text, target))
    return values, pc.and_(pc.invert(good), pc.invert(empty))


def _no_nan(values: pa.Array) -> pa.Array:
    """NaN is stored as null (a missing value), never as a number."""
    if pa.types.is_floating(values.type):
        return pc.if_else(pc.is_nan(values), pa.scalar(None, values.type), values)
    return values


def _convert(batch: pa.RecordBatch, header: dict[str, str], fields: list[dict], required: set[str], source: Source,
             offset: int, stats: ImportStats) -> pa.RecordBatch:
    columns = []
    for f in fields:
        name, (kind, nullable) = f["name"], avro.field_type(f)
        if name not in header:  # a nullable column the file does not have
            columns.append(pa.nulls(len(batch), ARROW_TYPES[kind]))
            continue
        column = batch.column(header[name])
        if kind == "string":
            columns.append(_string(column, f, name in required, source, offset))
            continue
        values, bad = parse_strings(column, kind)
        missing = pc.is_null(values)
        if name in required or not nullable:
            bad = missing  # an empty value is a bad value unless the field is nullable
        count = pc.sum(bad).as_py() or 0
        if count and name in required:
            index = int(np.flatnonzero(bad.to_numpy(zero_copy_only=False))[0])
            raise _fail_row(source, offset, index, name, column[index].as_py(), f"is not a valid {kind}")
        if count:
            stats.invalid_values[name] = stats.invalid_values.get(name, 0) + count
        columns.append(values)
    return pa.RecordBatch.from_arrays(columns, names=[f["name"] for f in fields])


def _string(column: pa.Array, f: dict, required: bool, source: Source, offset: int) -> pa.Array:
    name = f["name"]
    empty = pc.equal(column, "")
    if required and pc.any(empty).as_py():
        index = int(np.flatnonzero(empty.to_numpy(zero_copy_only=False))[0])
        raise _fail_row(source, offset, index, name, "", "is empty; this field is required")
    limit = MAX_CHARS.get(name) or (MAX_CATEGORICAL if f.get("categorical") else None)
    if limit is not None and len(column):
        lengths = _longest_value(column) if f.get("categorical") else pc.utf8_length(column)
        if (pc.max(lengths).as_py() or 0) > limit:
            index = int(np.flatnonzero(pc.greater(lengths, limit).to_numpy(zero_copy_only=False))[0])
            raise _fail_row(source, offset, index, name, column[index].as_py(), f"is longer than {limit} characters")
    if f.get("textual"):
        column = pc.utf8_slice_codeunits(column, 0, 20000)
    return column if required else pc.if_else(empty, pa.scalar(None, pa.string()), column)


def _longest_value(column: pa.Array) -> pa.Array:
    """Per row, the length of its longest '|'-separated value (the limit applies to each categorical value)."""
    parts = pc.split_pattern(column, "|")
    lengths = pc.utf8_length(pc.list_flatten(parts))
    rows = pc.list_parent_indices(parts)
    table = pa.table({"row": rows, "length": lengths}).group_by("row").aggregate([("length", "max")])
    out = np.zeros(len(column), dtype=np.int64)
    out[table["row"].to_numpy()] = table["length_max"].to_numpy()
    return pa.array(out)


def read_source(source: Source, fields: list[dict], dataset_type: str, stats: ImportStats,
                block_size: int = BLOCK_SIZE) -> Iterator[pa.RecordBatch]:
    """Validated batches of one CSV file (RFC 4180), read `block_size` bytes at a time; columns are matched to
    schema fields by header name ignoring case, extra columns are ignored."""
    required = avro.required_fields(dataset_type)
    names, has_data = read_header(source, block_size)
    header = match_header(names, fields, required, source)
    if not has_data:
        return
    wanted = list(header.values())
    convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in wanted}, include_columns=wanted,
                                   strings_can_be_null=False, quoted_strings_can_be_null=False)
    with open_source(source) as stream:
        reader, offset = None, 0
        while True:
            try:
                if reader is None:
                    reader = pacsv.open_csv(NoTrailingCR(stream), read_options=pacsv.ReadOptions(
                        block_size=block_size), parse_options=PARSE_OPTIONS, convert_options=convert)
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except (pa.ArrowException, UnicodeDecodeError) as exc:
                raise csv_error(source, exc, offset, names, header, block_size) from None
            stats.read_bytes = stream.tell()  # read ahead of the batch by up to a block: progress only
            yield _convert(batch, header, fields, required, source, offset, stats)
            offset += batch.num_rows


def import_to_lake(lake: Lake, key: str, sources: list[Source], fields: list[dict], dataset_type: str,
                   base_key: str | None = None, progress: Any = None, block_size: int = BLOCK_SIZE) -> ImportStats:
    """Write one new Parquet version at `key`: the sources' rows, after the rows of `base_key` (INCREMENTAL).
    Interactions are appended; items/users are upserted by id (the last row for an id wins)."""
    schema, stats = arrow_schema(fields), ImportStats()
    batches = _new_batches(sources, fields, dataset_type, stats, progress, block_size)
    path = lake.path(key)
    lake.fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
    try:
        with lake.fs.open_output_stream(path) as sink, pq.ParquetWriter(sink, schema, compression="zstd") as writer:
            if dataset_type == "INTERACTIONS":
                _append(lake, writer, schema, batches, base_key, stats)
            else:
                _upsert(lake, writer, schema, batches, dataset_type, base_key, stats)
    except BaseException:
        lake.delete_prefix(key)
        raise
    return stats


def _new_batches(sources: list[Source], fields: list[dict], dataset_type: str, stats: ImportStats,
                 progress: Any, block_size: int) -> Iterator[pa.RecordBatch]:
    sizes = [source_size(s) for s in sources]
    for number, source in enumerate(sources):
        label = f"reading file {number + 1} of {len(sources)}" if len(sources) > 1 else "reading the file"
        for batch in read_source(source, fields, dataset_type, stats, block_size):
            stats.rows += batch.num_rows
            if progress is not None and sizes[number]:
                within = min(1.0, stats.read_bytes / sizes[number])
                progress.update((number + within) / len(sources), f"{label}: {stats.rows:,} rows")
            yield batch
        if progress is not None:
            progress.update((number + 1) / len(sources), f"{label}: {stats.rows:,} rows")
    if stats.rows == 0:
        raise JobFailed(f"The input has no data rows ({', '.join(s.url for s in sources)}).")
    if dataset_type == "INTERACTIONS" and stats.rows < MIN_INTERACTIONS:
        raise JobFailed(f"The input has {stats.rows} interaction records; each import job needs at least "
                        f"{MIN_INTERACTIONS} ({', '.join(s.url for s in sources)}).")


def _append(lake: Lake, writer: pq.ParquetWriter, schema: pa.Schema, batches: Iterator[pa.RecordBatch],
            base_key: str | None, stats: ImportStats) -> None:
    if base_key:
        for batch in pq.ParquetFile(lake.path(base_key), filesystem=lake.fs).iter_batches(1 << 20):
            writer.write_table(conform(pa.Table.from_batches([batch]), schema))
            stats.total_rows += batch.num_rows
    pending: list[pa.RecordBatch] = []
    for batch in batches:
        pending.append(batch)
        if sum(b.num_rows for b in pending) >= ROW_GROUP:  # row groups of ~1M rows, not one per CSV block
            writer.write_table(pa.Table.from_batches(pending))
            pending = []
    if pending:
        writer.write_table(pa.Table.from_batches(pending))
    stats.total_rows += stats.rows


def _upsert(lake: Lake, writer: pq.ParquetWriter, schema: pa.Schema, batches: Iterator[pa.RecordBatch],
            dataset_type: str, base_key: str | None, stats: ImportStats) -> None:
    new = pa.Table.from_batches(list(batches), schema=schema)
    parts = [conform(lake.read_table(base_key), schema)] if base_key else []
    table = keep_last(pa.concat_tables([*parts, new]), avro.ID_FIELD[dataset_type])
    writer.write_table(table)
    stats.total_rows = len(table)


def keep_last(table: pa.Table, id_column: str) -> pa.Table:
    """One row per id: the last one, kept at the position of that last row."""
    codes = pc.dictionary_encode(table[id_column].combine_chunks()).indices.to_numpy(zero_copy_only=False)
    reverse_first = np.unique(codes[::-1], return_index=True)[1]
    keep = np.sort(len(codes) - 1 - reverse_first)
    return table if len(keep) == len(table) else table.take(pa.array(keep))
