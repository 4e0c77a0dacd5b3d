"""EASE (Steck 2019): a closed-form item-item model, fitted on the most popular items so memory stays bounded."""
from __future__ import annotations

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp


def head_items(popularity: np.ndarray, max_items: int, min_count: float = 2.0) -> np.ndarray:
    """The (at most max_items) most popular items with at least min_count users, as sorted ids."""
    candidates = np.flatnonzero(popularity >= min_count)
    if len(candidates) > max_items:
        candidates = candidates[np.argsort(-popularity[candidates], kind="stable")[:max_items]]
    return np.sort(candidates).astype(np.int32)


def fit_ease(x: sp.csr_matrix, items: np.ndarray, l2: float, y: sp.csr_matrix | None = None) -> np.ndarray:
    """B = I - P / diag(P) with P = (X'X + l2 I)^-1 over the given item columns; float32 (k x k). With `y` (the
    same shape as x, e.g. eventsConfig-weighted), B regresses y's columns on x's: argmin ||Y - XB||² + l2 ||B||²
    with diag(B) = 0, i.e. B = P X'Y - P diag(mu), mu_j = (P X'Y)_jj / P_jj."""
    if not len(items):
        return np.zeros((0, 0), dtype=np.float32)
    xs = x[:, items].astype(np.float32)
    g = np.asarray((xs.T @ xs).todense(), dtype=np.float32)
    g[np.diag_indices_from(g)] += l2
    c, info = sla.lapack.spotrf(g, lower=1, overwrite_a=1)
    if info != 0:
        raise ValueError(f"EASE Gram matrix is not positive definite (info={info})")
    p, info = sla.lapack.spotri(c, lower=1, overwrite_c=1)
    p = np.tril(p) + np.tril(p, -1).T
    if y is None:
        b = -p / np.diag(p)
    else:
        b = p @ np.asarray((xs.T @ y[:, items].astype(np.float32)).todense(), dtype=np.float32)
        b -= p * (np.diag(b) / np.diag(p))
    np.fill_diagonal(b, 0.0)
    return b.astype(np.float32)
