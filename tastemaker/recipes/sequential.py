"""Sequential signals: an item-to-item transition model learned from consecutive interactions, and a learned
next-items model (SLIT, Choi et al. 2021): a ridge regression from a user's recent items to the items that follow."""
from __future__ import annotations

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from ..data.types import Interactions
from ._common import top_k_rows

NEXT_ITEMS = {"window": 10, "past_decay": 0.85, "future": 20, "future_decay": 0.8, "max_rows": 2_000_000}


def collapse_repeats(user: np.ndarray, item: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop rows that repeat the previous row's item for the same user (a click and a watch are one step)."""
    keep = _step_starts(user, item)
    return user[keep], item[keep]


def _step_starts(user: np.ndarray, item: np.ndarray) -> np.ndarray:
    keep = np.ones(len(user), dtype=bool)
    keep[1:] = (user[1:] != user[:-1]) | (item[1:] != item[:-1])
    return keep


def step_weights(user: np.ndarray, item: np.ndarray, weight: np.ndarray,
                 keep: np.ndarray | None = None) -> np.ndarray:
    """The weight of each collapsed step (see collapse_repeats): the highest weight among its rows. `keep`: the
    step starts, when the caller has them."""
    keep = _step_starts(user, item) if keep is None else keep
    out = np.zeros(int(keep.sum()), dtype=np.float32)
    np.maximum.at(out, np.cumsum(keep) - 1, weight.astype(np.float32))
    return out


def transitions(inter: Interactions, window: int = 3, decay: float = 0.5, k: int = 100) -> sp.csr_matrix:
    """T[i, j]: how often j follows i within `window` later distinct steps of a user (weight decay**(step-1)),
    row-normalised, top k per row. Repeats of the same item in a row collapse into one step."""
    n = inter.n_items
    user, item = collapse_repeats(inter.user, inter.item)
    rows, cols, vals = [], [], []
    for step in range(1, max(window, 1) + 1):
        same = user[step:] == user[:-step]
        a, b = item[:-step][same], item[step:][same]
        diff = a != b
        rows.append(a[diff]); cols.append(b[diff]); vals.append(np.full(int(diff.sum()), decay ** (step - 1)))
    if not rows or not sum(len(r) for r in rows):
        return sp.csr_matrix((n, n), dtype=np.float32)
    t = sp.csr_matrix((np.concatenate(vals).astype(np.float32), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(n, n))
    t.sum_duplicates()
    t = top_k_rows(t, k)
    sums = np.asarray(t.sum(axis=1)).ravel()
    return (sp.diags(1.0 / np.maximum(sums, 1e-12)) @ t).astype(np.float32).tocsr()


def _window_rows(user: np.ndarray, item: np.ndarray, pos: np.ndarray, at: np.ndarray, steps: int, decay: float,
                 offsets: range, n_cols: int, weight: np.ndarray | None = None) -> sp.csr_matrix:
    """One row per position in `at`: sum of decay**k * e(item[at + offsets[k]]) (times the row's `weight`, if
    given) over the same user's rows whose item has a column in `pos` (-1: not modelled)."""
    rows, cols, vals = [], [], []
    for k, off in enumerate(offsets[:steps]):
        j = at + off
        ok = (j >= 0) & (j < len(user))
        ok[ok] &= user[j[ok]] == user[at[ok]]
        col = pos[item[j[ok]]]
        known = col >= 0
        rows.append(np.flatnonzero(ok)[known]); cols.append(col[known])
        vals.append(np.full(int(known.sum()), decay ** k, dtype=np.float32)
                    * (1.0 if weight is None else weight[j[ok]][known]))
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(len(at), n_cols))


def fit_next_items(inter: Interactions, items: np.ndarray, l2: float, seed: int = 0, window: int = 10,
                   past_decay: float = 0.8, future: int = 10, future_decay: float = 0.9,
                   max_rows: int = 2_000_000) -> np.ndarray:
    """B (k x k, float32 over `items`) minimising ||T - S B||² + l2 ||B||²: S holds each step's `window` previous
    items (newest weighs 1, then past_decay**k), T the `future` items from that step on (future_decay**k, times
    the step's eventsConfig weight when the rows carry one)."""
    k = len(items)
    if not k:
        return np.zeros((0, 0), dtype=np.float32)
    keep = _step_starts(inter.user, inter.item)
    user, item = inter.user[keep], inter.item[keep]
    weight = None if inter.weight is None else step_weights(inter.user, inter.item, inter.weight, keep)
    pos = np.full(inter.n_items, -1, dtype=np.int64)
    pos[items] = np.arange(k)
    at = np.arange(1, len(user))
    at = at[user[at] == user[at - 1]]
    if len(at) > max_rows:
        at = np.sort(np.random.default_rng(seed).choice(at, max_rows, replace=False))
    s = _window_rows(user, item, pos, at, window, past_decay, range(-1, -window - 1, -1), k)
    t = _window_rows(user, item, pos, at, future, future_decay, range(future), k, weight)
    g = (s.T @ s).toarray().astype(np.float32)
    g[np.diag_indices_from(g)] += l2
    rhs = (s.T @ t).toarray().astype(np.float32)
    # float32 Cholesky: ~3.5x faster than a float64 solve at 5,000 items, relative error ~1e-6 (l2 >= 0.1)
    factor = sla.cho_factor(g, lower=True, overwrite_a=True, check_finite=False)
    # C order: LAPACK answers in Fortran order, and sparse @ dense would copy B on every scoring call
    return np.ascontiguousarray(sla.cho_solve(factor, rhs, overwrite_b=True, check_finite=False), dtype=np.float32)


def next_items_input(histories: list[np.ndarray], pos: np.ndarray, window: int = 10,
                     decay: float = 0.8) -> sp.csr_matrix:
    """(len(histories), k) rows of each history's newest `window` distinct steps, weighted like fit_next_items."""
    rows, cols, vals = [], [], []
    for r, items in enumerate(histories):
        items = np.asarray(items, dtype=np.int64)
        if not len(items):
            continue
        _, steps = collapse_repeats(np.zeros(len(items), dtype=np.int64), items)
        recent = steps[::-1][:window]
        col = pos[recent]
        known = col >= 0
        rows.append(np.full(int(known.sum()), r)); cols.append(col[known])
        vals.append((decay ** np.arange(len(recent)))[known])
    n_cols = int(pos.max(initial=-1)) + 1
    if not rows:
        return sp.csr_matrix((len(histories), n_cols), dtype=np.float32)
    return sp.csr_matrix((np.concatenate(vals).astype(np.float32), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(len(histories), n_cols))
