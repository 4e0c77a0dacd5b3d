"""Users without interactions, from the Users dataset: what users sharing each metadata value (a categorical value,
or the decile of a numeric column) interact with, so a new user is not served the same popular list as everyone."""
from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from ..data.types import Interactions, TrainingData
from ._common import csr_arrays, csr_from, top_k_rows

NUMERIC_BINS = 10
MIN_USERS = 5  # a value shared by fewer training users says too little
TOP_ITEMS = 500  # items kept per value
SEP = "\x1f"


def _numeric(values: pa.ChunkedArray) -> bool:
    return pa.types.is_integer(values.type) or pa.types.is_floating(values.type)


def _categorical(col: str, values: pa.ChunkedArray, fields: dict[str, dict]) -> bool:
    field = fields.get(col)
    return bool(field.get("categorical", False)) if field else pa.types.is_string(values.type)


def value_tokens(values: dict[str, Any], edges: dict[str, np.ndarray]) -> list[str]:
    """Tokens of one user's metadata: `col<SEP>value` per '|'-separated categorical value (lower case), and
    `col<SEP>bin k` for numeric columns with decile edges."""
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


def fit_segments(data: TrainingData, inter: Interactions) -> dict[str, np.ndarray]:
    """Arrays of the segments model ({} without usable Users metadata): per token, the share of its training users
    who interacted with each item (its TOP_ITEMS items), the token names and the numeric columns' decile edges."""
    table = data.users
    if table is None or table.num_rows == 0 or not len(inter):
        return {}
    id_col = next((c for c in table.column_names if c.upper() == "USER_ID"), None)
    if id_col is None:
        return {}
    columns, edges = [], {}
    for col in table.column_names:
        if col == id_col:
            continue
        if _categorical(col, table[col], data.user_fields):
            columns.append(col)
        elif _numeric(table[col]):
            x = np.asarray(table[col].to_numpy(zero_copy_only=False), dtype=np.float64)
            if np.isfinite(x).any():
                columns.append(col)
                edges[col] = np.unique(np.quantile(x[np.isfinite(x)], np.linspace(0, 1, NUMERIC_BINS + 1)[1:-1]))
    if not columns:
        return {}
    index = {str(u): k for k, u in enumerate(inter.user_ids)}
    vocab: dict[str, int] = {}
    rows, cols = [], []
    records = table.select([id_col] + columns).to_pylist()
    for record in records:
        u = index.get(str(record.pop(id_col)), -1)
        if u < 0:
            continue
        for token in set(value_tokens(record, edges)):
            rows.append(vocab.setdefault(token, len(vocab)))
            cols.append(u)
    if not vocab:
        return {}
    members = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(vocab), inter.n_users))
    size = np.asarray(members.sum(axis=1)).ravel()
    keep = np.flatnonzero(size >= MIN_USERS)
    if not len(keep):
        return {}
    x = sp.csr_matrix((np.ones(len(inter), np.float32), (inter.user, inter.item)),
                      shape=(inter.n_users, inter.n_items))
    x.data[:] = 1.0  # a user counts once per item
    share = sp.diags(1.0 / size[keep]) @ (members[keep] @ x)
    names = np.asarray(list(vocab), dtype=object)[keep]
    cols_with_edges = list(edges)
    return {"seg_tokens": names.astype(str), "seg_num_cols": np.asarray(cols_with_edges, dtype=str),
            "seg_num_ptr": np.cumsum([0] + [len(edges[c]) for c in cols_with_edges]).astype(np.int64),
            "seg_num_edges": (np.concatenate([edges[c] for c in cols_with_edges]) if edges
                              else np.zeros(0)).astype(np.float64),
            **csr_arrays("seg", top_k_rows(share.tocsr().astype(np.float32), TOP_ITEMS))}


class Segments:
    """The segments model loaded from its arrays: scores for a user known only by metadata."""

    def __init__(self, arrays: dict[str, np.ndarray], n_items: int):
        self.token_row = {str(t): k for k, t in enumerate(arrays.get("seg_tokens", []))}
        self.matrix = csr_from("seg", arrays) if "seg_shape" in arrays else sp.csr_matrix((0, n_items))
        ptr = arrays.get("seg_num_ptr", np.zeros(1, np.int64))
        flat = arrays.get("seg_num_edges", np.zeros(0))
        self.edges = {str(c): np.asarray(flat[ptr[k]:ptr[k + 1]], dtype=np.float64)
                      for k, c in enumerate(arrays.get("seg_num_cols", []))}
        self.columns = sorted({t.split(SEP, 1)[0] for t in self.token_row} | set(self.edges))

    def scores(self, values: dict[str, Any]) -> np.ndarray | None:
        """Mean over the user's known tokens of each item's share among the token's users; None if no token
        of the user's metadata is known."""
        rows = [self.token_row[t] for t in value_tokens(values, self.edges) if t in self.token_row]
        if not rows:
            return None
        return np.asarray(self.matrix[rows].mean(axis=0), dtype=np.float64).ravel()
