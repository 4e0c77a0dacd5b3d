"""Shared recipe helpers: hyperparameter fields and parsing, top-n, softmax, item statistics, the array model base."""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field

from ..data.types import History, Interactions


class Params(BaseModel):
    """Base of every HyperParameters / FeatureParameters model: unknown names are rejected."""

    model_config = ConfigDict(extra="forbid")


def hp(default: Any, description: str, *, ge: float | None = None, le: float | None = None,
       tunable: bool = False) -> Any:
    """A documented hyperparameter field with its range and whether HPO may tune it."""
    return Field(default, ge=ge, le=le, description=description, json_schema_extra={"tunable": tunable})


def softmax(scores: np.ndarray) -> np.ndarray:
    """Numerically stable softmax (float64 so that tiny probabilities survive)."""
    s = np.asarray(scores, dtype=np.float64)
    if s.size == 0:
        return s
    finite = np.isfinite(s)
    e = np.zeros_like(s)
    if finite.any():
        e[finite] = np.exp(s[finite] - s[finite].max())
    total = e.sum()
    return e / total if total > 0 else e


def top_n(scores: np.ndarray, n: int, exclude: np.ndarray | None = None) -> np.ndarray:
    """Indices of the n best scores, descending, ties broken by lower index; excluded indices dropped."""
    scores = np.asarray(scores, dtype=np.float64).copy()
    if exclude is not None and len(exclude):
        scores[np.asarray(exclude, dtype=np.int64)] = -np.inf
    valid = int(np.isfinite(scores).sum()) if exclude is not None else len(scores)
    n = max(0, min(int(n), valid))
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n < len(scores) // 4:
        part = np.argpartition(-scores, n - 1)[:n]
        boundary = scores[part].min()
        part = np.flatnonzero(scores >= boundary)  # all ties at the boundary, then a stable order
    else:
        part = np.arange(len(scores))
    order = np.lexsort((part, -scores[part]))
    return part[order][:n].astype(np.int64)


def item_stats(inter: Interactions) -> tuple[np.ndarray, np.ndarray]:
    """(popularity = distinct users per item as float32, first-seen epoch seconds float64 with NaN if unknown)."""
    n = inter.n_items
    if len(inter):
        pairs = np.unique(inter.user.astype(np.int64) * n + inter.item)
        pop = np.bincount(pairs % n, minlength=n).astype(np.float32)
    else:
        pop = np.zeros(n, dtype=np.float32)
    first = np.full(n, np.inf)
    np.minimum.at(first, inter.item, inter.timestamp.astype(np.float64))
    first[np.isinf(first)] = np.nan
    return pop, first


def user_item_matrix(inter: Interactions, weights: np.ndarray | None = None, binary: bool = True) -> sp.csr_matrix:
    """Users x items sparse matrix (binary presence by default)."""
    data = np.ones(len(inter), dtype=np.float32) if weights is None else weights.astype(np.float32)
    m = sp.csr_matrix((data, (inter.user, inter.item)), shape=(inter.n_users, inter.n_items))
    m.sum_duplicates()
    if binary:
        m.data[:] = 1.0
    return m


