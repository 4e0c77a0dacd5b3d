"""Users without interactions, from the Users dataset: what users sharing each metadata value (a categorical value,
or the decile of a numeric column) interact with, so a new user is not served the same popular list as everyone."""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ..data.types import Interactions, TrainingData
from ._common import csr_arrays, csr_from, top_k_rows
from .metadata_tokens import SEP, table_tokens, token_columns, value_tokens

MIN_USERS = 5  # a value shared by fewer training users says too little
TOP_ITEMS = 500  # items kept per value


def fit_segments(data: TrainingData, inter: Interactions) -> dict[str, np.ndarray]:
    """Arrays of the segments model ({} without usable Users metadata): per token, the share of its training users
    who interacted with each item (its TOP_ITEMS items), the token names and the numeric columns' decile edges."""
    table = data.users
    if table is None or table.num_rows == 0 or not len(inter):
        return {}
    id_col = next((c for c in table.column_names if c.upper() == "USER_ID"), None)
    if id_col is None:
        return {}
    columns, edges = token_columns(table, data.user_fields, {"USER_ID"})
    if not columns:
        return {}
    index = {str(u): k for k, u in enumerate(inter.user_ids)}
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for user, tokens in table_tokens(table, id_col, columns, edges):
        u = index.get(user, -1)
        if u >= 0:
            rows.extend(vocab.setdefault(t, len(vocab)) for t in tokens)
            cols.extend([u] * len(tokens))
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
