"""Item metadata for the recipes: the IDF-weighted token matrix of the Items dataset (categorical values and
numeric deciles), each item's creation time, and how well items match a history by metadata."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from ..data.types import TrainingData
from .metadata_tokens import table_tokens, token_columns


def metadata_matrix(data: TrainingData, item_ids: np.ndarray) -> sp.csr_matrix:
    """Items x tokens: one column per (categorical column, value) ('|'-separated values) and per (numeric
    column, decile) — CREATION_TIMESTAMP aside —, IDF-weighted, rows L2-normalised. Items absent from the Items
    table get an empty row."""
    table: pa.Table | None = data.items
    n = len(item_ids)
    if table is None or table.num_rows == 0:
        return sp.csr_matrix((n, 0), dtype=np.float32)
    id_column = next(c for c in table.column_names if c.upper() == "ITEM_ID")
    columns, edges = token_columns(table, data.item_fields, {"ITEM_ID", "CREATION_TIMESTAMP"})
    index = {str(i): k for k, i in enumerate(item_ids)}
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for item, tokens in table_tokens(table, id_column, columns, edges):
        r = index.get(item, -1)
        if r >= 0:
            rows.extend([r] * len(tokens))
            cols.extend(vocab.setdefault(t, len(vocab)) for t in tokens)
    m = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, len(vocab)))
    m.data[:] = 1.0
    df = np.asarray((m > 0).sum(axis=0)).ravel()
    m = m @ sp.diags(np.log((1.0 + n) / (1.0 + df)).astype(np.float32) + 1.0)
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    return (sp.diags(1.0 / np.maximum(norms, 1e-12)) @ m).astype(np.float32).tocsr()


def creation_times(data: TrainingData, item_ids: np.ndarray) -> np.ndarray:
    """Each item's CREATION_TIMESTAMP from the Items dataset as float64 epoch seconds, NaN where absent."""
    out = np.full(len(item_ids), np.nan)
    table: pa.Table | None = data.items
    if table is None:
        return out
    names = {c.upper(): c for c in table.column_names}
    if "CREATION_TIMESTAMP" not in names:
        return out
    index = {str(i): k for k, i in enumerate(item_ids)}
    for item, value in zip(table[names["ITEM_ID"]].to_pylist(), table[names["CREATION_TIMESTAMP"]].to_pylist()):
        k = index.get(str(item), -1)
        if k >= 0 and value is not None:
            out[k] = float(value)
    return out


def profile_match(meta: sp.csr_matrix, items: np.ndarray, weights: np.ndarray,
                  candidates: np.ndarray) -> np.ndarray:
    """Cosine similarity in [0, 1] between each candidate's metadata row and the weighted sum of the history
    items' rows (0 where either side has no metadata)."""
    if meta.shape[1] == 0 or not len(items) or not len(candidates):
        return np.zeros(len(candidates))
    profile = np.asarray(meta[items].T @ np.asarray(weights, dtype=np.float32)).ravel().astype(np.float64)
    norm = float(np.linalg.norm(profile))
    if norm == 0.0:
        return np.zeros(len(candidates))
    return np.clip(np.asarray(meta[candidates] @ (profile / norm)).ravel(), 0.0, 1.0)


def metadata_popularity(meta: sp.csr_matrix, popularity: np.ndarray, items: np.ndarray) -> np.ndarray:
    """For `items`, in [0, 1]: the mean over their metadata tokens of the mean popularity of the interacted
    items that carry the token (0 without metadata): how popular items like them are."""
    if meta.shape[1] == 0 or not len(items):
        return np.zeros(len(items))
    tokens = (meta > 0).astype(np.float64).tocsr()
    pop = np.asarray(popularity, dtype=np.float64)
    carriers = np.asarray(tokens[pop > 0].sum(axis=0)).ravel()
    token_pop = (tokens.T @ pop) / np.maximum(carriers, 1.0)
    sub = tokens[items]
    out = (sub @ token_pop) / np.maximum(np.asarray(sub.sum(axis=1)).ravel(), 1.0)
    return out / max(float(out.max(initial=0.0)), 1e-12)
