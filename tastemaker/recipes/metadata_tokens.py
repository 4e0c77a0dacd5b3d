"""Metadata values as tokens, for the Items and Users datasets alike: each '|'-separated categorical value (lower
case) is a token, and so is the decile of a numeric value."""
from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

NUMERIC_BINS = 10
SEP = "\x1f"  # between a token's column and its value


def token_columns(table: pa.Table, fields: dict[str, dict],
                  skip: set[str]) -> tuple[list[str], dict[str, np.ndarray]]:
    """The columns that give tokens (categorical by the schema, or strings without one; numeric ones) and the
    decile edges of the numeric ones; columns whose upper-case name is in `skip` are left out."""
    columns, edges = [], {}
    for col in table.column_names:
        if col.upper() in skip:
            continue
        values, field = table[col], fields.get(col)
        if field.get("categorical", False) if field else pa.types.is_string(values.type):
            columns.append(col)
        elif pa.types.is_integer(values.type) or pa.types.is_floating(values.type):
            x = np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64)
            x = x[np.isfinite(x)]
            if len(x):
                columns.append(col)
                edges[col] = np.unique(np.quantile(x, np.linspace(0, 1, NUMERIC_BINS + 1)[1:-1]))
    return columns, edges


def value_tokens(values: dict[str, Any], edges: dict[str, np.ndarray]) -> list[str]:
    """Tokens of one record: `col<SEP>value` per '|'-separated categorical value (lower case), and
    `col<SEP>bin k` for the columns with decile edges."""
    out = []
    for col, value in values.items():
        if value is None:
            continue
        if col in edges:
            try:
                x = float(value)
            except (TypeError, ValueError):
                continue
            if np.isfinite(x):
                out.append(f"{col}{SEP}bin {int(np.searchsorted(edges[col], x, side='right'))}")
            continue
        out.extend(f"{col}{SEP}{t.strip().lower()}" for t in str(value).split("|") if t.strip())
    return out


def table_tokens(table: pa.Table, id_column: str, columns: list[str],
                 edges: dict[str, np.ndarray]) -> list[tuple[str, list[str]]]:
    """(id, its distinct tokens) for every row of a metadata table."""
    out = []
    for record in table.select([id_column] + columns).to_pylist():
        rid = str(record.pop(id_column))
        out.append((rid, list(dict.fromkeys(value_tokens(record, edges)))))
    return out
