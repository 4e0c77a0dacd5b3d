"""Sequential signals: an item-to-item transition model learned from consecutive interactions."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..data.types import Interactions
from ._common import top_k_rows


def transitions(inter: Interactions, window: int = 3, decay: float = 0.5, k: int = 100) -> sp.csr_matrix:
    """T[i, j]: how often j follows i within `window` later distinct steps of a user (weight decay**(step-1)),
    row-normalised, top k per row. Repeats of the same item in a row collapse into one step."""
    n = inter.n_items
    keep = np.ones(len(inter), dtype=bool)
    keep[1:] = (inter.user[1:] != inter.user[:-1]) | (inter.item[1:] != inter.item[:-1])
    user, item = inter.user[keep], inter.item[keep]
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