def weighted_user_item_matrix(inter: Interactions) -> sp.csr_matrix:
    """Users x items: 1 where a user interacted, or with eventsConfig weights the highest weight of the pair's
    rows over the highest weight of all rows (so values stay in [0, 1])."""
    if inter.weight is None or not len(inter):
        return user_item_matrix(inter)
    keys = inter.user.astype(np.int64) * inter.n_items + inter.item
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    best = np.maximum.reduceat(inter.weight[order].astype(np.float32), starts)
    best /= max(float(best.max()), 1e-12)
    pairs = keys[starts]
    m = sp.csr_matrix((best, (pairs // inter.n_items, pairs % inter.n_items)), shape=(inter.n_users, inter.n_items))
    m.eliminate_zeros()  # weight-0 event types add nothing
    return m


def history_length_filter(inter: Interactions, min_pct: float, max_pct: float,
                          truncate: bool = True) -> Interactions:
    """Featurization: drop users shorter than the min percentile of history lengths; users above the max
    percentile are truncated to their newest rows (truncate=True) or dropped."""
    if not len(inter):
        return inter
    lengths = np.bincount(inter.user, minlength=inter.n_users)
    present = lengths[lengths > 0]
    lo, hi = np.quantile(present, min_pct), np.quantile(present, max_pct)
    keep_user = lengths >= lo
    offsets = inter.user_offsets()
    pos_from_end = offsets[inter.user + 1] - np.arange(len(inter)) - 1
    if truncate:
        keep = keep_user[inter.user] & (pos_from_end < max(hi, 1))
    else:
        keep = keep_user[inter.user] & (lengths[inter.user] <= hi)
    return inter.take(np.flatnonzero(keep)) if not keep.all() else inter


def recency_weights(length: int, decay: float) -> np.ndarray:
    """Weight decay**k for the k-th newest row (oldest first order)."""
    return np.power(float(decay), np.arange(length - 1, -1, -1, dtype=np.float64))


def csr_arrays(prefix: str, m: sp.csr_matrix) -> dict[str, np.ndarray]:
    m = m.tocsr()
    return {f"{prefix}_indptr": m.indptr.astype(np.int64), f"{prefix}_indices": m.indices.astype(np.int32),
            f"{prefix}_data": m.data.astype(np.float32), f"{prefix}_shape": np.asarray(m.shape, dtype=np.int64)}


def csr_from(prefix: str, arrays: dict[str, np.ndarray]) -> sp.csr_matrix:
    return sp.csr_matrix((arrays[f"{prefix}_data"], arrays[f"{prefix}_indices"], arrays[f"{prefix}_indptr"]),
                         shape=tuple(int(x) for x in arrays[f"{prefix}_shape"]))


def top_k_rows(m: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Keep the k largest entries of every row of a sparse matrix."""
    m = m.tocsr()
    counts = np.diff(m.indptr)
    if counts.max(initial=0) <= k:
        return m
    rows, cols, vals = [], [], []
    for r in np.flatnonzero(counts):
        lo, hi = m.indptr[r], m.indptr[r + 1]
        d = m.data[lo:hi]
        sel = np.argpartition(-d, k - 1)[:k] if hi - lo > k else np.arange(hi - lo)
        rows.append(np.full(len(sel), r, dtype=np.int32))
        cols.append(m.indices[lo:hi][sel])
        vals.append(d[sel])
    if not rows:
        return sp.csr_matrix(m.shape, dtype=np.float32)
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=m.shape)


class ArrayModel:
    """A model whose whole state is a dict of numpy arrays; subclasses implement `scores(history)`."""

    kind: ClassVar[str] = ""
    softmax_scores: ClassVar[bool] = True

    def __init__(self, arrays: dict[str, np.ndarray]):
        self._arrays = {k: np.asarray(v) for k, v in arrays.items() if k != "kind"}
        self.item_ids = self._arrays["item_ids"].astype(object)
        self.item_popularity = self._arrays["item_popularity"].astype(np.float32)
        self.item_first_seen = self._arrays["item_first_seen"].astype(np.float64)
        self.setup()

    def setup(self) -> None:
        """Derive serving structures from the arrays (override)."""

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def arrays(self) -> dict[str, np.ndarray]:
        out = dict(self._arrays)
        out["item_ids"] = np.asarray(self.item_ids, dtype=str)
        out["kind"] = np.asarray(self.kind)
        return out

    def scores(self, history: History) -> np.ndarray:
        raise NotImplementedError

    def _present(self, raw: np.ndarray) -> np.ndarray:
        return softmax(raw) if self.softmax_scores else np.asarray(raw, dtype=np.float64)

    def recommend(self, history: History, n: int, exclude: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        raw = self.scores(history)
        ids = top_n(raw, n, exclude)
        return ids, self._present(raw)[ids]

    def rank(self, history: History, items: np.ndarray) -> np.ndarray:
        items = np.asarray(items, dtype=np.int64)
        return softmax(self.scores(history)[items]) if len(items) else np.zeros(0)

    def similar(self, item: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        raw = self.scores(History.of([item]))
        ids = top_n(raw, n, np.asarray([item]))
        return ids, self._present(raw)[ids]


def popularity_fallback(pop: np.ndarray) -> np.ndarray:
    """A tiny tie-breaking score by popularity, below any real signal (values in [0, 1e-3])."""
    pop = np.asarray(pop, dtype=np.float64)
    return 1e-3 * np.log1p(pop) / max(np.log1p(pop.max(initial=0.0)), 1e-12)


def rank_scores(values: np.ndarray) -> np.ndarray:
    """Values -> [0, 1] by rank (ties share their mean rank): the scale and skew of, say, a price do not matter."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) < 2 or np.ptp(values) == 0:
        return np.zeros(len(values))
    unique, start, count = np.unique(np.sort(values), return_index=True, return_counts=True)
    return (start + (count - 1) / 2.0)[np.searchsorted(unique, values)] / (len(values) - 1)
